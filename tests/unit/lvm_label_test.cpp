// The LVM2 label / metadata-area reader on a real pvcreate+vgcreate image, reshaped to reach the
// defensive paths: a metadata text that wraps around the circular buffer, bogus locations.
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include "catch_compat.hpp"

#include "blockdev/lvm_label.hpp"

using namespace lvmkit::blockdev;
using lvmkit::blockdev::internal::read_lvm_pv_info;

namespace {

constexpr std::uint64_t kDeviceSize = 64ull << 20;
constexpr std::uint64_t kLabel = 512;      // pvcreate puts the label in sector 1
constexpr std::uint64_t kMda = 4096;       // and the first metadata area at 4 KiB
constexpr std::uint64_t kMdaHeader = 512;  // the circular text buffer starts after its header

// The first MiB of the fixture image, in memory.
std::string load_fixture() {
    std::string disk(1 << 20, '\0');
    std::ifstream in(std::string(LVMKIT_TEST_DATA_DIR) + "/lvm2-pv-in-vg-hostvg.hex");
    REQUIRE(in);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::size_t offset = 0;
        std::string hex;
        fields >> offset >> hex;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
            disk[offset + i / 2] = static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return disk;
}

std::uint64_t get64(const std::string& disk, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(disk[at + static_cast<std::size_t>(i)]);
    return v;
}

void put64(std::string& disk, std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i)
        disk[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

LvmPvInfo read(const std::string& disk, std::uint64_t device_size = kDeviceSize) {
    int reads = 0;
    auto reader = [&](std::uint64_t offset, std::size_t length, char* buffer) {
        ++reads;
        if (offset + length > disk.size()) {
            if (offset >= disk.size())
                return false;
            std::memset(buffer, 0, length);  // the sparse rest of the image
            std::memcpy(buffer, disk.data() + offset, disk.size() - offset);
            return true;
        }
        std::memcpy(buffer, disk.data() + offset, length);
        return true;
    };
    const LvmPvInfo info = read_lvm_pv_info(reader, kLabel, device_size);
    CHECK(reads <= 8);  // bounded: label, header, text (two pieces at most), per area
    return info;
}

}  // namespace

TEST_CASE("lvm label: the VG name of a real PV", "[blockdev][lvm]") {
    const std::string disk = load_fixture();
    const LvmPvInfo info = read(disk);
    CHECK(info.membership == LvmPvInfo::Membership::member);
    CHECK(info.vg_name == "hostvg");
    CHECK(info.pv_uuid.size() == 32);
}

TEST_CASE("lvm label: metadata text that wraps around the circular buffer", "[blockdev][lvm]") {
    std::string disk = load_fixture();
    const std::size_t raw_locn = kMda + 40;
    const std::uint64_t area_size = get64(disk, kMda + 32);
    const std::uint64_t text_at = get64(disk, raw_locn);
    const std::string text = disk.substr(kMda + text_at, 64);
    REQUIRE(text.rfind("hostvg {", 0) == 0);

    // Move the text so its first 3 bytes sit at the very end of the area and the rest wraps to
    // just after the mda_header.
    const std::uint64_t new_at = area_size - 3;
    std::memset(&disk[kMda + text_at], 0, 64);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const std::uint64_t pos =
            new_at + i < area_size ? new_at + i : kMdaHeader + (new_at + i - area_size);
        disk.resize(std::max<std::size_t>(disk.size(), kMda + pos + 1));
        disk[kMda + pos] = text[i];
    }
    put64(disk, raw_locn, new_at);
    const LvmPvInfo info = read(disk);
    CHECK(info.membership == LvmPvInfo::Membership::member);
    CHECK(info.vg_name == "hostvg");
}

TEST_CASE("lvm label: bogus data never reads as a name or an orphan", "[blockdev][lvm]") {
    const std::string good = load_fixture();

    SECTION("text location beyond the metadata area") {
        std::string disk = good;
        put64(disk, kMda + 40, 1ull << 40);
        CHECK(read(disk).membership == LvmPvInfo::Membership::unknown);
    }
    SECTION("metadata area beyond the device") {
        CHECK(read(good, kMda + 1024).membership == LvmPvInfo::Membership::unknown);
    }
    SECTION("text that is not '<name> {'") {
        std::string disk = good;
        const std::uint64_t text_at = get64(disk, kMda + 40);
        std::memcpy(&disk[kMda + text_at], "host;vg {", 9);
        CHECK(read(disk).membership == LvmPvInfo::Membership::unknown);
    }
    SECTION("no LABELONE") {
        std::string disk = good;
        disk[kLabel] = 'X';
        const LvmPvInfo info = read(disk);
        CHECK(info.membership == LvmPvInfo::Membership::unknown);
        CHECK(info.pv_uuid.empty());
    }
    SECTION("a label too close to the end of the device") {
        CHECK(read(good, kLabel + 100).membership == LvmPvInfo::Membership::unknown);
    }
    SECTION("metadata ignored (pvchange --metadataignore)") {
        std::string disk = good;
        disk[kMda + 60] = 1;  // raw_locn flags: RAW_LOCN_IGNORED
        CHECK(read(disk).membership == LvmPvInfo::Membership::unknown);
    }
}
