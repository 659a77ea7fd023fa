// The setup facade end to end under a real kernel: the seed procedure through one call, compared
// field by field with the manual CLI procedure; re-run; status; teardown; refusals; rollback at
// every step; resume after a kill between steps; several PVs; an existing VG.
#include "lvmkit/setup.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <fstream>
#include <sstream>
#include "catch_compat.hpp"
#include "system/fast_path_check.hpp"

#include "lvmkit/blockdev.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using lvmkit::test::LoopDevice;
using lvmkit::test::run_command;
using lvmkit::test::ScratchDir;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;  // 1 GiB: 255 extents, 1%VG = 2 extents

setup::ThinPoolSpec spec_for(const std::vector<std::string>& devices, const ScratchDir& root,
                             const std::string& vg = "docker") {
    setup::ThinPoolSpec spec;
    spec.devices = devices;
    spec.vg = VgName(vg);
    spec.target_root = root.path();
    return spec;
}

lvm::LvReport find_lv(const std::vector<lvm::LvReport>& lvs, const std::string& name) {
    for (const auto& lv : lvs)
        if (lv.name == name)
            return lv;
    FAIL("no LV " << name);
    return {};
}

std::vector<lvm::LvReport> lvs_of(const std::string& vg, const std::string& device) {
    lvm::SessionOptions options;
    options.scan_only.emplace_back(device);
    return lvm::Session(options).lvs(VgName(vg));
}

// The seed procedure, by hand, with the lvm CLI.
void manual_procedure(const std::string& device, const std::string& vg,
                      const std::string& profile_dir) {
    const std::string filter = "devices/filter=[\"a|" + device + "|\",\"r|.*|\"]";
    auto lvm = [&](std::vector<std::string> args) {
        args.insert(args.begin() + 1, {"--config", filter});
        args.insert(args.begin(), "lvm");
        const auto result = run_command(args);
        INFO(result.output);
        REQUIRE(result.exit_code == 0);
    };
    lvm({"pvcreate", device});
    lvm({"vgcreate", vg, device});
    lvm({"lvcreate", "--wipesignatures", "y", "-n", "thinpool", vg, "-l", "95%VG"});
    lvm({"lvcreate", "--wipesignatures", "y", "-n", "thinpoolmeta", vg, "-l", "1%VG"});
    lvm({"lvconvert", "-y", "--zero", "n", "-c", "512K", "--thinpool", vg + "/thinpool",
         "--poolmetadata", vg + "/thinpoolmeta"});
    std::ofstream(profile_dir + "/manual-thinpool.profile")
        << "activation {\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n";
    lvm({"lvchange", "--metadataprofile", "manual-thinpool", vg + "/thinpool"});
    lvm({"lvchange", "--monitor", "y", vg + "/thinpool"});
}

}  // namespace

