// Reads which thin devices a dm-thin pool's metadata holds, in-process and read-only: the
// superblock and the device-details btree, as the kernel's dm-thin-metadata.c lays them out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lvmkit::internal {

/// One entry of the metadata's device-details btree (`struct disk_device_details`).
struct ThinDeviceDetails {
    std::uint64_t id = 0;              ///< the thin device id (`create_thin <id>`)
    std::uint64_t mapped_blocks = 0;   ///< data blocks the device maps
    std::uint64_t transaction_id = 0;  ///< the pool transaction it was last changed in
};

/// What the committed metadata says.
struct ThinMetadata {
    std::uint64_t transaction_id = 0;         ///< the superblock's transaction id
    std::uint64_t data_blocks_allocated = 0;  ///< the data space map's allocated blocks
    std::uint32_t data_block_sectors = 0;     ///< the pool's data block (chunk) size, in sectors
    std::vector<ThinDeviceDetails> devices;   ///< every thin device, by id
};

/// The metadata block size dm-thin uses (8 sectors).
inline constexpr std::size_t kThinMetadataBlock = 4096;

/// Reads one 4 KiB metadata block by number; throws on a read error.
using MetadataBlockReader = std::function<std::string(std::uint64_t block)>;

/// Walks the committed superblock's device-details btree. Every block's checksum, number and
/// node flags are checked; the superblock is read again at the end and must be unchanged (else
/// the kernel committed meanwhile and freed blocks could have been reused: a retry is needed).
/// An all-zero superblock is an empty pool, as the kernel formats it (no devices).
/// @throws Error(Errc::parse_error) on a bad checksum, magic or node;
///         Error(Errc::busy) when the superblock changed during the walk.
ThinMetadata read_thin_metadata(const MetadataBlockReader& read_block);

/// read_thin_metadata() on a metadata device (a path), with O_DIRECT reads so the kernel's
/// committed blocks are seen, not a stale page cache; tries three times while the pool commits.
/// @throws Error(Errc::io_error) when the device can not be read, or as read_thin_metadata().
ThinMetadata read_thin_metadata(const std::string& metadata_device);

/// The dm-persistent-data checksum of @p data: crc32c seeded with ~0, not inverted, xor @p salt.
std::uint32_t thin_metadata_checksum(const void* data, std::size_t size, std::uint32_t salt);

}  // namespace lvmkit::internal
