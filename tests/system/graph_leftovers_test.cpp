// The thin devices a Docker <= 24 left in a pool (graph_leftovers.hpp), made with the dm messages
// Docker's devicemapper driver sends, named in metadata files shaped like its own and a bolt-like
// containerd database: remove_graph_leftovers() refuses while daemon.json selects the graph
// driver or one of them is active, removes nothing when deactivating one fails, and then deletes
// exactly Docker's ids: the id containerd names too, the one nobody names and containerd's stay.
// Setup for containerd's snapshotter on such a pool creates containerd's database numbering after
// the pool's ids; a failed write takes the run back, an existing database is never changed.
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "catch_compat.hpp"

#include "internal/snapshotter_database.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/graph_leftovers.hpp"
#include "lvmkit/setup.hpp"
#include "system/fixtures.hpp"
#include "system/shell_checks.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

void write_file(const std::string& path, const std::string& text) {
    must("mkdir -p \"$(dirname '" + path + "')\"");
    std::ofstream(path, std::ios::binary) << text;
}

std::size_t thin_ids(const std::string& pool) {
    must("dmsetup message " + pool + " 0 reserve_metadata_snap");
    const auto r = sh("thin_ls --metadata-snap --no-headers -o DEV /dev/mapper/" + pool + "_tmeta");
    must("dmsetup message " + pool + " 0 release_metadata_snap");
    REQUIRE(r.exit_code == 0);
    std::size_t lines = 0;
    for (char c : r.output)
        lines += c == '\n' ? 1 : 0;
    return lines;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A pool on @p disk (VG lk) under @p root, no runtime's files: the devices come from dm messages.
setup::ThinPoolSpec pool_without_consumer(const LoopDevice& disk, const ScratchDir& root) {
    setup::ThinPoolSpec spec;
    spec.devices = {disk.path()};
    spec.vg = VgName("lk");
    spec.target_root = root.path();
    spec.consumer = setup::Consumer::none;
    setup::apply(spec);
    return spec;
}

}  // namespace

TEST_CASE("graph leftovers: only Docker's ids are deleted, after every refusal",
          "[system][contents][leftovers]") {
    LoopDevice disk(1ull << 30, "leftovers");
    ScratchDir root;
    auto spec = pool_without_consumer(disk, root);
    const std::string pool = "lk-thinpool";
    // Docker's base device (id 1, 8 MiB written) and a layer (2); a device nobody names (3);
    // containerd's (4), whose database also names 2 (a faulty record after a collision).
    must("dmsetup message " + pool + " 0 'create_thin 1'");
    must("dmsetup create lk-d1 --table '0 262144 thin /dev/mapper/" + pool + " 1'");
    must("dd if=/dev/urandom of=/dev/mapper/lk-d1 bs=1M count=8 oflag=direct 2>&1");
    for (const char* id : {"2", "3", "4"})
        must("dmsetup message " + pool + " 0 'create_thin " + std::string(id) + "'");
    const std::string docker = root.path() + "/var/lib/docker/devicemapper/metadata/";
    write_file(docker + "base", "{\"device_id\":1,\"size\":10737418240,\"transaction_id\":1}");
    write_file(docker + "3f1a", "{\"device_id\":2,\"size\":10737418240,\"transaction_id\":2}");
    write_file(docker + "deviceset-metadata", "{\"next_device_id\":2}");
    write_file(root.path() + "/var/lib/containerd/devmapper/" + pool + ".db",
               std::string(64, '\0') + "{\"device_id\":4,\"name\":\"lk-thinpool-snap-1\"}" +
                   std::string(64, '\0') + "{\"device_id\":2,\"name\":\"lk-thinpool-snap-2\"}");
    const std::string daemon_json = root.path() + "/etc/docker/daemon.json";
    write_file(daemon_json, "{\"storage-driver\": \"devicemapper\"}\n");

    const auto status = setup::status(spec);
    INFO(status.graph_leftovers.summary());
    REQUIRE(status.graph_leftovers.devices.size() == 1);
    CHECK(status.graph_leftovers.devices[0].id == 1);
    CHECK(status.graph_leftovers.devices[0].data >= Bytes::MiB(8));
    CHECK(status.to_text().find("lvmkit-docker cleanup-leftovers") != std::string::npos);

    // Refused while daemon.json selects the graph driver: its devices are live data.
    CHECK(errc_of([&] { setup::remove_graph_leftovers(spec); }) == Errc::busy);
    CHECK(thin_ids(pool) == 4);
    // Refused while one is active (a Docker 24 still running).
    write_file(daemon_json, "{\"storage-driver\": \"devmapper\"}\n");
    CHECK(errc_of([&] { setup::remove_graph_leftovers(spec); }) == Errc::busy);
    CHECK(thin_ids(pool) == 4);
    {
        // Forced, but the active device is open: deactivating it fails, nothing is deleted.
        std::ifstream holder("/dev/mapper/lk-d1", std::ios::binary);
        REQUIRE(holder.is_open());
        setup::LeftoverCleanupOptions force;
        force.force = true;
        CHECK_THROWS_AS(setup::remove_graph_leftovers(spec, force), Error);
        CHECK(thin_ids(pool) == 4);
    }
    must("dmsetup remove lk-d1");

    const auto result = setup::remove_graph_leftovers(spec);
    REQUIRE(result.removed.size() == 1);
    CHECK(result.removed[0].id == 1);
    CHECK(result.data_used_after.count() + Bytes::MiB(8).count() <=
          result.data_used_before.count());
    CHECK(result.kept.ambiguous == std::vector<std::uint64_t>{2});
    CHECK(result.kept.unattributed == std::vector<std::uint64_t>{3});
    CHECK(result.kept.containerd == std::vector<std::uint64_t>{4});
    CHECK(thin_ids(pool) == 3);
    // A re-run finds nothing of Docker's; the others stay.
    CHECK(setup::remove_graph_leftovers(spec).removed.empty());
    CHECK(thin_ids(pool) == 3);
    sh("lvm vgremove -f lk; lvm pvremove " + disk.path());
}

