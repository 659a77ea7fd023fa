// A pool that holds a container runtime's thin devices. containerd's devmapper snapshotter (and
// Docker's devicemapper driver) make them with dm messages to the pool (`create_thin`,
// `create_snap`, `set_transaction_id`) that LVM never sees: LVM's own teardown view counts no thin
// LV and lvremove destroys them. lvmkit reads the pool itself, refuses (exit 3) with every byte
// unchanged, shows the same in status, and removes everything only with --force.
#include <fstream>
#include <nlohmann/json.hpp>
#include "catch_compat.hpp"
#include "system/fast_path_check.hpp"

#include "internal/thin_metadata.hpp"
#include "lvm/lvm_session.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "system/cli_fixtures.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"
#include "system/shell_checks.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;
constexpr const char* kThinSectors = "262144";  // 128 MiB thin devices
constexpr const char* kWrittenMiB = "8";

setup::ThinPoolSpec spec_for(const std::string& device, const ScratchDir& root,
                             const std::string& vg) {
    setup::ThinPoolSpec spec;
    spec.devices = {device};
    spec.vg = VgName(vg);
    spec.target_root = root.path();
    spec.consumer = setup::Consumer::none;
    return spec;
}

std::string checksum_of(const std::string& device) {
    const auto r = sh("dd if=" + device + " bs=1M count=" + kWrittenMiB +
                      " iflag=direct 2>/dev/null | sha256sum");
    REQUIRE(r.exit_code == 0);
    return r.output;
}

// What containerd's devmapper snapshotter does to a pool (it runs dmsetup): a thin device for a
// layer, activated and written, a snapshot of it taken while it is suspended, an empty one; and
// Docker's set_transaction_id. Returns the checksum of the data written.
std::string runtime_devices(const std::string& pool, const std::string& active) {
    const std::string dev = "/dev/mapper/" + active;
    must("dmsetup message " + pool + " 0 'create_thin 0'");
    must("dmsetup create " + active + " --table '0 " + kThinSectors + " thin /dev/mapper/" + pool +
         " 0'");
    must("dd if=/dev/urandom of=" + dev + " bs=1M count=" + kWrittenMiB + " oflag=direct 2>&1");
    must("dmsetup suspend " + active);
    must("dmsetup message " + pool + " 0 'create_snap 1 0'");
    must("dmsetup resume " + active);
    must("dmsetup message " + pool + " 0 'create_thin 2'");
    must("dmsetup message " + pool + " 0 'set_transaction_id 0 1'");
    return checksum_of(dev);
}

std::size_t thin_ls_count(const std::string& pool) {
    must("dmsetup message " + pool + " 0 reserve_metadata_snap");
    const auto r = sh("thin_ls --metadata-snap --no-headers -o DEV /dev/mapper/" + pool + "_tmeta");
    must("dmsetup message " + pool + " 0 release_metadata_snap");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::size_t lines = 0;
    for (char c : r.output)
        lines += c == '\n' ? 1 : 0;
    return lines;
}

CommandResult cli(const std::vector<std::string>& args) {
    std::string command = shell_quote(cli_binary());
    for (const auto& arg : args)
        command += " " + shell_quote(arg);
    return sh(command + " </dev/null");
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

bool pool_active(const std::string& vg) {
    const auto r = sh("lvm lvs --noheadings -o lv_active " + vg + "/thinpool");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return contains(r.output, "active");
}

bool dm_device_exists(const std::string& name) {
    return sh("dmsetup info " + name + " >/dev/null 2>&1").exit_code == 0;
}

// A runtime's pool left inactive (a reboot without autoactivation, or `lvchange -an`): its thin
// devices are in the metadata only. Returns the data's checksum.
std::string inactive_runtime_pool(const std::string& vg) {
    const std::string active = vg + "-rt-0";
    const std::string sum = runtime_devices(vg + "-thinpool", active);
    must("dmsetup remove " + active);
    must("lvm lvchange -an " + vg + "/thinpool");
    REQUIRE_FALSE(pool_active(vg));
    return sum;
}

// Reactivates the pool and thin device 0, returns its checksum, and leaves the pool inactive.
std::string checksum_after_reactivation(const std::string& vg) {
    const std::string active = vg + "-rt-0";
    must("lvm lvchange -ay " + vg + "/thinpool");
    must("dmsetup create " + active + " --table '0 " + kThinSectors + " thin /dev/mapper/" + vg +
         "-thinpool 0'");
    const std::string sum = checksum_of("/dev/mapper/" + active);
    must("dmsetup remove " + active);
    must("lvm lvchange -an " + vg + "/thinpool");
    return sum;
}

// `teardown --yes --force` with @p args removes a pool holding 3 thin devices, says what it
// destroys, and leaves @p disk blank with no dm device of @p vg.
void check_forced_teardown(const std::vector<std::string>& args, const std::string& disk,
                           const std::string& vg) {
    const auto r = cli(std::vector<std::string>{"teardown", "--yes", "--force"} + args);
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "--force destroys what the pool holds: 3 thin device(s)"));
    CHECK(device_is_blank(disk));
    CHECK(no_dm_devices_named(vg));
}

