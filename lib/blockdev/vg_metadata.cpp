// A VG's metadata from its PVs without LVM (lvm2 lib/format_text/layout.h, format-text.c,
// lib/label/label.c, lib/misc/crc.c). On disk, per PV:
//   label sector (one of sectors 0-3): "LABELONE", sector_xl, crc_xl over bytes 20-511,
//     offset_xl to the pv_header, "LVM2 001"
//   pv_header: pv_uuid[32], device_size, data areas {offset,size}..., {0,0}, metadata areas...,
//   {0,0} per metadata area, an mda_header (512 bytes): checksum over bytes 4-511, magic, version
//   1,
//     start, size, raw_locn[0] = committed text {offset from the area, size, checksum, flags},
//     raw_locn[1] = precommitted; the text lives in a circular buffer after the header.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include <array>
#include <cstring>

#include "blockdev/lvm_label.hpp"
#include "internal/vg_metadata.hpp"

namespace lvmkit::blockdev::internal {
namespace {

constexpr std::size_t kSector = 512;
constexpr std::uint32_t kFmttVersion = 1;
constexpr int kMaxAreaEntries = 16;
constexpr std::uint64_t kMaxTextSize = 1u << 20;

std::uint32_t crc_of(const char* data, std::size_t size, std::uint32_t initial = kLvmInitialCrc) {
    return lvm_crc(initial, reinterpret_cast<const unsigned char*>(data), size);
}

struct Area {
    std::uint64_t offset = 0, size = 0;
};

struct Label {
    std::string pv_uuid;
    std::vector<Area> metadata_areas;
};

std::optional<Label> read_label(ReadBytes read, void* context, std::uint64_t device_size) {
    for (std::uint64_t sector = 0; sector < 4; ++sector) {
        std::array<char, kSector> buf{};
        if ((sector + 1) * kSector > device_size ||
            !read(context, sector * kSector, buf.size(), buf.data()))
            return std::nullopt;
        if (std::memcmp(buf.data(), "LABELONE", 8) != 0)
            continue;
        if (le64(buf.data() + 8) != sector || std::memcmp(buf.data() + 24, "LVM2 001", 8) != 0 ||
            le32(buf.data() + 16) != crc_of(buf.data() + 20, kSector - 20))
            return std::nullopt;
        const std::uint32_t header = le32(buf.data() + 20);
        if (header < 32 || header > kSector - 40)
            return std::nullopt;
        Label label;
        label.pv_uuid.assign(buf.data() + header, 32);
        std::size_t pos = header + 40;
        bool in_metadata = false;
        for (int entry = 0; entry < 2 * kMaxAreaEntries; ++entry, pos += 16) {
            if (pos + 16 > kSector)
                return std::nullopt;  // the lists must end inside the sector
            const Area area{le64(buf.data() + pos), le64(buf.data() + pos + 8)};
            if (area.offset == 0) {
                if (in_metadata)
                    return label;
                in_metadata = true;
            } else if (in_metadata) {
                label.metadata_areas.push_back(area);
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

enum class AreaText { bad, empty, found };

// The committed text of one metadata area, its checksum verified.
AreaText read_area(ReadBytes read, void* context, std::uint64_t device_size, Area area,
                   std::string& text) {
    if (area.size <= kSector || area.offset > device_size || area.size > device_size - area.offset)
        return AreaText::bad;
    std::array<char, kSector> header{};
    if (!read(context, area.offset, header.size(), header.data()))
        return AreaText::bad;
    if (le32(header.data()) != crc_of(header.data() + 4, kSector - 4) ||
        std::memcmp(header.data() + 4, kMdaMagic, 16) != 0 ||
        le32(header.data() + 20) != kFmttVersion || le64(header.data() + 24) != area.offset ||
        le64(header.data() + 32) != area.size)
        return AreaText::bad;
    const std::uint64_t offset = le64(header.data() + 40);
    const std::uint64_t size = le64(header.data() + 48);
    const std::uint32_t checksum = le32(header.data() + 56);
    const std::uint32_t flags = le32(header.data() + 60);
    // An ignored area (vgmetadatacopies) or a precommitted copy in raw_locn 1 (a change
    // interrupted): what LVM makes of those is LVM's business.
    if ((flags & kRawLocnIgnored) != 0 || flags != 0 || le64(header.data() + 64) != 0 ||
        le64(header.data() + 72) != 0)
        return AreaText::bad;
    if (offset == 0 && size == 0)
        return AreaText::empty;
    const std::uint64_t ring = area.size - kSector;
    if (offset < kSector || offset >= area.size || size == 0 || size > kMaxTextSize || size > ring)
        return AreaText::bad;
    text.assign(static_cast<std::size_t>(size), '\0');
    const std::uint64_t first = std::min(size, area.size - offset);
    if (!read(context, area.offset + offset, static_cast<std::size_t>(first), text.data()))
        return AreaText::bad;
    if (first < size && !read(context, area.offset + kSector,
                              static_cast<std::size_t>(size - first), text.data() + first))
        return AreaText::bad;
    if (crc_of(text.data(), text.size()) != checksum)
        return AreaText::bad;
    return AreaText::found;
}

std::optional<std::uint64_t> unsigned_number(const MetaSection& s, const std::string& key) {
    const auto n = s.number(key);
    if (!n || *n < 0)
        return std::nullopt;
    return static_cast<std::uint64_t>(*n);
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    for (const auto& entry : list)
        if (entry == item)
            return true;
    return false;
}

std::optional<MetaSegment> segment_from(const MetaSection& s) {
    MetaSegment seg;
    const auto start = unsigned_number(s, "start_extent");
    const auto count = unsigned_number(s, "extent_count");
    const auto type = s.text("type");
    if (!start || !count || !type)
        return std::nullopt;
    seg.start_extent = *start;
    seg.extent_count = *count;
    seg.type = *type;
    if (seg.type == "striped") {
        const auto stripe_count = unsigned_number(s, "stripe_count");
        const auto found = s.values.find("stripes");
        if (!stripe_count || *stripe_count == 0 || found == s.values.end() ||
            found->second.kind != MetaValue::Kind::list ||
            found->second.items.size() != 2 * *stripe_count)
            return std::nullopt;
        const auto& items = found->second.items;
        for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
            if (items[i].kind != MetaValue::Kind::text ||
                items[i + 1].kind != MetaValue::Kind::number || items[i + 1].number < 0)
                return std::nullopt;
            seg.stripes.emplace_back(items[i].text,
                                     static_cast<std::uint64_t>(items[i + 1].number));
        }
    } else if (seg.type == "thin-pool") {
        const auto metadata = s.text("metadata");
        const auto pool = s.text("pool");
        seg.transaction_id = unsigned_number(s, "transaction_id");
        seg.chunk_size_sectors = unsigned_number(s, "chunk_size");
        if (!metadata || !pool || !seg.transaction_id || !seg.chunk_size_sectors)
            return std::nullopt;
        seg.metadata = *metadata;
        seg.data = *pool;
        if (const auto zero = s.number("zero_new_blocks"))
            seg.zero_new_blocks = *zero != 0;
        seg.discards = s.text("discards").value_or("");
    } else if (seg.type == "thin") {
        const auto pool = s.text("thin_pool");
        seg.transaction_id = unsigned_number(s, "transaction_id");
        seg.device_id = unsigned_number(s, "device_id");
        if (!pool || !seg.transaction_id || !seg.device_id)
            return std::nullopt;
        seg.pool = *pool;
    } else {
        return std::nullopt;  // mirrors, raid, cache, vdo...: not the hot paths' business
    }
    return seg;
}

}  // namespace

std::uint32_t lvm_crc(std::uint32_t initial, const unsigned char* data, std::size_t size) {
    std::uint32_t crc = initial;
    for (std::size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc;
}

bool MetaLv::visible() const {
    return has_status("VISIBLE");
}

bool MetaLv::has_status(const std::string& flag) const {
    return contains(status, flag);
}

const MetaLv* VgMetadata::lv(const std::string& lv_name) const {
    for (const auto& entry : lvs)
        if (entry.name == lv_name)
            return &entry;
    return nullptr;
}

std::uint64_t VgMetadata::extent_count() const {
    std::uint64_t total = 0;
    for (const auto& pv : pvs)
        total += pv.pe_count;
    return total;
}

std::uint64_t VgMetadata::free_extents() const {
    std::uint64_t used = 0;
    for (const auto& lv : lvs)
        for (const auto& seg : lv.segments)
            if (seg.type == "striped")
                used += seg.extent_count;
    const std::uint64_t total = extent_count();
    return used > total ? 0 : total - used;
}

std::optional<VgMetadata> vg_from_text(std::string_view text) {
    const auto doc = parse_meta_text(text);
    if (!doc || doc->sections.size() != 1 ||
        doc->text("contents") != std::optional<std::string>("Text Format Volume Group") ||
        doc->number("version") != std::optional<std::int64_t>(1))
        return std::nullopt;
    const auto& [name, vg_section] = doc->sections.front();
    VgMetadata vg;
    vg.name = name;
    const auto id = vg_section.text("id");
    const auto seqno = unsigned_number(vg_section, "seqno");
    const auto extent_size = unsigned_number(vg_section, "extent_size");
    if (!id || !seqno || !extent_size || *extent_size == 0 ||
        vg_section.text("format") != std::optional<std::string>("lvm2"))
        return std::nullopt;
    vg.id = *id;
    vg.seqno = *seqno;
    vg.extent_size_sectors = *extent_size;
    vg.status = vg_section.strings("status");
    // Shared (lvmlockd) or exported VGs, or a system ID: what LVM would make of them is LVM's.
    if (!vg_section.text("lock_type").value_or("").empty() ||
        !vg_section.text("system_id").value_or("").empty() || contains(vg.status, "EXPORTED"))
        return std::nullopt;
    const MetaSection* pvs = vg_section.section("physical_volumes");
    if (pvs == nullptr || pvs->sections.empty())
        return std::nullopt;
    for (const auto& [key, pv_section] : pvs->sections) {
        MetaPv pv;
        pv.key = key;
        const auto pv_id = pv_section.text("id");
        const auto pe_start = unsigned_number(pv_section, "pe_start");
        const auto pe_count = unsigned_number(pv_section, "pe_count");
        if (!pv_id || !pe_start || !pe_count || contains(pv_section.strings("flags"), "MISSING"))
            return std::nullopt;
        pv.id = *pv_id;
        pv.pe_start = *pe_start;
        pv.pe_count = *pe_count;
        pv.dev_size = unsigned_number(pv_section, "dev_size").value_or(0);
        vg.pvs.push_back(pv);
    }
    if (const MetaSection* lvs = vg_section.section("logical_volumes")) {
        for (const auto& [lv_name, lv_section] : lvs->sections) {
            MetaLv lv;
            lv.name = lv_name;
            lv.id = lv_section.text("id").value_or("");
            lv.status = lv_section.strings("status");
            // LVM writes its "compatible" flags (ERROR_WHEN_FULL among them: lvm2 format_text/
            // flags.c) into `flags`, not `status`; the system suite's out-of-space test found it.
            const auto flags = lv_section.strings("flags");
            lv.status.insert(lv.status.end(), flags.begin(), flags.end());
            lv.profile = lv_section.text("profile").value_or("");
            const auto segment_count = unsigned_number(lv_section, "segment_count");
            if (lv.id.empty() || !segment_count || *segment_count == 0 ||
                *segment_count != lv_section.sections.size())
                return std::nullopt;
            for (const auto& [seg_name, seg_section] : lv_section.sections) {
                auto seg = segment_from(seg_section);
                if (!seg)
                    return std::nullopt;
                for (const auto& [pv_key, first] : seg->stripes) {
                    (void)first;
                    bool known = false;
                    for (const auto& pv : vg.pvs)
                        known = known || pv.key == pv_key;
                    if (!known)
                        return std::nullopt;
                }
                lv.segments.push_back(std::move(*seg));
            }
            vg.lvs.push_back(std::move(lv));
        }
    }
    return vg;
}

std::optional<PvMetadataText> read_pv_metadata(ReadBytes read, void* context,
                                               std::uint64_t device_size) {
    const auto label = read_label(read, context, device_size);
    if (!label || label->metadata_areas.empty())
        return std::nullopt;
    PvMetadataText out;
    out.pv_uuid = label->pv_uuid;
    bool any_empty = false;
    for (const auto& area : label->metadata_areas) {
        std::string text;
        switch (read_area(read, context, device_size, area, text)) {
            case AreaText::bad:
                return std::nullopt;
            case AreaText::empty:
                any_empty = true;
                break;
            case AreaText::found:
                // Two areas of one PV disagreeing is a repair for LVM to make.
                if (out.text && *out.text != text)
                    return std::nullopt;
                out.text = std::move(text);
                break;
        }
    }
    if (any_empty && out.text)
        return std::nullopt;
    return out;
}

namespace {

bool pread_all(void* context, std::uint64_t offset, std::size_t length, char* buffer) {
    const int fd = *static_cast<int*>(context);
    std::size_t done = 0;
    while (done < length) {
        const ssize_t n =
            ::pread(fd, buffer + done, length - done, static_cast<off_t>(offset + done));
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

std::optional<PvMetadataText> read_pv_metadata_file(const std::string& path) {
    // Only a block device or an image is opened: never a FIFO or a terminal.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode)))
        return std::nullopt;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return std::nullopt;
    std::uint64_t size = 0;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        size = static_cast<std::uint64_t>(st.st_size);
    else if (::fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode) || ::ioctl(fd, BLKGETSIZE64, &size) != 0)
        size = 0;
    std::optional<PvMetadataText> out;
    if (size > 0)
        out = read_pv_metadata(pread_all, &fd, size);
    ::close(fd);
    return out;
}

}  // namespace lvmkit::blockdev::internal
