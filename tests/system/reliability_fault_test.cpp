// Reliability under a real kernel: I/O faults under the PV during each step, a kill in the middle
// of a step, a simulated power cut, and a pool that runs out of data space. The PV is a dm device
// the test controls (linear over a loop device), switched to `error`, `flakey` or `delay` at the
// moment a step starts, and healed when the step has failed, so that the rollback runs on a
// working disk: every run must end in a specific error, a complete rollback, and a device that
// probes blank, and a re-run on the healed disk must finish.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include "catch_compat.hpp"
#include "system/fast_path_check.hpp"

#include "lvmkit/blockdev.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;  // 1 GiB, as setup_test.cpp

setup::ThinPoolSpec spec_for(const std::string& device, const ScratchDir& root) {
    setup::ThinPoolSpec spec;
    spec.devices = {device};
    spec.target_root = root.path();
    return spec;
}

std::string profile_path() {
    return lvm::Session().profile_dir() + "/docker-thinpool.profile";
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

// Nothing of a setup is left: no label, no dm device, no profile, no daemon.json.
void check_nothing_left(const StackedPv& pv, const ScratchDir& root) {
    CHECK(device_is_blank(pv.path()));
    CHECK(no_dm_devices_named("docker-"));
    CHECK_FALSE(exists(profile_path()));
    CHECK_FALSE(exists(root.path() + "/etc/docker/daemon.json"));
}

enum class Fault { all_io, writes };

const char* to_string(Fault fault) {
    return fault == Fault::all_io ? "error target" : "flakey error_writes";
}

}  // namespace

TEST_CASE("reliability: I/O fails under the PV during each step", "[system][reliability]") {
    const Fault fault = GENERATE(Fault::all_io, Fault::writes);
    StackedPv pv(kDisk, "rel-fault");
    ScratchDir root;
    const auto spec = spec_for(pv.path(), root);
    const auto kinds = steps_to_do(spec);
    REQUIRE(kinds.size() == 9);
    std::size_t refused = 0;
    for (const auto faulty : kinds) {
        INFO(to_string(fault) << " during " << setup::to_string(faulty));
        bool rolled_back = false;
        setup::ApplyOptions options;
        options.before_step = [&](setup::StepKind kind) {
            if (kind != faulty)
                return;
            if (fault == Fault::all_io)
                pv.fail_all_io();
            else
                pv.fail_writes();
        };
        options.on_progress = [&](const setup::Progress& p) {
            using Phase = setup::Progress::Phase;
            if (p.kind == faulty && (p.phase == Phase::failed || p.phase == Phase::finished))
                pv.heal();  // the fault lasts exactly as long as the step
            rolled_back |= p.phase == Phase::rolled_back;
        };
        try {
            setup::apply(spec, options);
            // Steps that do not touch the PV (files, dmeventd) finish despite the fault.
            CHECK(setup::verify(spec).empty());
            setup::teardown(spec);
            // teardown keeps daemon.json (without lvmkit's keys): a file is never deleted on a
            // guess that nobody else edited it. This loop wants a fresh start.
            const std::string daemon = root.path() + "/etc/docker/daemon.json";
            CHECK(read_text(daemon).find("thinpooldev") == std::string::npos);
            ::unlink(daemon.c_str());
        } catch (const Error& e) {
            ++refused;
            INFO(e.what());
            CHECK(e.errc() != Errc::rollback_incomplete);
            CHECK(std::string(e.what()).find(std::string("(") + setup::to_string(faulty) +
                                             ") failed") != std::string::npos);
            CHECK(rolled_back);
        }
        pv.heal();
        check_nothing_left(pv, root);
    }
    std::fprintf(stderr, "reliability: %s: %zu of %zu fault points refused and rolled back\n",
                 to_string(fault), refused, kinds.size());
    // Every step that writes LVM metadata (pvcreate, vgcreate, two lvcreates, lvconvert,
    // lvchange --metadataprofile) must notice the fault.
    CHECK(refused >= 6);
    // The healed disk takes a full setup.
    CHECK_FALSE(setup::apply(spec).nothing_to_do);
    CHECK(setup::verify(spec).empty());
    setup::teardown(spec);
    CHECK(device_is_blank(pv.path()));
}