TEST_CASE("setup: the seed procedure in one call equals the manual CLI procedure",
          "[system][setup]") {
    LoopDevice ours(kDisk, "setup-ours");
    LoopDevice manual(kDisk, "setup-manual");
    ScratchDir root;
    const auto spec = spec_for({ours.path()}, root);

    const auto plan = setup::plan(spec);
    INFO(plan.to_text());
    CHECK_FALSE(plan.nothing_to_do());
    // The seed's 95%/1% layout leaves no room for a data autoextend step: the plan says so.
    CHECK(std::any_of(plan.warnings.begin(), plan.warnings.end(), [](const std::string& w) {
        return w.find("autoextend can not grow the pool's data") != std::string::npos;
    }));

    std::vector<std::string> progress;
    setup::ApplyOptions options;
    options.on_progress = [&](const setup::Progress& p) {
        progress.push_back(std::string(setup::to_string(p.kind)) + ":" + setup::to_string(p.phase));
    };
    const auto result = setup::apply(spec, options);
    CHECK_FALSE(result.nothing_to_do);
    CHECK(std::count(progress.begin(), progress.end(), "convert_to_pool:finished") == 1);
    CHECK(setup::verify(spec).empty());

    const std::string profile_dir = lvm::Session().profile_dir();
    manual_procedure(manual.path(), "manual", profile_dir);

    const auto a = lvs_of("docker", ours.path());
    const auto b = lvs_of("manual", manual.path());
    REQUIRE(a.size() == b.size());
    for (const char* name : {"thinpool", "thinpool_tdata", "thinpool_tmeta", "lvol0_pmspare"}) {
        INFO(name);
        const auto x = find_lv(a, name);
        const auto y = find_lv(b, name);
        CHECK(x.size == y.size);
        CHECK(x.segment_type == y.segment_type);
        CHECK(x.attributes.raw.substr(0, 9) == y.attributes.raw.substr(0, 9));
        CHECK(x.chunk_size == y.chunk_size);
        CHECK(x.zeroing == y.zeroing);
        CHECK(x.discards == y.discards);
        CHECK(x.seg_monitor == y.seg_monitor);
        CHECK(x.hidden == y.hidden);
    }
    CHECK(find_lv(a, "thinpool").profile == "docker-thinpool");
    CHECK(find_lv(b, "thinpool").profile == "manual-thinpool");
    CHECK(find_lv(a, "thinpool").monitored);

    // dm tables of the two pools have the same shape.
    const auto ta = dm::table("docker-thinpool");
    const auto tb = dm::table("manual-thinpool");
    REQUIRE(ta.size() == 1);
    REQUIRE(tb.size() == 1);
    CHECK(ta.front().length == tb.front().length);
    REQUIRE(std::holds_alternative<dm::ThinPoolTarget>(ta.front().target));
    const auto& pa = std::get<dm::ThinPoolTarget>(ta.front().target);
    const auto& pb = std::get<dm::ThinPoolTarget>(tb.front().target);
    CHECK(pa.data_block_size == pb.data_block_size);
    CHECK(pa.features == pb.features);
    CHECK(pa.low_water_mark == pb.low_water_mark);

    // The profile lvmkit wrote says what the seed's says.
    const std::string profile = read_text(profile_dir + "/docker-thinpool.profile");
    CHECK(profile.find("thin_pool_autoextend_threshold=80") != std::string::npos);
    CHECK(profile.find("thin_pool_autoextend_percent=20") != std::string::npos);

    // daemon.json as in the seed.
    const std::string daemon = read_text(root.path() + "/etc/docker/daemon.json");
    CHECK(daemon.find("\"storage-driver\": \"devicemapper\"") != std::string::npos);
    CHECK(daemon.find("dm.thinpooldev=/dev/mapper/docker-thinpool") != std::string::npos);
    CHECK(daemon.find("dm.use_deferred_removal=true") != std::string::npos);
    CHECK(daemon.find("dm.use_deferred_deletion=true") != std::string::npos);  // kernel 6.1

    // One setup serves the checks below, in order (sections would repeat the whole setup).
    {  // a re-run has nothing to do and changes nothing
        const auto again = setup::apply(spec);
        CHECK(again.nothing_to_do);
        for (const auto& step : again.steps)
            CHECK((step.skipped || step.kind == setup::StepKind::probe));
        CHECK(read_text(root.path() + "/etc/docker/daemon.json") == daemon);
        // Its closing status comes from the state it read (no second read) and is status()'s.
        REQUIRE(again.status);
        CHECK(again.status->to_json() == setup::status(spec).to_json());
        // A caller that stops at the plan changes nothing and gets no status.
        setup::ApplyOptions stop;
        stop.on_plan = [](const setup::Plan& p) { return !p.nothing_to_do(); };
        const auto stopped = setup::apply(spec, stop);
        CHECK(stopped.stopped);
        CHECK(stopped.steps.empty());
        CHECK_FALSE(stopped.status);
    }
    {  // status reads the pool from the kernel; the hot path answers, as LVM would
        CHECK(lvmkit::test::fast_status_agrees(spec));
        CHECK(lvmkit::test::fast_noop_agrees(spec));
        const auto status = setup::status(spec);
        INFO(status.to_text());
        CHECK(status.exists);
        CHECK(status.mode == "rw");
        CHECK(status.monitored);
        CHECK(status.data_total == find_lv(a, "thinpool").size);
        CHECK(status.autoextend_threshold == 80);
        CHECK(status.autoextend_percent == 20);
        CHECK(status.config_agrees);
        CHECK(status.headroom.data_steps_possible == 0);
    }
    {  // teardown leaves the device blank and keeps the user's config keys
        std::ofstream(root.path() + "/etc/docker/daemon.json")
            << "{\n  \"debug\": true,\n  \"storage-driver\": \"devicemapper\",\n"
               "  \"storage-opts\": [\n    \"dm.thinpooldev=/dev/mapper/docker-thinpool\",\n"
               "    \"dm.use_deferred_removal=true\",\n    \"dm.use_deferred_deletion=true\"\n"
               "  ]\n}\n";
        setup::TeardownOptions recording;
        std::vector<std::string> finished;
        recording.on_progress = [&](const setup::Progress& p) {
            if (p.phase == setup::Progress::Phase::finished)
                finished.emplace_back(setup::to_string(p.kind));
        };
        setup::teardown(spec, recording);
        // Each teardown step reports its own kind (they all read "probe" before).
        CHECK(finished == std::vector<std::string>{"remove_pool", "remove_vg", "remove_pv_labels",
                                                   "remove_profile", "remove_daemon_config"});
        CHECK(device_is_blank(ours.path()));
        CHECK_FALSE(dm::info("docker-thinpool").exists);
        CHECK(::access((profile_dir + "/docker-thinpool.profile").c_str(), F_OK) != 0);
        const std::string after = read_text(root.path() + "/etc/docker/daemon.json");
        CHECK(after.find("\"debug\": true") != std::string::npos);
        CHECK(after.find("thinpooldev") == std::string::npos);
        CHECK(setup::status(spec).exists == false);
    }
    run_command({"lvm", "vgremove", "-f", "manual"});
    run_command({"lvm", "pvremove", manual.path()});
}