// The component activation fails as LVM reports a failure: test seam, reset on every path.
struct FailingComponentActivation {
    FailingComponentActivation() {
        lvm::internal::set_run_interceptor([](const std::string& line) {
            lvm::internal::RunResult result;
            if (contains(line, "lvchange") && contains(line, "_tmeta")) {
                result.return_code = 5;
                result.errors = {"injected: activation of the component failed"};
            }
            return result;
        });
    }
    ~FailingComponentActivation() { lvm::internal::set_run_interceptor(nullptr); }
    FailingComponentActivation(const FailingComponentActivation&) = delete;
    FailingComponentActivation& operator=(const FailingComponentActivation&) = delete;
};

}  // namespace

TEST_CASE("pool contents: LVM's teardown view destroys a runtime's thin devices (the harm)",
          "[system][contents]") {
    LoopDevice disk(kDisk, "contents-harm");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root, "harm");
    setup::apply(spec);
    runtime_devices("harm-thinpool", "harm-rt-0");
    must("dmsetup remove harm-rt-0");  // containerd deactivates snapshots nobody mounts

    // LVM counts no thin LV in the pool: what a teardown that asks LVM alone sees.
    lvm::SessionOptions options;
    options.scan_only.emplace_back(disk.path());
    std::size_t thin_lvs = 0;
    for (const auto& lv : lvm::Session(options).lvs(spec.vg))
        thin_lvs += lv.pool == "thinpool" ? 1u : 0u;
    CHECK(thin_lvs == 0);
    CHECK(thin_ls_count("harm-thinpool") == 3);
    // And LVM removes the pool, with 3 thin devices and 8 MiB of a layer in it.
    const auto removed = sh("lvm lvremove -y harm/thinpool 2>&1");
    INFO(removed.output);
    CHECK(removed.exit_code == 0);
    CHECK(sh("lvm lvs harm/thinpool 2>&1").exit_code != 0);
    sh("lvm vgremove -f harm; lvm pvremove " + disk.path());
}

