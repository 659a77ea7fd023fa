// The setup facade end to end under a real kernel: the seed procedure through one call, compared
// field by field with the manual CLI procedure; re-run; status; teardown; refusals; rollback at
// every step; resume after a kill between steps; several PVs; an existing VG.
#include "lvmkit/setup.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "lvmkit/blockdev.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "system/fixtures.hpp"

using namespace lvmkit;
using lvmkit::test::LoopDevice;
using lvmkit::test::run_command;
using lvmkit::test::ScratchDir;

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

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
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

bool device_is_blank(const std::string& device) {
    const auto verdict = blockdev::assess(device);
    INFO(verdict.summary());
    return verdict.kind == blockdev::Verdict::Kind::free;
}

bool dm_device_exists(const std::string& name) {
    return dm::info(name).exists;
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
    const std::string profile = read_file(profile_dir + "/docker-thinpool.profile");
    CHECK(profile.find("thin_pool_autoextend_threshold=80") != std::string::npos);
    CHECK(profile.find("thin_pool_autoextend_percent=20") != std::string::npos);

    // daemon.json as in the seed.
    const std::string daemon = read_file(root.path() + "/etc/docker/daemon.json");
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
        CHECK(read_file(root.path() + "/etc/docker/daemon.json") == daemon);
    }
    {  // status reads the pool from the kernel
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
        setup::teardown(spec);
        CHECK(device_is_blank(ours.path()));
        CHECK_FALSE(dm_device_exists("docker-thinpool"));
        CHECK(::access((profile_dir + "/docker-thinpool.profile").c_str(), F_OK) != 0);
        const std::string after = read_file(root.path() + "/etc/docker/daemon.json");
        CHECK(after.find("\"debug\": true") != std::string::npos);
        CHECK(after.find("thinpooldev") == std::string::npos);
        CHECK(setup::status(spec).exists == false);
    }
    run_command({"lvm", "vgremove", "-f", "manual"});
    run_command({"lvm", "pvremove", manual.path()});
}