TEST_CASE("setup: a failure at any step rolls back to the device as it was", "[system][setup]") {
    LoopDevice disk(kDisk, "setup-rollback");
    ScratchDir root;
    const auto spec = spec_for({disk.path()}, root);
    const std::string profile = lvm::Session().profile_dir() + "/docker-thinpool.profile";
    const auto kinds = steps_to_do(spec);
    REQUIRE(kinds.size() == 9);
    for (const auto failing : kinds) {
        INFO("failing before " << setup::to_string(failing));
        setup::ApplyOptions options;
        bool rolled_back = false;
        options.before_step = [failing](setup::StepKind kind) {
            if (kind == failing)
                throw Error(Errc::io_error, "test", "", "injected failure");
        };
        options.on_progress = [&](const setup::Progress& p) {
            rolled_back |= p.phase == setup::Progress::Phase::rolled_back;
        };
        try {
            setup::apply(spec, options);
            FAIL("apply succeeded despite the injected failure");
        } catch (const Error& e) {
            CHECK(e.errc() == Errc::io_error);
            CHECK(std::string(e.what()).find(std::string("(") + setup::to_string(failing) +
                                             ") failed: injected failure") != std::string::npos);
        }
        CHECK(rolled_back);
        CHECK(device_is_blank(disk.path()));
        CHECK(no_dm_devices_named("docker"));
        CHECK(::access(profile.c_str(), F_OK) != 0);
        CHECK(::access((root.path() + "/etc/docker/daemon.json").c_str(), F_OK) != 0);
    }
    // A hook that throws something that is not an exception still gets its rollback.
    setup::ApplyOptions odd;
    odd.before_step = [](setup::StepKind kind) {
        if (kind == setup::StepKind::create_data_lv)
            throw 42;
    };
    try {
        setup::apply(spec, odd);
        FAIL("apply succeeded despite the hook's throw");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("unknown exception") != std::string::npos);
    }
    CHECK(device_is_blank(disk.path()));
    // After all that, a clean run still works.
    CHECK_FALSE(setup::apply(spec).nothing_to_do);
    setup::teardown(spec);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("setup: a run killed between steps is resumed by the next run", "[system][setup]") {
    LoopDevice disk(kDisk, "setup-kill");
    ScratchDir root;
    const auto spec = spec_for({disk.path()}, root);
    const auto kinds = steps_to_do(spec);
    for (std::size_t k = 1; k < kinds.size(); ++k) {
        const auto killed_before = kinds[k];
        INFO("killed before " << setup::to_string(killed_before));
        const int status = apply_killed_before(spec, killed_before);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGKILL);

        // The plan read from the system knows what is done.
        const auto resumed = setup::plan(spec);
        std::size_t done = 0;
        for (const auto& step : resumed.steps)
            done += step.done ? 1 : 0;
        CHECK(done >= k);  // LVM may monitor the pool on activation already
        const auto result = setup::apply(spec);
        CHECK_FALSE(result.nothing_to_do);
        CHECK_FALSE(result.status);  // steps ran: the caller reads status() again
        CHECK(setup::verify(spec).empty());
        CHECK(setup::apply(spec).nothing_to_do);
        setup::teardown(spec);
        REQUIRE(device_is_blank(disk.path()));
    }
}

