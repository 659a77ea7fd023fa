// blockdev on image files: real signatures written by the Debian tools (mkfs.ext4, mkfs.xfs,
// mkswap, sfdisk, cryptsetup) and real LVM2 labels (fixtures from pvcreate), probed and wiped.
#include "lvmkit/blockdev.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "catch_compat.hpp"

#include "blockdev/blockdev_seams.hpp"
#include "lvmkit/error.hpp"

extern char** environ;

using namespace lvmkit;
using namespace lvmkit::blockdev;

namespace {

const InspectOptions kImage{true};

// Runs a tool (tests only; the library never does), silencing its output.
int run_tool(std::vector<std::string> argv, const std::string& stdin_text = {}) {
    std::string input = std::filesystem::temp_directory_path() / "lvmkit-tool-input-XXXXXX";
    const int input_fd = ::mkstemp(input.data());
    REQUIRE(input_fd >= 0);
    REQUIRE(::write(input_fd, stdin_text.data(), stdin_text.size()) ==
            static_cast<ssize_t>(stdin_text.size()));
    ::close(input_fd);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, input.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    std::filesystem::remove(input);
    if (rc != 0)
        return 127;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// A sparse image file, removed on destruction.
class Image {
  public:
    explicit Image(std::uint64_t size) : size_(size) {
        std::string pattern = std::filesystem::temp_directory_path() / "lvmkit-bd-XXXXXX.img";
        const int fd = ::mkstemps(pattern.data(), 4);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, static_cast<off_t>(size)) == 0);
        ::close(fd);
        path_ = pattern;
    }
    ~Image() { std::filesystem::remove(path_); }
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;

    const std::string& path() const { return path_; }
    std::uint64_t size() const { return size_; }

    std::string contents() const {
        std::ifstream in(path_, std::ios::binary);
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }

    void write_at(std::uint64_t offset, const std::string& bytes) const {
        const int fd = ::open(path_.c_str(), O_WRONLY);
        REQUIRE(fd >= 0);
        REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)) ==
                static_cast<ssize_t>(bytes.size()));
        ::close(fd);
    }

  private:
    std::string path_;
    std::uint64_t size_;
};

// Offsets where two equally long byte strings differ.
std::vector<std::size_t> differences(const std::string& a, const std::string& b) {
    REQUIRE(a.size() == b.size());
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i])
            at.push_back(i);
    return at;
}

const Signature* find_signature(const std::vector<Signature>& sigs, const std::string& type,
                                std::uint64_t offset) {
    for (const auto& sig : sigs)
        if (sig.type == type && sig.offset.count() == offset)
            return &sig;
    return nullptr;
}

Errc errc_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.errc();
    }
    FAIL("no lvmkit::Error thrown");
    return Errc::invalid_argument;
}

// Every signature is gone, the verdict is free, and nothing but the magic bytes changed.
void wipe_all_and_check_clean(const Image& image, std::size_t expected_wiped) {
    const std::string before = image.contents();
    const auto found = inspect(image.path(), kImage).signatures;
    const WipeResult result = wipe(image.path(), {{}, true});
    CHECK(result.wiped.size() == expected_wiped);
    CHECK(inspect(image.path(), kImage).signatures.empty());
    CHECK(assess(image.path(), kImage).kind == Verdict::Kind::free);

    std::size_t magic_bytes = 0;
    for (const auto& sig : found)
        magic_bytes += sig.magic.size();
    const auto changed = differences(before, image.contents());
    CHECK(changed.size() <= magic_bytes);
    for (const std::size_t at : changed) {
        const bool inside_a_magic =
            std::any_of(found.begin(), found.end(), [&](const Signature& s) {
                return at >= s.offset.count() && at < s.offset.count() + s.magic.size();
            });
        CHECK(inside_a_magic);
    }
}

