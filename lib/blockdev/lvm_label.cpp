// LVM2 on-disk format (lib/format_text/layout.h in lvm2): a 512-byte label sector in the first
// four sectors ("LABELONE" ... "LVM2 001"), a PV header with data and metadata area locations,
// and per metadata area an mda_header whose first raw_locn points at the VG's text metadata,
// which starts with "<vgname> {".
#include <array>
#include <cstring>
#include <string>

#include "blockdev/lvm_label.hpp"

namespace lvmkit::blockdev::internal {
namespace {

constexpr std::size_t kSectorSize = 512;
constexpr std::size_t kMaxTextPrefix = 256;  // enough for "<name> {"
constexpr int kMaxAreas = 16;                // lvm2 writes at most 2 metadata areas per PV

bool valid_vg_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '_' || c == '.' || c == '-';
}

struct Area {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

enum class AreaResult { unreadable, empty, named };

// Reads the text at the first raw_locn of one metadata area; the text buffer is circular, after
// the 512-byte mda_header.
AreaResult read_area_vg_name(const ReadAt& read, Area area, std::uint64_t device_size,
                             std::string& vg_name) {
    if (area.size <= kSectorSize || area.offset > device_size ||
        area.size > device_size - area.offset)
        return AreaResult::unreadable;
    std::array<char, kSectorSize> header{};
    if (!read(area.offset, header.size(), header.data()))
        return AreaResult::unreadable;
    if (std::memcmp(header.data() + 4, kMdaMagic, 16) != 0)
        return AreaResult::unreadable;
    const std::uint64_t text_offset = le64(header.data() + 40);
    const std::uint64_t text_size = le64(header.data() + 48);
    const std::uint32_t flags = le32(header.data() + 60);
    if (flags & kRawLocnIgnored)
        return AreaResult::unreadable;
    if (text_offset == 0 || text_size == 0)
        return AreaResult::empty;
    if (text_offset < kSectorSize || text_offset >= area.size)
        return AreaResult::unreadable;

    const std::size_t wanted =
        static_cast<std::size_t>(std::min<std::uint64_t>(text_size, kMaxTextPrefix));
    std::string text(wanted, '\0');
    const std::size_t first =
        static_cast<std::size_t>(std::min<std::uint64_t>(wanted, area.size - text_offset));
    if (!read(area.offset + text_offset, first, text.data()))
        return AreaResult::unreadable;
    if (first < wanted && !read(area.offset + kSectorSize, wanted - first, text.data() + first))
        return AreaResult::unreadable;

    std::size_t pos = text.find_first_not_of(" \t\n");
    if (pos == std::string::npos)
        return AreaResult::unreadable;
    std::size_t end = pos;
    while (end < text.size() && valid_vg_char(text[end]))
        ++end;
    const std::size_t after = text.find_first_not_of(" \t\n", end);
    if (end == pos || end - pos > 127 || after == std::string::npos || text[after] != '{')
        return AreaResult::unreadable;
    vg_name = text.substr(pos, end - pos);
    return AreaResult::named;
}

}  // namespace

LvmPvInfo read_lvm_pv_info(const ReadAt& read, std::uint64_t label_offset,
                           std::uint64_t device_size) {
    LvmPvInfo info;
    std::array<char, kSectorSize> label{};
    if (label_offset > device_size || device_size - label_offset < kSectorSize ||
        !read(label_offset, label.size(), label.data()))
        return info;
    if (std::memcmp(label.data(), "LABELONE", 8) != 0 ||
        std::memcmp(label.data() + 24, "LVM2 001", 8) != 0)
        return info;
    const std::uint32_t header_offset = le32(label.data() + 20);
    if (header_offset < 32 || header_offset + 32 + 8 > kSectorSize)
        return info;
    const char* pv_header = label.data() + header_offset;
    info.pv_uuid.assign(pv_header, 32);

    // Disk locations after the UUID and device size: data areas, a zero entry, metadata areas,
    // a zero entry. All within the label sector.
    std::size_t pos = header_offset + 40;
    bool in_metadata_list = false;
    bool any_empty = false;
    bool any_unreadable = false;
    for (int entries = 0; entries < 2 * kMaxAreas && pos + 16 <= kSectorSize;
         ++entries, pos += 16) {
        const Area area{le64(label.data() + pos), le64(label.data() + pos + 8)};
        if (area.offset == 0) {
            if (in_metadata_list)
                break;
            in_metadata_list = true;
            continue;
        }
        if (!in_metadata_list)
            continue;
        std::string name;
        switch (read_area_vg_name(read, area, device_size, name)) {
            case AreaResult::named:
                info.membership = LvmPvInfo::Membership::member;
                info.vg_name = name;
                return info;
            case AreaResult::empty:
                any_empty = true;
                break;
            case AreaResult::unreadable:
                any_unreadable = true;
                break;
        }
    }
    if (any_empty && !any_unreadable)
        info.membership = LvmPvInfo::Membership::orphan;
    return info;
}

}  // namespace lvmkit::blockdev::internal
