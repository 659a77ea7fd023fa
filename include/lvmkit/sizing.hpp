/// @file sizing.hpp
/// @brief Thin pool sizing rules: LVM's metadata estimate and limits, its chunk size policy, the
/// metadata cap of the seed layout and the recommended layout that keeps room for autoextend.
///
/// Pure functions of numbers (extents, bytes, percentages): nothing here reads the system, so
/// every rule is unit-tested over a table of disk, extent and chunk sizes. The facade
/// (setup.hpp) resolves a spec against the real devices and calls these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lvmkit/size.hpp"

namespace lvmkit::sizing {

/// lvm2's DM_THIN_MIN_METADATA_SIZE: 4096 sectors.
inline constexpr Bytes kMinMetadataSize = Bytes::MiB(2);
/// lvm2's DM_THIN_MAX_METADATA_SIZE: 255 * 2^14 * 8 - 256 * 1024 sectors = 15.81 GiB, the
/// metadata the kernel can use (libdevmapper.h; lvm2 thin_manip.c).
inline constexpr Bytes kMaxMetadataSize = Bytes((255ull * (1u << 14) * 8 - 256 * 1024) * 512);
/// LVM's estimate of metadata per data chunk (thin_manip.c `_estimate_metadata_size`).
inline constexpr std::uint64_t kMetadataBytesPerChunk = 64;
/// lvm2's DEFAULT_THIN_POOL_OPTIMAL_METADATA_SIZE: LVM's chunk policy doubles the chunk while
/// the metadata estimate is above this.
inline constexpr Bytes kOptimalMetadataEstimate = Bytes::MiB(128);
/// dm-thin's largest chunk (DM_THIN_MAX_DATA_BLOCK_SIZE).
inline constexpr Bytes kMaxChunkSize = Bytes::GiB(1);
/// The recommended layout's metadata: this many times LVM's estimate (as stratisd does): the
/// estimate counts one mapping per chunk of one volume, while a container runtime keeps a
/// snapshot per image layer and container, whose diverged blocks each need their own btree
/// entries, in btree nodes that run about half full.
inline constexpr unsigned kRecommendedMetadataFactor = 8;
/// The recommended layout's smallest metadata where the disk allows (lvmthin(7) suggests
/// starting at 1 GiB).
inline constexpr Bytes kRecommendedMinMetadata = Bytes::GiB(1);
/// On small VGs the recommended metadata floor is this fraction of the pool's space instead
/// (1/64: the floor reaches 1 GiB on a 64 GiB VG).
inline constexpr std::uint64_t kSmallVgMetadataDivisor = 64;
/// Data autoextend steps the recommended layout keeps room for.
inline constexpr unsigned kRecommendedDataSteps = 2;

/// LVM's metadata need for @p data in chunks of @p chunk: data / chunk * 64 B, at least 2 MiB
/// (not rounded to extents). @p chunk must not be 0.
Bytes metadata_estimate(Bytes data, Bytes chunk);

/// The largest metadata LV, in whole extents of @p extent, that is not above kMaxMetadataSize.
std::uint64_t max_metadata_extents(Bytes extent);

/// LVM's chunk policy for a pool of @p data when no chunk is given: start at @p smallest and
/// double while the metadata estimate is above kOptimalMetadataEstimate, up to 1 GiB
/// (thin_manip.c `update_thin_pool_params`). With the seed's 512 KiB (LVM's "performance"
/// policy start) pools up to 1 TiB keep 512 KiB.
Bytes policy_chunk_size(Bytes data, Bytes smallest);

/// A metadata size limited to what the kernel can use.
struct MetadataCap {
    std::uint64_t extents = 0;    ///< the extents to create (capped)
    std::uint64_t requested = 0;  ///< the extents asked for
    bool capped = false;          ///< requested was above the limit
};

/// Caps @p requested extents of @p extent at max_metadata_extents().
MetadataCap cap_metadata(std::uint64_t requested, Bytes extent);

/// Extents @p steps autoextend steps of @p percent take, starting at @p data_extents (each step
/// grows the pool, so the next one is larger; LVM rounds each step up to an extent).
std::uint64_t autoextend_steps_extents(std::uint64_t data_extents, unsigned percent,
                                       unsigned steps);

/// What the recommended layout is computed from.
struct LayoutRequest {
    Bytes extent_size = Bytes::MiB(4);  ///< the VG's extent size
    /// Extents the pool may take in total: its data, metadata, the metadata spare and the room
    /// kept for autoextend (a new VG: all of it; an existing VG: its free extents).
    std::uint64_t available_extents = 0;
    /// LVM will add a metadata spare the size of the metadata (none in the VG yet).
    bool spare_needed = true;
    Bytes chunk_size = Bytes::KiB(512);  ///< the chunk, or the policy's smallest one
    bool chunk_by_policy = true;         ///< apply policy_chunk_size() to chunk_size
    /// `thin_pool_autoextend_percent`; 0 when autoextend is off (no room is kept for it).
    unsigned autoextend_percent = 20;
};

/// The recommended layout, every number with the one line that explains it.
struct Layout {
    Bytes chunk_size;                         ///< the pool's chunk
    std::uint64_t data_extents = 0;           ///< the data LV
    std::uint64_t metadata_extents = 0;       ///< the metadata LV
    std::uint64_t spare_extents = 0;          ///< the metadata spare LVM adds
    std::uint64_t metadata_step_extents = 0;  ///< kept for one metadata step (and its spare)
    std::uint64_t data_steps_extents = 0;     ///< kept for the data steps
    unsigned data_steps = 0;                  ///< how many data steps that room holds
    std::uint64_t free_extents = 0;           ///< left free after setup (steps' room included)
    /// One line per number: chunk, metadata, spare, metadata step, data and its steps.
    std::vector<std::string> reasons;
};

/// A careful administrator's layout: metadata kRecommendedMetadataFactor times LVM's estimate
/// for the size the pool can grow to, at least kRecommendedMinMetadata (or 1/64 of the space on
/// small VGs), never above the limit; the spare; room for one metadata step and
/// kRecommendedDataSteps data steps; the data gets the rest.
/// @throws Error(Errc::insufficient_space) when the space can not hold even a minimal pool.
Layout recommended_layout(const LayoutRequest& request);

}  // namespace lvmkit::sizing