TEST_CASE("setup: refuses devices with data, and wipes only with permission", "[system][setup]") {
    LoopDevice disk(kDisk, "setup-ext4");
    ScratchDir root;
    REQUIRE(run_command({"mkfs.ext4", "-q", "-F", disk.path()}).exit_code == 0);
    auto spec = spec_for({disk.path()}, root);
    const std::string before = edges_of(disk.path());
    try {
        setup::apply(spec);
        FAIL("apply accepted a device with ext4 on it");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::has_signatures);
        CHECK(std::string(e.what()).find("ext4") != std::string::npos);
    }
    CHECK(edges_of(disk.path()) == before);
    CHECK(::access((root.path() + "/etc/docker/daemon.json").c_str(), F_OK) != 0);

    spec.wipe_signatures = true;
    const auto kinds = steps_to_do(spec);
    REQUIRE_FALSE(kinds.empty());
    CHECK(kinds.front() == setup::StepKind::wipe);
    setup::apply(spec);
    CHECK(setup::verify(spec).empty());
    setup::teardown(spec);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("setup: refuses a PV of another VG", "[system][setup]") {
    LoopDevice disk(kDisk, "setup-foreign");
    ScratchDir root;
    REQUIRE(run_command({"lvm", "vgcreate", "foreign", disk.path()}).exit_code == 0);
    auto spec = spec_for({disk.path()}, root);
    spec.wipe_signatures = true;  // never enough for a device in use by another VG
    try {
        setup::apply(spec);
        FAIL("apply took a PV of another VG");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::device_in_use);
        CHECK(std::string(e.what()).find("'foreign'") != std::string::npos);
    }
    const auto vgs = lvm::Session().vgs();
    CHECK(std::any_of(vgs.begin(), vgs.end(), [](const auto& vg) { return vg.name == "foreign"; }));
    run_command({"lvm", "vgremove", "-f", "foreign"});
    run_command({"lvm", "pvremove", disk.path()});
}

