// The hot path's dmeventd client (lib/dm/dmeventd_client.cpp) when there is no clear answer: no
// dmeventd, FIFOs that are not dmeventd's, a reader that never answers. Each gives "no answer"
// (the caller asks LVM) within its deadline, never a hang. Its answers from a real dmeventd are
// checked against LVM's in the [system] tests (fast_path_check.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "catch_compat.hpp"
#include "internal/dmeventd_client.hpp"

namespace dmi = lvmkit::dm::internal;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kDso = "libdevmapper-event-lvm2thin.so";
constexpr const char* kUuid = "LVM-abcdefabcdefabcdefabcdefabcdefab-tpool";

struct FifoDir {
    std::string path;
    FifoDir() {
        char tmpl[] = "/tmp/lvmkit-dmeventd-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~FifoDir() {
        ::unlink(client().c_str());
        ::unlink(server().c_str());
        ::rmdir(path.c_str());
    }
    std::string client() const { return path + "/dmeventd-client"; }
    std::string server() const { return path + "/dmeventd-server"; }
    void make(mode_t mode) const {
        REQUIRE(::mkfifo(client().c_str(), mode) == 0);
        REQUIRE(::mkfifo(server().c_str(), mode) == 0);
        REQUIRE(::chmod(client().c_str(), mode) == 0);  // past the umask
        REQUIRE(::chmod(server().c_str(), mode) == 0);
    }
};

std::optional<dmi::DmeventdRegistration> ask(const FifoDir& dir, milliseconds deadline) {
    return dmi::dmeventd_registration_at(dir.client(), dir.server(), kDso, kUuid, deadline);
}

}  // namespace

TEST_CASE("dmeventd client: no FIFOs, or files that are not FIFOs, give no answer", "[dmeventd]") {
    FifoDir dir;
    CHECK_FALSE(ask(dir, milliseconds(2000)));
    std::ofstream(dir.client()) << "";
    std::ofstream(dir.server()) << "";
    CHECK_FALSE(ask(dir, milliseconds(2000)));
}

TEST_CASE("dmeventd client: FIFOs nobody reads (dmeventd gone) give no answer at once",
          "[dmeventd]") {
    FifoDir dir;
    dir.make(0600);
    const auto start = Clock::now();
    CHECK_FALSE(ask(dir, milliseconds(5000)));
    CHECK(Clock::now() - start < milliseconds(1000));  // no wait for a daemon that is not there
}

TEST_CASE("dmeventd client: a reader that never answers gives no answer at the deadline",
          "[dmeventd]") {
    FifoDir dir;
    dir.make(0600);
    // A silent listener on the request FIFO: the request is written, no reply comes.
    const int listener = ::open(dir.client().c_str(), O_RDONLY | O_NONBLOCK);
    REQUIRE(listener >= 0);
    const auto start = Clock::now();
    CHECK_FALSE(ask(dir, milliseconds(300)));
    const auto took = Clock::now() - start;
    CHECK(took >= milliseconds(250));
    CHECK(took < milliseconds(3000));
    // What it wrote is one GET_REGISTERED_DEVICE request naming the DSO and the device.
    char buffer[512] = {};
    const ssize_t n = ::read(listener, buffer, sizeof buffer - 1);
    ::close(listener);
    REQUIRE(n > 8);
    CHECK(static_cast<unsigned char>(buffer[3]) == 4);  // the command word, big-endian
    const std::string data(buffer + 8, static_cast<std::size_t>(n) - 8);
    CHECK(data.find(std::string(kDso) + " " + kUuid + " 65280 0") != std::string::npos);
    // dmeventd parses the text in place and adds no NUL: the request carries its own, counted.
    const std::uint32_t size =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(buffer[6])) << 8) |
        static_cast<unsigned char>(buffer[7]);
    CHECK(size == data.size());
    CHECK(data.back() == '\0');
}

TEST_CASE("dmeventd client: FIFOs others may write are not trusted", "[dmeventd]") {
    FifoDir dir;
    dir.make(0666);
    const int listener = ::open(dir.client().c_str(), O_RDONLY | O_NONBLOCK);
    REQUIRE(listener >= 0);
    const auto start = Clock::now();
    CHECK_FALSE(ask(dir, milliseconds(2000)));
    CHECK(Clock::now() - start < milliseconds(1000));  // refused before asking
    char buffer[64];
    CHECK(::read(listener, buffer, sizeof buffer) <= 0);  // nothing was written
    ::close(listener);
}

TEST_CASE("dmeventd client: a DSO or device name with a space is refused, not sent", "[dmeventd]") {
    CHECK_FALSE(dmi::dmeventd_registration_at("/nonexistent", "/nonexistent", "a b.so", kUuid,
                                              milliseconds(100)));
    CHECK_FALSE(
        dmi::dmeventd_registration_at("/nonexistent", "/nonexistent", kDso, "", milliseconds(100)));
}
