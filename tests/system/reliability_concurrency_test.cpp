// Two setups of the same pool at once: two threads of one process, two processes, and a run that
// finds the host-wide lock (/run/lock/lvmkit.lock) held. One run does the work, the other waits
// and finds nothing to do (or is refused as busy); the end state is one correct pool.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;

setup::ThinPoolSpec spec_for(const std::string& device, const ScratchDir& root) {
    setup::ThinPoolSpec spec;
    spec.devices = {device};
    spec.target_root = root.path();
    return spec;
}

// How one concurrent run ended.
enum class Outcome { did_work, nothing_to_do, busy, other_error };

Outcome run_apply(const setup::ThinPoolSpec& spec, std::string* message) {
    try {
        return setup::apply(spec).nothing_to_do ? Outcome::nothing_to_do : Outcome::did_work;
    } catch (const Error& e) {
        *message = e.what();
        return e.errc() == Errc::busy || e.errc() == Errc::already_exists ? Outcome::busy
                                                                          : Outcome::other_error;
    }
}

void check_one_winner(Outcome a, Outcome b) {
    CHECK(a != Outcome::other_error);
    CHECK(b != Outcome::other_error);
    CHECK(((a == Outcome::did_work) != (b == Outcome::did_work)));
}

}  // namespace

TEST_CASE("reliability: two threads set up the same pool at once", "[system][reliability]") {
    LoopDevice disk(kDisk, "rel-threads");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root);
    std::atomic<int> ready{0};
    Outcome outcome[2] = {Outcome::other_error, Outcome::other_error};
    std::string message[2];
    auto worker = [&](int i) {
        ++ready;
        while (ready < 2) {
        }
        outcome[i] = run_apply(spec, &message[i]);
    };
    std::thread a(worker, 0), b(worker, 1);
    a.join();
    b.join();
    INFO(message[0] << "\n" << message[1]);
    check_one_winner(outcome[0], outcome[1]);
    CHECK(setup::verify(spec).empty());
    setup::teardown(spec);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("reliability: two processes set up the same pool at once", "[system][reliability]") {
    LoopDevice disk(kDisk, "rel-procs");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root);
    lvm::release_session();
    int go[2];
    REQUIRE(::pipe(go) == 0);
    pid_t children[2];
    for (auto& child : children) {
        child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(go[1]);
            char byte = 0;
            (void)::read(go[0], &byte, 1);  // both start when the parent closes the pipe
            std::string message;
            ::_exit(static_cast<int>(run_apply(spec, &message)));
        }
    }
    ::close(go[0]);
    ::close(go[1]);
    Outcome outcome[2];
    for (int i = 0; i < 2; ++i) {
        int status = 0;
        ::waitpid(children[i], &status, 0);
        REQUIRE(WIFEXITED(status));
        outcome[i] = static_cast<Outcome>(WEXITSTATUS(status));
    }
    check_one_winner(outcome[0], outcome[1]);
    CHECK(setup::verify(spec).empty());
    setup::teardown(spec);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("reliability: apply waits for the host-wide lock file", "[system][reliability]") {
    LoopDevice disk(kDisk, "rel-lock");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root);
    // Another tool (or lvmkit in another process) holds the lock; flock locks held through two
    // open file descriptions conflict even inside one process.
    const int fd = ::open("/run/lock/lvmkit.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    std::atomic<bool> started{false}, finished{false};
    std::string message;
    Outcome outcome = Outcome::other_error;
    std::thread runner([&] {
        setup::ApplyOptions options;
        options.on_progress = [&](const setup::Progress&) { started = true; };
        try {
            outcome = setup::apply(spec, options).nothing_to_do ? Outcome::nothing_to_do
                                                                : Outcome::did_work;
        } catch (const Error& e) {
            message = e.what();
        }
        finished = true;
    });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK_FALSE(started);  // no step ran while the lock was held
    CHECK_FALSE(finished);
    ::flock(fd, LOCK_UN);
    ::close(fd);
    runner.join();
    INFO(message);
    CHECK(outcome == Outcome::did_work);
    CHECK(setup::verify(spec).empty());
    setup::teardown(spec);
}