// Rebuilds an image from a fixture of non-zero sectors ("<offset> <hex>").
void load_hex_fixture(const Image& image, const std::string& name) {
    std::ifstream in(std::string(LVMKIT_TEST_DATA_DIR) + "/" + name);
    REQUIRE(in);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::uint64_t offset = 0;
        std::string hex;
        fields >> offset >> hex;
        std::string bytes;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
            bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
        image.write_at(offset, bytes);
    }
}

}  // namespace

TEST_CASE("paths that are not block devices are refused with distinct errors", "[blockdev]") {
    Image image(1 << 20);
    const std::string missing = image.path() + ".missing";
    CHECK(errc_of([&] { inspect(missing); }) == Errc::not_found);
    CHECK(errc_of([&] { wipe(missing); }) == Errc::not_found);
    CHECK(errc_of([&] { assess(missing); }) == Errc::not_found);
    CHECK(errc_of([&] { inspect(""); }) == Errc::invalid_argument);

    // A regular file is not a disk unless the caller says it means an image.
    try {
        inspect(image.path());
        FAIL("inspected a regular file as a block device");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::invalid_argument);
        CHECK(e.message().find("is a regular file") != std::string::npos);
    }
    CHECK(errc_of([&] { wipe(image.path()); }) == Errc::invalid_argument);
    CHECK(errc_of([&] { inspect("/dev/null", kImage); }) == Errc::invalid_argument);
    CHECK(errc_of([&] { inspect(std::filesystem::temp_directory_path(), kImage); }) ==
          Errc::invalid_argument);

    // Symlinks resolve; a dangling one is "not found".
    const std::string link = image.path() + ".link";
    std::filesystem::create_symlink(image.path(), link);
    CHECK(inspect(link, kImage).resolved_path == std::filesystem::canonical(image.path()));
    std::filesystem::remove(link);
    std::filesystem::create_symlink(missing, link);
    CHECK(errc_of([&] { inspect(link, kImage); }) == Errc::not_found);
    std::filesystem::remove(link);
}

TEST_CASE("an empty image is free", "[blockdev]") {
    Image image(64 << 20);
    const DeviceInfo info = inspect(image.path(), kImage);
    CHECK_FALSE(info.is_block_device);
    CHECK(info.size == Bytes::MiB(64));
    CHECK(info.signatures.empty());
    CHECK(info.table_partitions.empty());
    CHECK(info.partition_table_type.empty());
    CHECK(info.topology.logical_sector_size == Bytes(512));
    CHECK_FALSE(info.in_use());
    const Verdict verdict = assess(image.path(), kImage);
    CHECK(verdict.kind == Verdict::Kind::free);
    CHECK(verdict.summary() == "free");
    // Wiping a clean image changes nothing.
    CHECK(wipe(image.path(), {{}, true}).wiped.empty());
}

TEST_CASE("ext4: type, usage, offset, label, uuid; wiped clean", "[blockdev]") {
    Image image(64 << 20);
    const std::string uuid = "2b6c4bd4-1f0e-4a53-9a0c-0d6f5a0e0c11";
    REQUIRE(run_tool({"mkfs.ext4", "-q", "-F", "-L", "dockerdata", "-U", uuid, image.path()}) == 0);

    const DeviceInfo info = inspect(image.path(), kImage);
    REQUIRE(info.signatures.size() == 1);
    const Signature& sig = info.signatures[0];
    CHECK(sig.type == "ext4");
    CHECK(sig.usage == Usage::filesystem);
    CHECK(sig.offset == Bytes(0x438));
    CHECK(sig.magic == std::string("\x53\xef", 2));
    CHECK(sig.label == "dockerdata");
    CHECK(sig.uuid == uuid);
    CHECK(sig.version == "1.0");
    CHECK_FALSE(sig.lvm);

    const Verdict verdict = assess(image.path(), kImage);
    CHECK(verdict.kind == Verdict::Kind::has_signatures);
    REQUIRE(verdict.reasons.size() == 1);
    CHECK(verdict.reasons[0] ==
          "ext4 (filesystem) at offset 1080 (0x438), label \"dockerdata\", UUID " + uuid);
    REQUIRE(verdict.device);
    CHECK(verdict.device->signatures.size() == 1);

    wipe_all_and_check_clean(image, 1);
}

