// A VG's metadata read straight from its PVs' metadata areas, without liblvm2cmd (issue 27): the
// read-only hot paths answer from it, and anything this reader does not fully understand makes
// them fall back to asking LVM. Format: lvm2's lib/format_text/{layout.h,format-text.c} (label,
// pv_header, mda_header, raw_locn, CRC) and import_vsn1.c (the text).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvmkit::blockdev::internal {

/// One value of LVM's metadata text: a number, a quoted string, or a list of those.
struct MetaValue {
    enum class Kind { number, text, list };
    Kind kind = Kind::number;
    std::int64_t number = 0;
    std::string text;
    std::vector<MetaValue> items;
};

/// A `name { ... }` section: its `key = value` lines and its subsections, in file order.
struct MetaSection {
    std::map<std::string, MetaValue> values;
    std::vector<std::pair<std::string, MetaSection>> sections;

    const MetaSection* section(const std::string& name) const;
    std::optional<std::int64_t> number(const std::string& key) const;
    std::optional<std::string> text(const std::string& key) const;
    /// A list of strings (`status = ["READ", "WRITE"]`); empty when absent or not strings only.
    std::vector<std::string> strings(const std::string& key) const;
};

/// Parses LVM's metadata text (the config syntax of lvm2's config.c as the text format writes
/// it). nullopt on any syntax it does not know, an unterminated string, nesting deeper than 8 or
/// more than 1 MiB of text. Never throws for bad input.
std::optional<MetaSection> parse_meta_text(std::string_view text);

/// LVM's CRC (lib/misc/crc.c calc_crc): CRC-32 (0xEDB88320, reflected) without the final
/// inversion, seeded with @p initial.
std::uint32_t lvm_crc(std::uint32_t initial, const unsigned char* data, std::size_t size);
inline constexpr std::uint32_t kLvmInitialCrc = 0xf597a6cf;

/// One segment of an LV, as far as the hot paths need it.
struct MetaSegment {
    std::uint64_t start_extent = 0;
    std::uint64_t extent_count = 0;
    std::string type;  ///< `striped`, `thin-pool`, `thin`, ...
    std::string pool, metadata, data;
    std::optional<std::uint64_t> transaction_id, device_id, chunk_size_sectors;
    std::optional<bool> zero_new_blocks;
    std::string discards;
    std::vector<std::pair<std::string, std::uint64_t>> stripes;  ///< (pvN, first extent)
};

struct MetaLv {
    std::string name, id, profile;
    std::vector<std::string>
        status;  ///< `status` then `flags`: READ, WRITE, VISIBLE, ERROR_WHEN_FULL, ...
    std::vector<MetaSegment> segments;
    bool visible() const;
    bool has_status(const std::string& flag) const;
};

struct MetaPv {
    std::string key;  ///< `pv0`, what segments' stripes name
    std::string id;   ///< with dashes, as in the text
    std::uint64_t pe_start = 0, pe_count = 0, dev_size = 0;
};

/// What the hot paths read of one VG's metadata.
struct VgMetadata {
    std::string name, id;
    std::uint64_t seqno = 0;
    std::uint64_t extent_size_sectors = 0;
    std::vector<std::string> status;
    std::vector<MetaPv> pvs;
    std::vector<MetaLv> lvs;

    const MetaLv* lv(const std::string& lv_name) const;
    std::uint64_t extent_count() const;
    /// Extents not used by any striped segment (what `vgs -o vg_free_count` reports).
    std::uint64_t free_extents() const;
};

/// The VG in a parsed metadata text; nullopt when a field the hot paths use is missing or of the
/// wrong kind, or a segment's type is not one they know (striped, thin-pool, thin).
std::optional<VgMetadata> vg_from_text(std::string_view text);

/// The newest committed metadata text found on one PV: its PV UUID (32 characters, no dashes)
/// and the text of the metadata area copy with the highest seqno. Every checksum is verified.
struct PvMetadataText {
    std::string pv_uuid;
    std::optional<std::string> text;  ///< nullopt: an orphan PV (no VG in its areas)
};

/// Reads @p length bytes at @p offset; false on a short or failed read.
using ReadBytes = bool (*)(void* context, std::uint64_t offset, std::size_t length, char* buffer);

/// Reads the label (sectors 0-3, CRC checked), the pv_header and each metadata area (mda_header
/// magic, version and CRC; raw_locn 0; the text's CRC, wrapping in the circular buffer).
/// nullopt on anything unexpected: no label, a bad checksum, an ignored or precommitted area,
/// two areas with different texts. Never throws for bad on-disk data.
std::optional<PvMetadataText> read_pv_metadata(ReadBytes read, void* context,
                                               std::uint64_t device_size);

/// read_pv_metadata on a block device or image file; nullopt when it can not be opened.
std::optional<PvMetadataText> read_pv_metadata_file(const std::string& path);

}  // namespace lvmkit::blockdev::internal