TEST_CASE("pool contents: teardown refuses a pool holding a runtime's thin devices, bytes kept",
          "[system][contents][cli]") {
    LoopDevice disk(kDisk, "contents");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root, "rtpool");
    setup::apply(spec);
    const std::string pool = "rtpool-thinpool";
    const std::string active = "rtpool-rt-0";

    // An empty pool holds nothing: teardown must still work on a fresh setup.
    CHECK(lvmkit::test::fast_status_agrees(spec));
    const auto empty = setup::status(spec).contents;
    CHECK_FALSE(empty.holds_anything());
    CHECK(empty.thin_devices == std::size_t{0});

    const std::string snapshotter =
        root.path() + "/var/lib/containerd/io.containerd.snapshotter.v1.devmapper";
    must("mkdir -p " + snapshotter + " && echo bolt > " + snapshotter + "/metadata.db");
    const std::string sum = runtime_devices(pool, active);

    // status reads the pool itself: the same ids thin_ls finds, the data, the device on top.
    CHECK(lvmkit::test::fast_status_agrees(spec));
    const auto contents = setup::status(spec).contents;
    INFO(contents.summary());
    CHECK(contents.holds_anything());
    CHECK(contents.thin_devices == std::size_t{3});
    CHECK(contents.device_count() == thin_ls_count(pool));
    CHECK(contents.unknown_thin_ids == std::vector<std::uint64_t>{0, 1, 2});
    CHECK(contents.lvm_thin_volumes.empty());
    CHECK(contents.active_devices == std::vector<std::string>{active});
    CHECK(contents.data_used >= Bytes::MiB(8));
    CHECK(contents.kernel_transaction_id == 1);
    CHECK(contents.lvm_transaction_id == std::uint64_t{0});
    REQUIRE(contents.owners.size() == 1);
    CHECK(contains(contents.owners[0], "containerd"));

    const auto edges = edges_of(disk.path());
    const auto files = files_below(root.path());
    std::size_t reports = 0;
    setup::TeardownOptions options;
    options.on_progress = [&](const setup::Progress&) { ++reports; };
    try {
        setup::teardown(spec, options);
        FAIL("teardown removed a pool holding a runtime's thin devices");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.errc() == Errc::busy);
        CHECK(contains(e.what(), "3 thin device(s) (3 unknown to LVM)"));
        CHECK(contains(e.what(), active));
        CHECK(contains(e.what(), "containerd"));
    }
    CHECK(reports == 0);
    CHECK(checksum_of("/dev/mapper/" + active) == sum);
    CHECK(edges_of(disk.path()) == edges);
    CHECK(files_below(root.path()) == files);

    // The runtime idle (no device active): the metadata alone still shows them; the CLI exits 3.
    must("dmsetup remove " + active);
    const std::vector<std::string> args{
        "--device", disk.path(), "--vg", "rtpool", "--root", root.path(), "--no-docker-config"};
    auto r = cli(std::vector<std::string>{"teardown", "--yes"} + args);
    INFO(r.output);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.output, "3 thin device(s)"));
    const std::vector<std::string> status{"status", "--vg",      "rtpool",
                                          "--root", root.path(), "--no-docker-config"};
    r = cli(status + std::vector<std::string>{"--json"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    CHECK(doc["contents"]["thin_devices"] == 3);
    CHECK(doc["contents"]["holds_anything"] == true);
    r = cli(status);
    CHECK(contains(r.output, "contents  3 thin device(s)"));
    must("dmsetup create " + active + " --table '0 " + kThinSectors + " thin /dev/mapper/" + pool +
         " 0'");
    CHECK(checksum_of("/dev/mapper/" + active) == sum);
    CHECK(edges_of(disk.path()) == edges);

    // --force removes everything, the runtime's active device too, and says what it destroyed.
    check_forced_teardown(args, disk.path(), "rtpool");
}

TEST_CASE("pool contents: the in-process metadata reader agrees with thin_ls",
          "[system][contents][thin-tools]") {
    LoopDevice disk(kDisk, "contents-reader");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root, "rdpool");
    setup::apply(spec);
    for (int id = 0; id < 300; ++id)  // more ids than one btree leaf holds: internal nodes
        must("dmsetup message rdpool-thinpool 0 'create_thin " + std::to_string(id * 7) + "'");
    const auto metadata =
        internal::read_thin_metadata(std::string("/dev/mapper/rdpool-thinpool_tmeta"));
    REQUIRE(metadata.devices.size() == 300);
    for (std::size_t i = 0; i < metadata.devices.size(); ++i)
        CHECK(metadata.devices[i].id == i * 7);
    CHECK(thin_ls_count("rdpool-thinpool") == 300);
    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(spec, force);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("pool contents: an inactive pool's thin devices are read through its metadata component",
          "[system][contents][cli]") {
    LoopDevice disk(kDisk, "contents-inactive");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root, "inact");
    setup::apply(spec);
    const std::string sum = inactive_runtime_pool("inact");

    // The harm: LVM sees no thin LV in the inactive pool and would remove it without a word.
    lvm::SessionOptions lvm_options;
    lvm_options.scan_only.emplace_back(disk.path());
    std::size_t thin_lvs = 0;
    for (const auto& lv : lvm::Session(lvm_options).lvs(spec.vg))
        thin_lvs += lv.pool == "thinpool" ? 1u : 0u;
    CHECK(thin_lvs == 0);
    const auto would = sh("lvm lvremove --test -y inact/thinpool 2>&1");
    INFO(would.output);
    CHECK(would.exit_code == 0);
    CHECK(contains(would.output, "successfully removed"));

    // lvmkit reads the metadata through LVM's read-only component activation, then undoes it.
    const auto edges = edges_of(disk.path());
    const auto contents = setup::status(spec).contents;
    INFO(contents.summary());
    CHECK(contents.read_inactive);
    CHECK_FALSE(contents.metadata_unreadable);
    CHECK(contents.thin_devices == std::size_t{3});
    CHECK(contents.unknown_thin_ids == std::vector<std::uint64_t>{0, 1, 2});
    CHECK(contents.data_used >= Bytes::MiB(8));
    CHECK(contents.kernel_transaction_id == 1);
    CHECK(contents.holds_anything());
    CHECK_FALSE(pool_active("inact"));
    CHECK_FALSE(dm_device_exists("inact-thinpool_tmeta"));
    // The hot path does not answer for an inactive pool: LVM's component activation is needed.
    CHECK_FALSE(lvmkit::test::fast_status_agrees(spec));
    CHECK_FALSE(dm_device_exists("inact-thinpool_tmeta"));

    std::size_t reports = 0;
    setup::TeardownOptions options;
    options.on_progress = [&](const setup::Progress&) { ++reports; };
    try {
        setup::teardown(spec, options);
        FAIL("teardown removed an inactive pool holding a runtime's thin devices");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.errc() == Errc::busy);
        CHECK(contains(e.what(), "3 thin device(s) (3 unknown to LVM)"));
        CHECK(contains(e.what(), "read-only activation"));
    }
    CHECK(reports == 0);
    CHECK_FALSE(pool_active("inact"));
    CHECK_FALSE(dm_device_exists("inact-thinpool_tmeta"));

    const std::vector<std::string> args{"--device",  disk.path(),         "--vg", "inact", "--root",
                                        root.path(), "--no-docker-config"};
    auto r = cli(std::vector<std::string>{"teardown", "--yes"} + args);
    INFO(r.output);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.output, "3 thin device(s)"));
    r = cli({"status", "--vg", "inact", "--root", root.path(), "--no-docker-config"});
    INFO(r.output);
    CHECK(contains(r.output, "contents  3 thin device(s) (3 unknown to LVM)"));
    CHECK_FALSE(pool_active("inact"));
    CHECK_FALSE(dm_device_exists("inact-thinpool_tmeta"));
    CHECK(edges_of(disk.path()) == edges);
    CHECK(checksum_after_reactivation("inact") == sum);

    // --force removes the inactive pool and everything in it.
    check_forced_teardown(args, disk.path(), "inact");
}

