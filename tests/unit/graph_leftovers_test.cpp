// Attributing a pool's unknown thin ids to Docker's devicemapper graph driver: from Docker's
// metadata files and containerd's snapshotter database as those programs write them (JSON
// shaped like deviceset.go's devInfo and devmapper's DeviceInfo, bytes around it like bolt's).
#include "lvmkit/graph_leftovers.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "catch_compat.hpp"
#include "error_matchers.hpp"

using namespace lvmkit;
using namespace lvmkit::setup;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("lvmkit-leftovers-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
    }
};

std::string docker_device(std::uint64_t id) {
    return "{\"device_id\":" + std::to_string(id) +
           ",\"size\":10737418240,\"transaction_id\":" + std::to_string(id + 1) +
           ",\"initialized\":true,\"deleted\":false}";
}

}  // namespace

TEST_CASE("leftovers: only ids Docker's metadata names and nobody else's are Docker's",
          "[leftovers]") {
    const std::map<std::uint64_t, Bytes> unknown{{1, Bytes::MiB(20)},
                                                 {2, Bytes::MiB(3)},
                                                 {3, Bytes::MiB(1)},
                                                 {5, Bytes::MiB(2)},
                                                 {7, Bytes::MiB(4)}};
    const std::map<std::uint64_t, std::string> docker{
        {1, "base"}, {2, "abc"}, {3, "def"}, {4, "gone-from-the-pool"}};
    const std::set<std::uint64_t> containerd{3, 5};
    const auto out = attribute_graph_leftovers(unknown, docker, containerd);
    REQUIRE(out.devices.size() == 2);
    CHECK(out.devices[0].id == 1);
    CHECK(out.devices[0].name == "base");
    CHECK(out.devices[1].id == 2);
    CHECK(out.data() == Bytes::MiB(23));
    // Claimed twice: containerd reused a number (its faulty record) — kept, listed.
    CHECK(out.ambiguous == std::vector<std::uint64_t>{3});
    CHECK(out.containerd == std::vector<std::uint64_t>{5});
    CHECK(out.unattributed == std::vector<std::uint64_t>{7});
    // An id Docker names but the pool no longer holds is not a leftover.
    for (const auto& device : out.devices)
        CHECK(device.id != 4);
    CHECK(out.summary().find("2 thin device(s) of Docker's devicemapper graph driver (ids 1-2)") ==
          0);
    CHECK(out.summary().find("ids 3 named by Docker's and containerd's metadata") !=
          std::string::npos);
    CHECK(out.summary().find("ids 7 nobody's metadata names") != std::string::npos);
}

TEST_CASE("leftovers: nothing named, nothing removed", "[leftovers]") {
    const auto out = attribute_graph_leftovers({{1, Bytes::MiB(1)}, {2, Bytes::MiB(1)}}, {}, {});
    CHECK(out.empty());
    CHECK(out.unattributed == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("leftovers: Docker's metadata directory as deviceset.go writes it", "[leftovers]") {
    TempDir dir;
    dir.write("base", docker_device(1));
    dir.write("0f6c3e1d2b", docker_device(4));
    dir.write("deviceset-metadata", "{\"next_device_id\":9,\"BaseDeviceUUID\":\"x\"}");
    dir.write("transaction-metadata",
              "{\"open_transaction_id\":0,\"device_hash\":\"\",\"device_id\":8}");
    const auto ids = read_docker_device_ids(dir.path.string());
    CHECK(ids == std::map<std::uint64_t, std::string>{{1, "base"}, {4, "0f6c3e1d2b"}});
    CHECK(read_docker_device_ids((dir.path / "absent").string()).empty());

    dir.write("broken", "{\"size\":1}");
    CHECK_THROWS_MATCHES(read_docker_device_ids(dir.path.string()), Error,
                         has_code_and_text(Errc::parse_error, "no device_id number"));
    dir.write("broken", "{\"device_id\":");
    CHECK_THROWS_MATCHES(read_docker_device_ids(dir.path.string()), Error,
                         has_code_and_text(Errc::parse_error, "broken"));
}

TEST_CASE("leftovers: containerd's ids from the bytes of its bolt database", "[leftovers]") {
    TempDir dir;
    std::string bolt(4096, '\0');
    bolt += "devices";
    bolt += std::string(16, '\x01');
    bolt +=
        "{\"device_id\":12,\"size\":10737418240,\"name\":\"snap-1\",\"parent_name\":\"\","
        "\"state\":4,\"error\":\"\"}";
    bolt += std::string(40, '\0');
    bolt +=
        "{\"device_id\":1,\"size\":1,\"name\":\"snap-2\",\"parent_name\":\"snap-1\",\"state\":"
        "12,\"error\":\"failed to create new thin device: File exists\"}";
    bolt += "\"device_id\":";  // cut at the end of the file: no digits, no id
    dir.write("vg-thinpool.db", bolt);
    CHECK(read_containerd_device_ids((dir.path / "vg-thinpool.db").string()) ==
          std::set<std::uint64_t>{1, 12});
    CHECK(read_containerd_device_ids((dir.path / "absent.db").string()).empty());
}
