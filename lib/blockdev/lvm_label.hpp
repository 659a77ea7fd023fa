// Reads the volume group name from an LVM2 PV label and its first metadata area, without LVM.
// Bounded (a few KiB of reads) and defensive: anything unexpected gives Membership::unknown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "lvmkit/blockdev.hpp"

namespace lvmkit::blockdev::internal {

/// The magic of an LVM2 text metadata area header (lvm2 format_text/layout.h FMTT_MAGIC).
inline constexpr char kMdaMagic[] = " LVM2 x[5A%r0N*>";
/// raw_locn flag RAW_LOCN_IGNORED: the metadata area is ignored.
inline constexpr std::uint32_t kRawLocnIgnored = 1;

/// Little-endian integers as LVM writes its labels and metadata area headers.
inline std::uint64_t le64(const char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}
inline std::uint32_t le32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

/// Reads @p length bytes at @p offset into @p buffer; false on a short or failed read.
using ReadAt = std::function<bool(std::uint64_t offset, std::size_t length, char* buffer)>;

/// @p label_offset is where the 512-byte label sector starts (libblkid reports the magic
/// "LVM2 001" 24 bytes into it). Never throws for bad on-disk data.
LvmPvInfo read_lvm_pv_info(const ReadAt& read, std::uint64_t label_offset,
                           std::uint64_t device_size);

}  // namespace lvmkit::blockdev::internal