namespace {

// Runs apply in a child that is SIGKILLed while step @p victim is in progress: the step starts on
// a PV whose I/O is delayed, the child signals the parent through a pipe, the parent kills it.
// With @p power_cut the PV's I/O is cut (error target) before the kill and every dm device of the
// run is dropped afterwards, as a reboot would.
void kill_during(StackedPv& pv, const setup::ThinPoolSpec& spec, setup::StepKind victim,
                 bool power_cut) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    lvm::release_session();  // the child must not share liblvm2cmd's handle state
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        setup::ApplyOptions options;
        options.before_step = [&](setup::StepKind kind) {
            if (kind != victim)
                return;
            pv.delay_io(400);  // every I/O of the step now takes 0.4 s
            const char byte = 1;
            (void)::write(ready[1], &byte, 1);
        };
        try {
            setup::apply(spec, options);
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(0);
    }
    ::close(ready[1]);
    char byte = 0;
    const bool reached = ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    if (reached) {
        ::usleep(250 * 1000);  // inside the step's first delayed I/O
        if (power_cut)
            pv.fail_all_io();
        ::kill(child, SIGKILL);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    INFO("step " << setup::to_string(victim) << " reached: " << reached);
    // A step that never starts (already done by LVM on the way) lets the child finish.
    if (reached)
        CHECK(WIFSIGNALED(status));
    if (power_cut) {
        // After a power loss no dm device exists; a device suspended mid-lvconvert is resumed
        // first so that its removal does not wait on queued I/O.
        for (const auto& device : dm::list_devices()) {
            if (device.name.rfind("docker-", 0) != 0)
                continue;
            try {
                if (dm::info(device.name).suspended)
                    dm::resume(device.name);
            } catch (const Error&) {
            }
        }
        for (int round = 0; round < 3; ++round)
            for (const auto& device : dm::list_devices())
                if (device.name.rfind("docker-", 0) == 0) {
                    try {
                        dm::remove(device.name);
                    } catch (const Error&) {  // a holder goes first; the next round gets it
                    }
                }
        CHECK(no_dm_devices_named("docker-"));
    }
    pv.heal();
    // Something suspended by the killed LVM command would hang every later I/O: resume it.
    for (const auto& device : dm::list_devices())
        if (dm::info(device.name).suspended)
            dm::resume(device.name);
}

}  // namespace

namespace {

void interrupt_each_step(bool power_cut) {
    StackedPv pv(kDisk, "rel-kill");
    ScratchDir root;
    const auto spec = spec_for(pv.path(), root);
    const auto kinds = steps_to_do(spec);
    std::size_t points = 0;
    for (const auto victim : kinds) {
        INFO((power_cut ? "power cut" : "SIGKILL") << " inside " << setup::to_string(victim));
        kill_during(pv, spec, victim, power_cut);
        ++points;
        if (power_cut) {  // LVM's metadata must be consistent after the cut
            const auto check =
                run_command({"lvm", "vgck", "--config",
                             "devices/filter=[\"a|^" + pv.path() + "$|\",\"r|.*|\"]", "docker"});
            INFO(check.output);
            const bool vg_absent = check.output.find("not found") != std::string::npos;
            CHECK((check.exit_code == 0 || vg_absent));
        }
        // The half-built state: the hot path either declines or says what LVM says.
        (void)lvmkit::test::fast_status_agrees(spec);
        // A kill late in a step can leave it done: then the no-op check must agree with LVM's.
        (void)lvmkit::test::fast_noop_agrees(spec);
        const auto result = setup::apply(spec);
        CHECK(setup::verify(spec).empty());
        CHECK(setup::apply(spec).nothing_to_do);
        const auto status = setup::status(spec);
        CHECK(status.exists);
        CHECK(status.mode == "rw");
        setup::teardown(spec);
        REQUIRE(device_is_blank(pv.path()));
        (void)result;
    }
    CHECK(points == kinds.size());
    std::fprintf(stderr, "reliability: %s: %zu interruption points resumed\n",
                 power_cut ? "power cut" : "SIGKILL", points);
}

}  // namespace