TEST_CASE("xfs: signature at offset 0 with label and uuid; wiped clean", "[blockdev]") {
    Image image(512ull << 20);  // mkfs.xfs refuses tiny filesystems; the file stays sparse
    const std::string uuid = "6f1d3c1e-8a8b-4c2b-9df4-2a4a7f1f0c22";
    REQUIRE(run_tool({"mkfs.xfs", "-q", "-f", "-L", "xfsdata", "-m", "uuid=" + uuid,
                      image.path()}) == 0);
    const auto sigs = inspect(image.path(), kImage).signatures;
    REQUIRE(sigs.size() == 1);
    CHECK(sigs[0].type == "xfs");
    CHECK(sigs[0].usage == Usage::filesystem);
    CHECK(sigs[0].offset == Bytes(0));
    CHECK(sigs[0].magic == "XFSB");
    CHECK(sigs[0].label == "xfsdata");
    CHECK(sigs[0].uuid == uuid);
    wipe_all_and_check_clean(image, 1);
}

TEST_CASE("swap: SWAPSPACE2 at the end of the first page; wiped clean", "[blockdev]") {
    Image image(64 << 20);
    const std::string uuid = "0a9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d33";
    REQUIRE(run_tool({"mkswap", "-L", "swaplabel", "-U", uuid, image.path()}) == 0);
    const auto sigs = inspect(image.path(), kImage).signatures;
    REQUIRE(sigs.size() == 1);
    CHECK(sigs[0].type == "swap");
    CHECK(sigs[0].usage == Usage::other);
    CHECK(sigs[0].offset == Bytes(4096 - 10));
    CHECK(sigs[0].magic == "SWAPSPACE2");
    CHECK(sigs[0].label == "swaplabel");
    CHECK(sigs[0].uuid == uuid);
    wipe_all_and_check_clean(image, 1);
}

TEST_CASE("dos partition table: signature and partitions; wiped clean", "[blockdev]") {
    Image image(64 << 20);
    REQUIRE(run_tool({"sfdisk", "-q", image.path()},
                     "label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=20480, type=83\n"
                     "start=22528, size=8192, type=8e\n") == 0);
    const DeviceInfo info = inspect(image.path(), kImage);
    REQUIRE(info.signatures.size() == 1);
    CHECK(info.signatures[0].type == "dos");
    CHECK(info.signatures[0].usage == Usage::partition_table);
    CHECK(info.signatures[0].offset == Bytes(510));
    CHECK(info.signatures[0].magic == std::string("\x55\xaa", 2));
    CHECK(info.signatures[0].uuid == "1234abcd");
    CHECK(info.partition_table_type == "dos");
    CHECK(info.partition_table_uuid == "1234abcd");
    REQUIRE(info.table_partitions.size() == 2);
    CHECK(info.table_partitions[0].number == 1);
    CHECK(info.table_partitions[0].start == Bytes(2048 * 512));
    CHECK(info.table_partitions[0].size == Bytes(20480 * 512));
    CHECK(info.table_partitions[0].type == "0x83");
    CHECK(info.table_partitions[1].number == 2);
    CHECK(info.table_partitions[1].start == Bytes(22528ull * 512));
    CHECK(info.table_partitions[1].type == "0x8e");
    CHECK(info.table_partitions[1].uuid == "1234abcd-02");
    CHECK(info.kernel_partitions.empty());  // an image has no kernel partitions

    const Verdict verdict = judge(info);
    CHECK(verdict.kind == Verdict::Kind::has_signatures);
    CHECK(verdict.summary().find("the dos partition table lists 2 partition(s)") !=
          std::string::npos);
    wipe_all_and_check_clean(image, 1);
    CHECK(inspect(image.path(), kImage).table_partitions.empty());
}