TEST_CASE("setup: N%PVS is a percentage of the free space on the devices given, as in lvcreate",
          "[system][setup]") {
    // An existing VG on `a` with another LV; the spec adds `b` and asks for 90%PVS of it.
    LoopDevice a(kDisk / 2, "setup-pvs-a");
    LoopDevice b(kDisk / 2, "setup-pvs-b");
    ScratchDir root;
    REQUIRE(run_command({"lvm", "vgcreate", "-q", "lkpvs", a.path()}).exit_code == 0);
    REQUIRE(run_command({"lvm", "lvcreate", "-q", "-n", "keep", "-L", "100M", "lkpvs"}).exit_code ==
            0);
    auto spec = spec_for({b.path()}, root, "lkpvs");
    spec.use_existing_vg = true;
    spec.consumer = setup::Consumer::none;
    spec.data_size = Percent{90, PercentOf::PVS};
    spec.metadata_size = Bytes::MiB(8);
    const auto plan = setup::plan(spec);
    INFO(plan.to_text());
    // 512 MiB - 1 MiB is 127 extents of 4 MiB on each device: 90% of b's is 114 extents, where
    // 90%VG would be 228 (of 254) and 90%FREE 206 (of 102 + 127).
    CHECK(plan.sizes.vg_extents == 254);
    CHECK(plan.sizes.data_extents == 114);
    setup::apply(spec);
    CHECK(setup::verify(spec).empty());

    // LVM made the size the plan said, on the device given.
    lvm::SessionOptions options;
    options.scan_only = {lvm::DevicePath(a.path()), lvm::DevicePath(b.path())};
    lvm::Session session(options);
    for (const auto& lv : session.lvs(VgName("lkpvs")))
        if (lv.name == "thinpool")
            CHECK(lv.size == Bytes::MiB(4 * 114));
    for (const auto& pv : session.pvs(options.scan_only))
        if (pv.name == b.path())
            CHECK(pv.size - pv.free >= Bytes::MiB(4 * 114));

    setup::teardown(spec);
    const auto lvs = session.lvs(VgName("lkpvs"));
    CHECK(std::any_of(lvs.begin(), lvs.end(), [](const auto& lv) { return lv.name == "keep"; }));
    CHECK(
        std::none_of(lvs.begin(), lvs.end(), [](const auto& lv) { return lv.name == "thinpool"; }));
    run_command({"lvm", "vgremove", "-f", "lkpvs"});
    run_command({"lvm", "pvremove", a.path(), b.path()});
}

TEST_CASE("setup: two devices in one VG, then an existing VG with free space", "[system][setup]") {
    LoopDevice a(kDisk / 2, "setup-a");
    LoopDevice b(kDisk / 2, "setup-b");
    ScratchDir root;
    {
        const auto spec = spec_for({a.path(), b.path()}, root);
        setup::apply(spec);
        CHECK(setup::verify(spec).empty());
        lvm::SessionOptions options;
        options.scan_only = {lvm::DevicePath(a.path()), lvm::DevicePath(b.path())};
        const auto vgs = lvm::Session(options).vgs(VgName("docker"));
        REQUIRE(vgs.size() == 1);
        CHECK(vgs.front().pv_count == 2);
        setup::teardown(spec);
        CHECK(device_is_blank(a.path()));
        CHECK(device_is_blank(b.path()));
    }
    {
        REQUIRE(run_command({"lvm", "vgcreate", "shared", a.path(), b.path()}).exit_code == 0);
        REQUIRE(run_command({"lvm", "lvcreate", "-n", "keep", "-L", "100M", "shared"}).exit_code ==
                0);
        setup::ThinPoolSpec spec;
        spec.use_existing_vg = true;
        spec.vg = VgName("shared");
        spec.data_size = Percent{50, PercentOf::FREE};
        spec.metadata_size = Bytes::MiB(8);
        spec.target_root = root.path();
        const auto plan = setup::plan(spec);
        INFO(plan.to_text());
        CHECK(plan.headroom.data_steps_possible >= 1);
        setup::apply(spec);
        CHECK(setup::verify(spec).empty());
        setup::teardown(spec);
        const auto lvs = lvm::Session().lvs(VgName("shared"));
        CHECK(
            std::any_of(lvs.begin(), lvs.end(), [](const auto& lv) { return lv.name == "keep"; }));
        CHECK(std::none_of(lvs.begin(), lvs.end(),
                           [](const auto& lv) { return lv.name == "thinpool"; }));
        run_command({"lvm", "vgremove", "-f", "shared"});
        run_command({"lvm", "pvremove", a.path(), b.path()});
    }
}