TEST_CASE("pool contents: an inactive pool whose metadata can not be read is not torn down",
          "[system][contents][cli]") {
    LoopDevice disk(kDisk, "contents-unread");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root, "unread");
    setup::apply(spec);
    const std::string sum = inactive_runtime_pool("unread");
    const auto edges = edges_of(disk.path());

    SECTION("LVM refuses the component activation (test seam): refused, nothing removed") {
        const FailingComponentActivation failing;
        const auto contents = setup::status(spec).contents;
        CHECK(contents.metadata_unreadable);
        CHECK_FALSE(contents.thin_devices.has_value());
        CHECK(contains(contents.metadata_note, "injected"));
        try {
            setup::teardown(spec);
            FAIL("teardown removed a pool whose contents it could not read");
        } catch (const Error& e) {
            INFO(e.what());
            CHECK(e.errc() == Errc::busy);
            CHECK(contains(e.what(), "could not be read"));
            CHECK(contains(e.what(), "injected: activation of the component failed"));
        }
    }
    SECTION("a dm device already has the component's name (real LVM failure): CLI exit 3") {
        must("dmsetup create unread-thinpool_tmeta --table '0 8 zero'");
        const auto r = cli({"teardown", "--yes", "--device", disk.path(), "--vg", "unread",
                            "--root", root.path(), "--no-docker-config"});
        INFO(r.output);
        CHECK(r.exit_code == 3);
        CHECK(contains(r.output, "could not be read"));
        CHECK(contains(r.output, "unread/thinpool_tmeta"));
        // Still the foreign device, not LVM's component.
        CHECK(contains(sh("dmsetup table unread-thinpool_tmeta").output, "zero"));
        must("dmsetup remove unread-thinpool_tmeta");
    }
    CHECK_FALSE(pool_active("unread"));
    CHECK_FALSE(dm_device_exists("unread-thinpool_tmeta"));
    CHECK(edges_of(disk.path()) == edges);
    CHECK(checksum_after_reactivation("unread") == sum);
    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(spec, force);
    CHECK(device_is_blank(disk.path()));
}