TEST_CASE("gpt: primary, backup and protective MBR; names and GUIDs; wiped clean", "[blockdev]") {
    Image image(64 << 20);
    const std::string disk_guid = "5D1F0A3B-7C2E-4E8F-9A1B-2C3D4E5F6A7B";
    const std::string part_guid = "0B1C2D3E-4F50-4617-8829-3A4B5C6D7E8F";
    const std::string linux_lvm = "E6D6D379-F507-44C2-A23C-238F2A3DF928";
    REQUIRE(run_tool({"sfdisk", "-q", image.path()},
                     "label: gpt\nlabel-id: " + disk_guid + "\nstart=2048, size=40960, type=" +
                         linux_lvm + ", uuid=" + part_guid + ", name=\"docker-pv\"\n") == 0);
    const DeviceInfo info = inspect(image.path(), kImage);
    REQUIRE(info.signatures.size() == 3);
    const Signature* primary = find_signature(info.signatures, "gpt", 512);
    const Signature* backup = find_signature(info.signatures, "gpt", image.size() - 512);
    const Signature* pmbr = find_signature(info.signatures, "PMBR", 510);
    REQUIRE(primary);
    REQUIRE(backup);
    REQUIRE(pmbr);
    CHECK(primary->magic == "EFI PART");
    CHECK(primary->usage == Usage::partition_table);
    CHECK(primary->uuid == "5d1f0a3b-7c2e-4e8f-9a1b-2c3d4e5f6a7b");
    CHECK(info.partition_table_type == "gpt");
    REQUIRE(info.table_partitions.size() == 1);
    const Partition& part = info.table_partitions[0];
    CHECK(part.number == 1);
    CHECK(part.start == Bytes(2048 * 512));
    CHECK(part.size == Bytes(40960 * 512));
    CHECK(part.type == "e6d6d379-f507-44c2-a23c-238f2a3df928");
    CHECK(part.uuid == "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f");
    CHECK(part.name == "docker-pv");

    // What setup's probe reads (signatures_and_users_only): the same signatures, the table a
    // signature among them, without the table's entries.
    InspectOptions setup_probe = kImage;
    setup_probe.signatures_and_users_only = true;
    const DeviceInfo quick = inspect(image.path(), setup_probe);
    CHECK(quick.signatures.size() == info.signatures.size());
    CHECK(find_signature(quick.signatures, "gpt", 512));
    CHECK(quick.table_partitions.empty());
    CHECK(quick.partition_table_type.empty());
    CHECK(quick.size == info.size);
    CHECK(judge(quick).kind == Verdict::Kind::has_signatures);
    wipe_all_and_check_clean(image, 3);
}

TEST_CASE("LUKS2: both headers, usage crypto; wiped clean", "[blockdev]") {
    Image image(32 << 20);
    const std::string key = image.path() + ".key";
    std::ofstream(key) << "not-a-secret";
    const std::string uuid = "9c8b7a69-5847-4365-8271-a0b1c2d3e4f5";
    const int rc = run_tool({"cryptsetup", "luksFormat", "-q", "--type", "luks2", "--pbkdf",
                             "pbkdf2", "--pbkdf-force-iterations", "1000", "--uuid", uuid,
                             "--key-file", key, image.path()});
    std::filesystem::remove(key);
    REQUIRE(rc == 0);
    const auto sigs = inspect(image.path(), kImage).signatures;
    REQUIRE(sigs.size() == 2);
    for (const auto& sig : sigs) {
        CHECK(sig.type == "crypto_LUKS");
        CHECK(sig.usage == Usage::crypto);
        CHECK(sig.uuid == uuid);
        CHECK(sig.version == "2");
    }
    CHECK(find_signature(sigs, "crypto_LUKS", 0));
    CHECK(find_signature(sigs, "crypto_LUKS", 0x4000));
    wipe_all_and_check_clean(image, 2);
}