TEST_CASE("reliability: a run killed inside a step is finished by the next run",
          "[system][reliability]") {
    interrupt_each_step(false);
}

TEST_CASE("reliability: a power cut inside a step, then a re-run", "[system][reliability]") {
    interrupt_each_step(true);
}

TEST_CASE("reliability: an LVM pool out of data space", "[system][reliability]") {
    // A small disk filled through an over-provisioned thin volume. LVM's default policy queues
    // writes when the pool is full; the kernel's no_space_timeout then fails them. A short
    // timeout keeps the test bounded; the point is that nothing hangs for good.
    const std::string timeout_knob = "/sys/module/dm_thin_pool/parameters/no_space_timeout";
    const std::string saved = read_text(timeout_knob);
    std::ofstream(timeout_knob) << "3\n";
    StackedPv pv(256ull << 20, "rel-full");
    ScratchDir root;
    auto spec = spec_for(pv.path(), root);
    spec.metadata_size = Bytes::MiB(8);  // 1% of 256 MiB is less than one extent
    setup::apply(spec);
    lvm::SessionOptions options;
    options.scan_only.emplace_back(pv.path());
    lvm::Session(options).create_thin_volume(spec.vg, spec.pool, LvName("thin1"), Bytes::GiB(1));

    const auto start = std::chrono::steady_clock::now();
    const auto dd = run_command({"dd", "if=/dev/zero", "of=/dev/mapper/docker-thin1", "bs=1M",
                                 "count=400", "oflag=direct"});
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    INFO(dd.output << "\n" << seconds << " s");
    CHECK(dd.exit_code != 0);  // writes past the pool's end fail, after the timeout
    CHECK(seconds < 60);

    const auto status = setup::status(spec);
    INFO(status.to_text());
    CHECK(status.exists);
    CHECK(status.mode == "out_of_data_space");
    CHECK(status.data_percent == Approx(100.0));
    CHECK(status.data_used == status.data_total);

    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(spec, force);
    CHECK(device_is_blank(pv.path()));
    CHECK(no_dm_devices_named("docker-"));
    std::ofstream(timeout_knob) << saved;
}

TEST_CASE("reliability: a raw pool with error_if_no_space fails writes at once when full",
          "[system][reliability]") {
    LoopDevice metadata(8ull << 20, "rel-raw-meta");
    LoopDevice data(64ull << 20, "rel-raw-data");
    dm::RawThinPoolSpec raw;
    raw.name = "rel-raw-pool";
    raw.metadata_device = metadata.path();
    raw.data_device = data.path();
    raw.features.error_if_no_space = true;
    raw.features.skip_block_zeroing = true;
    const auto pool = dm::create_thin_pool(raw);
    pool.create_thin(1);
    pool.activate_thin("rel-raw-thin", 1, Sectors::floor(Bytes::MiB(256)));

    const auto start = std::chrono::steady_clock::now();
    const auto dd = run_command({"dd", "if=/dev/zero", "of=/dev/mapper/rel-raw-thin", "bs=1M",
                                 "count=128", "oflag=direct"});
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    INFO(dd.output);
    CHECK(dd.exit_code != 0);
    CHECK(seconds < 20);  // no queueing: the first write past the end fails

    const auto status = pool.status();
    REQUIRE(std::holds_alternative<dm::ThinPoolUsage>(status));
    const auto& usage = std::get<dm::ThinPoolUsage>(status);
    CHECK(usage.mode == dm::PoolMode::out_of_data_space);
    CHECK(usage.no_space_policy == dm::NoSpacePolicy::error);
    CHECK(usage.used_data_blocks == usage.total_data_blocks);

    dm::remove("rel-raw-thin");
    dm::teardown_thin_pool(raw.name);
    CHECK(no_dm_devices_named("rel-raw"));
}
