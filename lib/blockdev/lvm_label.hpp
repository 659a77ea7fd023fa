// Reads the volume group name from an LVM2 PV label and its first metadata area, without LVM.
// Bounded (a few KiB of reads) and defensive: anything unexpected gives Membership::unknown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "lvmkit/blockdev.hpp"

namespace lvmkit::blockdev::internal {

/// Reads @p length bytes at @p offset into @p buffer; false on a short or failed read.
using ReadAt = std::function<bool(std::uint64_t offset, std::size_t length, char* buffer)>;

/// @p label_offset is where the 512-byte label sector starts (libblkid reports the magic
/// "LVM2 001" 24 bytes into it). Never throws for bad on-disk data.
LvmPvInfo read_lvm_pv_info(const ReadAt& read, std::uint64_t label_offset,
                           std::uint64_t device_size);

}  // namespace lvmkit::blockdev::internal