TEST_CASE("LVM2 labels from pvcreate: VG name read from the metadata area", "[blockdev][lvm]") {
    SECTION("a PV of volume group hostvg") {
        Image image(64 << 20);
        load_hex_fixture(image, "lvm2-pv-in-vg-hostvg.hex");
        const auto sigs = inspect(image.path(), kImage).signatures;
        REQUIRE(sigs.size() == 1);
        CHECK(sigs[0].type == "LVM2_member");
        CHECK(sigs[0].usage == Usage::raid);
        CHECK(sigs[0].offset == Bytes(0x218));
        CHECK(sigs[0].magic == "LVM2 001");
        REQUIRE(sigs[0].lvm);
        CHECK(sigs[0].lvm->membership == LvmPvInfo::Membership::member);
        CHECK(sigs[0].lvm->vg_name == "hostvg");
        CHECK(sigs[0].lvm->pv_uuid.size() == 32);
        // libblkid prints the PV UUID with dashes, the label stores it without.
        std::string plain = sigs[0].uuid;
        plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
        CHECK(plain == sigs[0].lvm->pv_uuid);
        CHECK(assess(image.path(), kImage).summary().find("PV of volume group \"hostvg\"") !=
              std::string::npos);
        wipe_all_and_check_clean(image, 1);
    }
    SECTION("a PV in no volume group") {
        Image image(64 << 20);
        load_hex_fixture(image, "lvm2-pv-orphan.hex");
        const auto sigs = inspect(image.path(), kImage).signatures;
        REQUIRE(sigs.size() == 1);
        REQUIRE(sigs[0].lvm);
        CHECK(sigs[0].lvm->membership == LvmPvInfo::Membership::orphan);
        CHECK(sigs[0].lvm->vg_name.empty());
    }
    SECTION("a damaged metadata area gives an unknown VG, not an orphan") {
        Image image(64 << 20);
        load_hex_fixture(image, "lvm2-pv-in-vg-hostvg.hex");
        image.write_at(4096 + 4, "garbage!");  // inside the mda_header magic
        const auto sigs = inspect(image.path(), kImage).signatures;
        REQUIRE(sigs.size() == 1);
        REQUIRE(sigs[0].lvm);
        CHECK(sigs[0].lvm->membership == LvmPvInfo::Membership::unknown);
        CHECK(sigs[0].describe().find("volume group unknown") != std::string::npos);
    }
}

TEST_CASE("wipe only a listed subset", "[blockdev]") {
    Image image(64 << 20);
    REQUIRE(run_tool({"sfdisk", "-q", image.path()}, "label: gpt\nstart=2048, size=2048\n") == 0);

    SECTION("by type") {
        const WipeResult result = wipe(image.path(), {{{"PMBR", std::nullopt}}, true});
        REQUIRE(result.wiped.size() == 1);
        CHECK(result.wiped[0].type == "PMBR");
        const auto left = inspect(image.path(), kImage).signatures;
        CHECK(left.size() == 2);
        CHECK_FALSE(find_signature(left, "PMBR", 510));
    }
    SECTION("by type and offset") {
        const WipeResult result = wipe(image.path(), {{{"gpt", Bytes(512)}}, true});
        REQUIRE(result.wiped.size() == 1);
        CHECK(result.wiped[0].offset == Bytes(512));
        const auto left = inspect(image.path(), kImage).signatures;
        CHECK(left.size() == 2);
        CHECK(find_signature(left, "gpt", image.size() - 512));
    }
    SECTION("a selector that matches nothing writes nothing") {
        const std::string before = image.contents();
        try {
            wipe(image.path(), {{{"PMBR", std::nullopt}, {"ext4", std::nullopt}}, true});
            FAIL("wiped with a selector that matches nothing");
        } catch (const Error& e) {
            CHECK(e.errc() == Errc::not_found);
            CHECK(e.message().find("no signature ext4") != std::string::npos);
        }
        CHECK(image.contents() == before);
    }
}