TEST_CASE("graph leftovers: setup for containerd creates its database numbering past their ids",
          "[system][contents][leftovers]") {
    LoopDevice disk(1ull << 30, "leftovers-ids");
    ScratchDir root;
    auto spec = pool_without_consumer(disk, root);
    const std::string pool = "lk-thinpool";
    for (const char* id : {"1", "6"})
        must("dmsetup message " + pool + " 0 'create_thin " + std::string(id) + "'");
    const std::string docker = root.path() + "/var/lib/docker/devicemapper/metadata/";
    write_file(docker + "base", "{\"device_id\":1,\"size\":10737418240,\"transaction_id\":1}");
    write_file(docker + "9c2e", "{\"device_id\":6,\"size\":10737418240,\"transaction_id\":2}");

    spec.consumer = setup::Consumer::containerd;
    spec.containerd_config = "/etc/containerd/config.toml";
    const std::string config = root.path() + spec.containerd_config;
    const std::string db = root.path() + "/var/lib/containerd/devmapper/lk-thinpool.db";
    const auto plan = setup::plan(spec);
    INFO(plan.to_text());
    REQUIRE(plan.steps.back().kind == setup::StepKind::reserve_snapshotter_ids);
    CHECK_FALSE(plan.steps.back().done);
    CHECK(plan.steps.back().description.find("numbering from 7") != std::string::npos);

    // The database's directory is a file: the write fails, the run is taken back (config.toml
    // not written), the file stays as it was.
    write_file(root.path() + "/var/lib/containerd/devmapper", "not a directory");
    CHECK_THROWS_AS(setup::apply(spec), Error);
    CHECK(::access(config.c_str(), F_OK) != 0);
    CHECK(read_bytes(root.path() + "/var/lib/containerd/devmapper") == "not a directory");
    CHECK(thin_ids(pool) == 2);

    must("rm " + root.path() + "/var/lib/containerd/devmapper");
    setup::apply(spec);
    const long page = ::sysconf(_SC_PAGESIZE);
    CHECK(read_bytes(db) ==
          internal::render_snapshotter_database(6, static_cast<std::uint32_t>(page)));
    CHECK(read_bytes(config).find("lk-thinpool") != std::string::npos);
    const auto reserved = setup::plan(spec);
    CHECK(reserved.steps.back().done);
    CHECK(reserved.steps.back().description.find("numbers from 7") != std::string::npos);
    CHECK(setup::apply(spec).nothing_to_do);

    // A database that is there (containerd's, after its first start) is left as it is.
    write_file(db, "containerd's own");
    const auto again = setup::plan(spec);
    CHECK(again.steps.back().done);
    CHECK(again.steps.back().description.find("leaves it as it is") != std::string::npos);
    CHECK(again.to_text().find("whose database exists already") != std::string::npos);
    CHECK(again.nothing_to_do());
    CHECK(setup::apply(spec).nothing_to_do);
    CHECK(read_bytes(db) == "containerd's own");
    CHECK(thin_ids(pool) == 2);
    sh("lvm vgremove -f lk; lvm pvremove " + disk.path());
}
