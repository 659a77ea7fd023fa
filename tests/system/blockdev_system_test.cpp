// blockdev on real loop devices in a real kernel: signatures written by the real tools, a mounted
// device, active swap, a device held by dm linear, an exclusive opener, a read-only device, and
// devices whose reads or writes fail (dm error, dm-flakey).
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/swap.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include "catch_compat.hpp"

#include "lvmkit/blockdev.hpp"
#include "lvmkit/error.hpp"
#include "system/fixtures.hpp"
#include "system/shell_checks.hpp"

using namespace lvmkit;
using lvmkit::test::errc_of;
using namespace lvmkit::blockdev;
using lvmkit::test::LoopDevice;
using lvmkit::test::run_command;
using lvmkit::test::ScratchDir;

namespace {

constexpr std::uint64_t kSize = 64ull << 20;

void require_suite() {
    if (const char* why = lvmkit::test::system_suite_unavailable())
        FAIL("system suite cannot run here: " << why);
}

void run_ok(const std::vector<std::string>& argv) {
    const auto result = run_command(argv);
    INFO(argv[0] << ": " << result.output);
    REQUIRE(result.exit_code == 0);
}

std::string kernel_name(const std::string& dev) {
    return std::filesystem::path(dev).filename().string();
}

std::string sysfs(const std::string& name, const std::string& file) {
    std::ifstream in("/sys/class/block/" + name + "/" + file);
    std::string value;
    std::getline(in, value);
    return value;
}

std::string error_text(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// mount(2) directly (tests only); ext4 is a module in Debian's kernel.
void mount_ext4(const std::string& dev, const std::string& dir) {
    lvmkit::test::load_module("ext4");
    const int rc = ::mount(dev.c_str(), dir.c_str(), "ext4", 0, nullptr);
    INFO("mount " << dev << ": " << std::strerror(errno));
    REQUIRE(rc == 0);
}

void set_partscan(const std::string& dev) {
    const int fd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    loop_info64 info{};
    REQUIRE(::ioctl(fd, LOOP_GET_STATUS64, &info) == 0);
    info.lo_flags |= LO_FLAGS_PARTSCAN;
    REQUIRE(::ioctl(fd, LOOP_SET_STATUS64, &info) == 0);
    ::close(fd);
}

// A dm device made with dmsetup (tests only), removed on destruction.
class DmDevice {
  public:
    DmDevice(std::string name, const std::string& table) : name_(std::move(name)) {
        run_ok({"dmsetup", "create", name_, "--table", table});
    }
    ~DmDevice() { run_command({"dmsetup", "remove", "--retry", name_}); }
    DmDevice(const DmDevice&) = delete;
    DmDevice& operator=(const DmDevice&) = delete;
    std::string path() const { return "/dev/mapper/" + name_; }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
};

std::string lvm_filter(const std::string& dev) {
    return "devices{filter=[\"a|^" + dev + "$|\",\"r|.*|\"]}";
}

}  // namespace

TEST_CASE("blockdev: a fresh loop device is a free whole disk", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-free");
    const std::string name = kernel_name(loop.path());

    ScratchDir dir;
    const std::string link = dir.path() + "/by-id-link";
    std::filesystem::create_symlink(loop.path(), link);

    const DeviceInfo info = inspect(link);
    CHECK(info.path == link);
    CHECK(info.resolved_path == loop.path());
    CHECK(info.is_block_device);
    CHECK(info.major == 7);
    CHECK(info.kernel_name == name);
    CHECK(info.size == Bytes(kSize));
    CHECK(info.topology.logical_sector_size ==
          Bytes(std::stoull(sysfs(name, "queue/logical_block_size"))));
    CHECK(info.topology.physical_sector_size ==
          Bytes(std::stoull(sysfs(name, "queue/physical_block_size"))));
    CHECK(info.topology.optimal_io_size ==
          Bytes(std::stoull(sysfs(name, "queue/optimal_io_size"))));
    CHECK(info.rotational == (sysfs(name, "queue/rotational") == "1"));
    CHECK_FALSE(info.read_only);
    CHECK_FALSE(info.is_partition);
    CHECK(info.kernel_partitions.empty());
    CHECK(info.signatures.empty());
    CHECK_FALSE(info.in_use());
    CHECK(assess(link).kind == Verdict::Kind::free);
    // An image file needs the explicit option; the image behind a loop device is in use.
    CHECK(errc_of([&] { inspect(loop.backing_file()); }) == Errc::invalid_argument);
    const InspectOptions image{true};
    const Verdict backing = assess(loop.backing_file(), image);
    CHECK(backing.kind == Verdict::Kind::in_use);
    CHECK(backing.summary() == "in use: the image is held by loop device " + name);
    CHECK(errc_of([&] { wipe(loop.backing_file(), {{}, true}); }) == Errc::device_in_use);
}

TEST_CASE("blockdev: signatures on loop devices, then wiped clean", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-sigs");

    SECTION("ext4") {
        run_ok({"mkfs.ext4", "-q", "-F", "-L", "sysext4", loop.path()});
        const auto sigs = inspect(loop.path()).signatures;
        REQUIRE(sigs.size() == 1);
        CHECK(sigs[0].type == "ext4");
        CHECK(sigs[0].offset == Bytes(0x438));
        CHECK(sigs[0].label == "sysext4");
    }
    SECTION("swap") {
        run_ok({"mkswap", "-L", "sysswap", loop.path()});
        const auto sigs = inspect(loop.path()).signatures;
        REQUIRE(sigs.size() == 1);
        CHECK(sigs[0].type == "swap");
        CHECK(sigs[0].label == "sysswap");
    }
    SECTION("LVM2_member of a VG, named as pvs names it") {
        const std::string filter = lvm_filter(loop.path());
        run_ok({"pvcreate", "-q", "--config", filter, loop.path()});
        auto sigs = inspect(loop.path()).signatures;
        REQUIRE(sigs.size() == 1);
        CHECK(sigs[0].type == "LVM2_member");
        REQUIRE(sigs[0].lvm);
        CHECK(sigs[0].lvm->membership == LvmPvInfo::Membership::orphan);

        run_ok({"vgcreate", "-q", "--config", filter, "lvmkitbdvg", loop.path()});
        const auto pvs = run_command(
            {"pvs", "--config", filter, "--noheadings", "-o", "vg_name,pv_uuid", loop.path()});
        REQUIRE(pvs.exit_code == 0);
        sigs = inspect(loop.path()).signatures;
        REQUIRE(sigs.size() == 1);
        REQUIRE(sigs[0].lvm);
        CHECK(sigs[0].lvm->membership == LvmPvInfo::Membership::member);
        CHECK(sigs[0].lvm->vg_name == "lvmkitbdvg");
        CHECK(pvs.output.find(sigs[0].lvm->vg_name) != std::string::npos);
        CHECK(pvs.output.find(sigs[0].uuid) != std::string::npos);
        // The VG has no active LVs: nothing holds the PV, so it is only "has signatures".
        const Verdict verdict = assess(loop.path());
        CHECK(verdict.kind == Verdict::Kind::has_signatures);
        CHECK(verdict.summary().find("PV of volume group \"lvmkitbdvg\"") != std::string::npos);
    }
    SECTION("gpt with kernel partitions; the kernel forgets them after the wipe") {
        set_partscan(loop.path());
        const auto sfdisk = run_command(
            {"sh", "-c",
             "printf 'label: gpt\\nsize=8MiB\\nsize=8MiB\\n' | sfdisk -q " + loop.path()});
        REQUIRE(sfdisk.exit_code == 0);
        const DeviceInfo info = inspect(loop.path());
        CHECK(info.signatures.size() == 3);
        REQUIRE(info.kernel_partitions.size() == 2);
        CHECK(info.kernel_partitions[0].kernel_name == kernel_name(loop.path()) + "p1");
        CHECK(info.kernel_partitions[0].start == info.table_partitions.at(0).start);
        CHECK(info.kernel_partitions[1].size == Bytes::MiB(8));

        const DeviceInfo part = inspect(loop.path() + "p1");
        CHECK(part.is_partition);
        CHECK(part.parent_kernel_name == kernel_name(loop.path()));
        CHECK(part.size == Bytes::MiB(8));

        const WipeResult result = wipe(loop.path());
        CHECK(result.wiped.size() == 3);
        CHECK(result.partition_table_reread);
        CHECK(inspect(loop.path()).kernel_partitions.empty());
    }

    wipe(loop.path());
    CHECK(inspect(loop.path()).signatures.empty());
    CHECK(assess(loop.path()).kind == Verdict::Kind::free);
}

TEST_CASE("blockdev: a mounted device is in use; wipe refuses", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-mount");
    ScratchDir dir;
    run_ok({"mkfs.ext4", "-q", "-F", loop.path()});
    mount_ext4(loop.path(), dir.path());

    const Verdict verdict = assess(loop.path());
    CHECK(verdict.kind == Verdict::Kind::in_use);
    CHECK(verdict.summary().find("is mounted on " + dir.path() + " (ext4)") != std::string::npos);
    CHECK(errc_of([&] { wipe(loop.path()); }) == Errc::device_in_use);
    CHECK(errc_of([&] {
              wipe(loop.path(), {{{"ext4", std::nullopt}}, false});
          }) == Errc::device_in_use);

    REQUIRE(::umount(dir.path().c_str()) == 0);
    CHECK(inspect(loop.path()).signatures.size() == 1);  // untouched
}

TEST_CASE("blockdev: a mounted partition makes the whole disk in use", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-partmount");
    set_partscan(loop.path());
    REQUIRE(
        run_command({"sh", "-c", "printf 'label: dos\\nsize=16MiB\\n' | sfdisk -q " + loop.path()})
            .exit_code == 0);
    const std::string part = loop.path() + "p1";
    run_ok({"mkfs.ext4", "-q", "-F", part});
    ScratchDir dir;
    mount_ext4(part, dir.path());

    const DeviceInfo info = inspect(loop.path());
    REQUIRE(info.mounts.size() == 1);
    CHECK(info.mounts[0].kernel_name == kernel_name(part));
    CHECK(info.mounts[0].mount_point == dir.path());
    CHECK(judge(info).kind == Verdict::Kind::in_use);
    CHECK(errc_of([&] { wipe(loop.path()); }) == Errc::device_in_use);
    REQUIRE(::umount(dir.path().c_str()) == 0);
    CHECK(inspect(loop.path()).signatures.size() == 1);  // the dos table is still there
}

TEST_CASE("blockdev: active swap is in use; wipe refuses", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-swap");
    run_ok({"mkswap", loop.path()});
    REQUIRE(::swapon(loop.path().c_str(), 0) == 0);
    const DeviceInfo info = inspect(loop.path());
    REQUIRE(info.swaps.size() == 1);
    CHECK(info.swaps[0].kernel_name == kernel_name(loop.path()));
    CHECK(judge(info).kind == Verdict::Kind::in_use);
    const std::string refusal = error_text([&] { wipe(loop.path()); });
    CHECK(refusal.find("is active swap") != std::string::npos);
    REQUIRE(::swapoff(loop.path().c_str()) == 0);
    CHECK(inspect(loop.path()).signatures.size() == 1);
}

TEST_CASE("blockdev: a device held by dm linear is in use; wipe refuses", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-held");
    run_ok({"mkfs.ext4", "-q", "-F", loop.path()});
    const DmDevice linear("lvmkit-bd-held",
                          "0 " + std::to_string(kSize / 512) + " linear " + loop.path() + " 0");
    const DeviceInfo info = inspect(loop.path());
    REQUIRE(info.holders.size() == 1);
    CHECK(info.holders[0].kind == "dm");
    CHECK(info.holders[0].name == linear.name());
    CHECK(info.holders[0].kernel_name.rfind("dm-", 0) == 0);
    const Verdict verdict = judge(info);
    CHECK(verdict.kind == Verdict::Kind::in_use);
    CHECK(verdict.summary().find("held by dm device") != std::string::npos);
    CHECK(errc_of([&] { wipe(loop.path()); }) == Errc::device_in_use);
    CHECK(inspect(loop.path()).signatures.size() == 1);

    // The dm device itself is a block device lvmkit can inspect: it shows the same ext4.
    const DeviceInfo top = inspect(linear.path());
    CHECK(top.kernel_name == info.holders[0].kernel_name);
    CHECK(top.signatures.size() == 1);
}

TEST_CASE("blockdev: an exclusive opener is in use; wipe gets EBUSY", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-excl");
    run_ok({"mkswap", loop.path()});
    const int claim = ::open(loop.path().c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
    REQUIRE(claim >= 0);
    const DeviceInfo info = inspect(loop.path());
    CHECK(info.exclusively_opened_elsewhere);
    CHECK(judge(info).kind == Verdict::Kind::in_use);
    CHECK(errc_of([&] { wipe(loop.path()); }) == Errc::device_in_use);
    ::close(claim);
    CHECK(inspect(loop.path()).signatures.size() == 1);
}

TEST_CASE("blockdev: a read-only device is refused for writing", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-ro");
    run_ok({"mkswap", loop.path()});
    run_ok({"blockdev", "--setro", loop.path()});
    CHECK(inspect(loop.path()).read_only);
    CHECK(errc_of([&] { assess(loop.path()); }) == Errc::permission_denied);
    CHECK(errc_of([&] { wipe(loop.path()); }) == Errc::permission_denied);
    run_ok({"blockdev", "--setrw", loop.path()});
    CHECK(inspect(loop.path()).signatures.size() == 1);
}

TEST_CASE("blockdev: a device that fails reads is unknown, never free", "[system][blockdev]") {
    require_suite();
    const DmDevice broken("lvmkit-bd-error", "0 " + std::to_string(kSize / 512) + " error");
    const Verdict verdict = assess(broken.path());
    INFO(verdict.summary());
    CHECK(verdict.kind == Verdict::Kind::unknown);
    CHECK(errc_of([&] { inspect(broken.path()); }) == Errc::io_error);
    CHECK(errc_of([&] { wipe(broken.path()); }) == Errc::io_error);
    // For the record: what the blkid CLI (libblkid) makes of the same device.
    const auto cli = run_command({"blkid", "-p", broken.path()});
    WARN("blkid -p on a dm error device: exit " << cli.exit_code << ": " << cli.output);
}

TEST_CASE("blockdev: a device that fails writes makes wipe fail loudly", "[system][blockdev]") {
    require_suite();
    LoopDevice loop(kSize, "bd-flakey");
    run_ok({"mkfs.ext4", "-q", "-F", loop.path()});
    REQUIRE(lvmkit::test::load_module("dm-flakey"));
    const DmDevice flakey("lvmkit-bd-flakey", "0 " + std::to_string(kSize / 512) + " flakey " +
                                                  loop.path() + " 0 0 1 1 error_writes");
    REQUIRE(inspect(flakey.path()).signatures.size() == 1);  // reads work
    try {
        wipe(flakey.path());
        FAIL("wipe reported success on a device that fails every write");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK((e.errc() == Errc::io_error || e.errc() == Errc::rollback_incomplete));
        WARN("wipe on a write-failing device: " << to_string(e.errc()) << ": " << e.what());
    }
    // Nothing reached the disk below.
    CHECK(inspect(loop.path()).signatures.size() == 1);
}

TEST_CASE("blockdev: an md RAID member is held, then carries linux_raid_member",
          "[system][blockdev]") {
    require_suite();
    REQUIRE(lvmkit::test::load_module("raid1"));
    LoopDevice a(kSize, "bd-md-a");
    LoopDevice b(kSize, "bd-md-b");
    const std::string md = "/dev/md127";
    run_ok({"mdadm", "--create", md, "--run", "--quiet", "--level=1", "--raid-devices=2",
            "--metadata=1.2", "--assume-clean", "--homehost=lvmkit", "--name=bdtest", a.path(),
            b.path()});
    const DeviceInfo held = inspect(a.path());
    REQUIRE(held.holders.size() == 1);
    CHECK(held.holders[0].kind == "md");
    CHECK(held.holders[0].kernel_name == "md127");
    CHECK(judge(held).kind == Verdict::Kind::in_use);
    CHECK(errc_of([&] { wipe(a.path()); }) == Errc::device_in_use);
    run_ok({"mdadm", "--stop", md});

    const DeviceInfo member = inspect(a.path());
    CHECK(member.holders.empty());
    REQUIRE(member.signatures.size() == 1);
    CHECK(member.signatures[0].type == "linux_raid_member");
    CHECK(member.signatures[0].usage == Usage::raid);
    CHECK(member.signatures[0].offset == Bytes(0x1000));
    CHECK(member.signatures[0].label == "lvmkit:bdtest");
    CHECK(judge(member).kind == Verdict::Kind::has_signatures);
    CHECK(wipe(a.path()).wiped.size() == 1);
    CHECK(wipe(b.path()).wiped.size() == 1);
    CHECK(assess(a.path()).kind == Verdict::Kind::free);
}