TEST_CASE("setup: autoextend grows a monitored pool past its threshold", "[system][setup]") {
    LoopDevice disk(kDisk, "setup-autoextend");
    ScratchDir root;
    auto spec = spec_for({disk.path()}, root);
    spec.data_size = Percent{30, PercentOf::VG};
    spec.metadata_size = Percent{2, PercentOf::VG};
    const auto plan = setup::plan(spec);
    REQUIRE(plan.headroom.data_steps_possible >= 1);
    setup::apply(spec);
    const Bytes before = setup::status(spec).data_total;

    lvm::SessionOptions options;
    options.scan_only.emplace_back(disk.path());
    lvm::Session session(options);
    session.create_thin_volume(spec.vg, spec.pool, LvName("thin1"), Bytes::GiB(2));
    // Fill 85% of the pool through the over-provisioned thin volume.
    const std::uint64_t fill_mib = before.count() * 85 / 100 >> 20;
    const auto dd = run_command({"dd", "if=/dev/urandom", "of=/dev/mapper/docker-thin1", "bs=1M",
                                 "count=" + std::to_string(fill_mib), "oflag=direct"});
    INFO(dd.output);
    REQUIRE(dd.exit_code == 0);

    // dmeventd's thin plugin polls every 10 s; give it a few rounds.
    Bytes after = before;
    for (int i = 0; i < 60 && after == before; ++i) {
        ::sleep(1);
        after = setup::status(spec).data_total;
    }
    INFO("before " << format_human(before) << ", after " << format_human(after));
    CHECK(after > before);
    CHECK(after.count() >= before.count() * 119 / 100);  // grown by ~20%

    setup::TeardownOptions refused;
    std::size_t reports = 0;
    refused.on_progress = [&](const setup::Progress&) { ++reports; };
    try {
        setup::teardown(spec, refused);
        FAIL("teardown removed a pool with a thin volume without force");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::busy);
    }
    CHECK(reports == 0);  // refused before its first step: nothing was removed
    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(spec, force);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("setup: containerd's devmapper snapshotter instead of Docker", "[system][setup]") {
    LoopDevice disk(kDisk, "setup-containerd");
    ScratchDir root;
    auto spec = spec_for({disk.path()}, root);
    spec.consumer = setup::Consumer::containerd;
    spec.containerd_config = "/etc/containerd/config.toml";
    const std::string config = root.path() + spec.containerd_config;
    REQUIRE(run_command({"mkdir", "-p", root.path() + "/etc/containerd"}).exit_code == 0);
    std::ofstream(config) << "version = 2\n\n# keep me\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                             "  sandbox_image = \"pause:3.9\"\n";
    setup::apply(spec);
    CHECK(setup::verify(spec).empty());
    const std::string text = read_text(config);
    CHECK(text.find("# keep me") != std::string::npos);
    CHECK(text.find("sandbox_image = \"pause:3.9\"") != std::string::npos);
    CHECK(text.find("[plugins.\"io.containerd.snapshotter.v1.devmapper\"]") != std::string::npos);
    CHECK(text.find("pool_name = \"docker-thinpool\"") != std::string::npos);
    CHECK(::access((root.path() + "/etc/docker/daemon.json").c_str(), F_OK) != 0);
    CHECK(setup::status(spec).config_agrees);
    CHECK(setup::apply(spec).nothing_to_do);
    setup::teardown(spec);
    const std::string after = read_text(config);
    CHECK(after.find("devmapper") == std::string::npos);
    CHECK(after.find("sandbox_image") != std::string::npos);
    CHECK(device_is_blank(disk.path()));
}
