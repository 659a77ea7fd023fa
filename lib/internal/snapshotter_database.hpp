// containerd's devmapper snapshotter keeps its thin devices' ids in a bbolt database,
// `<root_path>/<pool_name>.db`, and takes a new id from the `device_ids` bucket's sequence
// (bolt's NextSequence) without asking the pool. On a pool that already holds thin devices (a
// devicemapper Docker's), its first ids are refused by the kernel one create at a time. Before
// containerd's first start lvmkit writes that database itself, empty, the sequence standing at
// the pool's highest id: containerd then numbers from the next one.
#pragma once

#include <cstdint>
#include <string>

namespace lvmkit::internal {

/// A new bbolt database (file format version 2) as containerd's snapshotter would leave it after
/// creating its two buckets, `devices` and `device_ids`, both empty and inline, with the
/// `device_ids` sequence at @p last_taken_id. Four pages of @p page_size bytes, laid out as
/// bbolt's own init() does (two meta pages, an empty freelist, the root leaf).
/// @throws Error(Errc::invalid_argument) for a page size that is no power of two in
///         [1 KiB, 64 KiB] or an id at or above containerd's limit (2^24 - 1).
std::string render_snapshotter_database(std::uint64_t last_taken_id, std::uint32_t page_size);

/// The bytes bbolt's meta checksum covers hashed with FNV-1a 64, exposed for its unit test.
std::uint64_t fnv1a64(const void* data, std::size_t size) noexcept;

}  // namespace lvmkit::internal