TEST_CASE("a failed erase puts back what was already erased", "[blockdev][failure]") {
    Image image(64 << 20);
    REQUIRE(run_tool({"sfdisk", "-q", image.path()}, "label: gpt\nstart=2048, size=2048\n") == 0);
    const std::string before = image.contents();
    int erases = 0;
    internal::set_wipe_fault_for_testing([&](const Signature&) { return ++erases == 3 ? EIO : 0; });
    try {
        wipe(image.path(), {{}, true});
        FAIL("wipe succeeded although the third erase failed");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::io_error);
        CHECK(e.sys_errno() == EIO);
        CHECK(e.message().find("the erased signatures were put back") != std::string::npos);
        CHECK(e.details().size() == 2);  // two restored
    }
    internal::set_wipe_fault_for_testing({});
    CHECK(erases == 3);
    CHECK(image.contents() == before);
    CHECK(inspect(image.path(), kImage).signatures.size() == 3);
}

TEST_CASE("a failing probe is unknown, never empty", "[blockdev][failure]") {
    Image image(64 << 20);
    REQUIRE(run_tool({"mkswap", image.path()}) == 0);
    const std::string before = image.contents();
    internal::set_probe_fault_for_testing([](const std::string&) { return EIO; });
    CHECK(errc_of([&] { inspect(image.path(), kImage); }) == Errc::blkid_failed);
    const Verdict verdict = assess(image.path(), kImage);
    CHECK(verdict.kind == Verdict::Kind::unknown);
    REQUIRE(verdict.reasons.size() == 1);
    CHECK(verdict.reasons[0].find("contents are unknown") != std::string::npos);
    CHECK_FALSE(verdict.device);
    CHECK(verdict.summary().rfind("unknown: ", 0) == 0);
    CHECK(errc_of([&] { wipe(image.path(), {{}, true}); }) == Errc::blkid_failed);
    internal::set_probe_fault_for_testing({});
    CHECK(image.contents() == before);
}

TEST_CASE("judge: in use beats signatures, partitions are not free", "[blockdev]") {
    DeviceInfo device;
    device.path = "/dev/sdz";
    CHECK(judge(device).kind == Verdict::Kind::free);

    device.kernel_partitions.push_back({1, Bytes::MiB(1), Bytes::MiB(10), "sdz1", "", "", ""});
    CHECK(judge(device).kind == Verdict::Kind::has_signatures);
    CHECK(judge(device).reasons.back() == "the kernel has partitions sdz1");

    Signature sig;
    sig.type = "LVM2_member";
    sig.usage = Usage::raid;
    sig.offset = Bytes(0x218);
    sig.lvm = LvmPvInfo{LvmPvInfo::Membership::member, "docker", ""};
    device.signatures.push_back(sig);
    CHECK(judge(device).reasons.front() ==
          "LVM2_member (raid) at offset 536 (0x218), PV of volume group \"docker\"");

    device.mounts.push_back({"sdz1", "/var/lib/docker", "xfs"});
    device.holders.push_back({"sdz", "dm-3", "dm", "docker-thinpool_tdata"});
    device.swaps.push_back({"sdz1", "/dev/sdz1"});
    const Verdict verdict = judge(device);
    CHECK(verdict.kind == Verdict::Kind::in_use);
    CHECK(verdict.reasons ==
          std::vector<std::string>{"sdz1 is mounted on /var/lib/docker (xfs)",
                                   "sdz1 is active swap (/dev/sdz1)",
                                   "sdz is held by dm device dm-3 (docker-thinpool_tdata)"});
    CHECK(verdict.signatures.size() == 1);

    DeviceInfo claimed;
    claimed.path = "/dev/sdy";
    claimed.exclusively_opened_elsewhere = true;
    CHECK(judge(claimed).kind == Verdict::Kind::in_use);
    CHECK(judge(claimed).summary() == "in use: /dev/sdy is opened exclusively by another program");
}
