/// @file
/// The thin devices Docker's devicemapper graph driver (Docker 24 and older) left in a pool that
/// now serves containerd's devmapper snapshotter (Docker 25 and later can not read them), found
/// by attribution, and the one command that removes exactly them.
///
/// A pool's thin device ids live only in its metadata; LVM knows its own thin LVs, Docker's
/// driver records its devices in `<graph_dir>/devicemapper/metadata/<name>` (`"device_id"`),
/// containerd's snapshotter in its bolt database (`<root_path>/<pool>.db`, `"device_id"` in each
/// device's JSON record). An id is Docker's leftover only when Docker's metadata names it and
/// neither LVM nor containerd does; every other unknown id is left alone and listed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lvmkit/setup.hpp"
#include "lvmkit/size.hpp"

namespace lvmkit::setup {

// GraphLeftover and GraphLeftovers are in pool_contents.hpp (status() carries them).

/// The pure attribution: @p unknown (the pool's ids no LVM thin LV carries, with their mapped
/// data), @p docker (id to Docker's name for it) and @p containerd (ids its records name).
GraphLeftovers attribute_graph_leftovers(const std::map<std::uint64_t, Bytes>& unknown,
                                         const std::map<std::uint64_t, std::string>& docker,
                                         const std::set<std::uint64_t>& containerd);

/// Docker's devicemapper metadata directory: id to name for every device file (`base` and the
/// hashes; `deviceset-metadata` and `transaction-metadata` are not devices). An absent
/// directory gives an empty map.
/// @throws Error(Errc::parse_error) naming the file whose JSON has no valid `device_id`;
///         Error(Errc::io_error) when the directory or a file can not be read.
std::map<std::uint64_t, std::string> read_docker_device_ids(const std::string& metadata_dir);

/// The ids containerd's devmapper snapshotter database names: every `"device_id":N` in the
/// file's bytes (bolt stores the JSON records as they are; a stale page only adds ids, which
/// keeps them from removal). A missing file gives an empty set.
/// @throws Error(Errc::io_error) when the file exists and can not be read.
std::set<std::uint64_t> read_containerd_device_ids(const std::string& database);

/// The graph driver's leftovers in the spec's pool, which must be active: the pool's metadata,
/// LVM's thin LVs, Docker's metadata under `target_root` + `graph_dir`, and every containerd
/// snapshotter database under `target_root` + the `root_path` of `containerd_config` (or
/// containerd's default directories). Never throws for what it can not read: `note` says why.
GraphLeftovers find_graph_leftovers(const ThinPoolSpec& spec);

/// Options for remove_graph_leftovers().
struct LeftoverCleanupOptions {
    /// Remove them even while daemon.json still selects the devicemapper graph driver, or while
    /// some are active (they are deactivated first: whoever has them open loses them).
    bool force = false;
    /// Called before each device is deleted; may be empty.
    std::function<void(const GraphLeftover&)> on_remove;
};

/// What remove_graph_leftovers() did.
struct LeftoverCleanupResult {
    std::vector<GraphLeftover> removed;  ///< in the order deleted
    Bytes data_used_before;              ///< the pool's used data before the first delete
    Bytes data_used_after;               ///< and after the last
    GraphLeftovers kept;                 ///< what is left that is not Docker's (never removed)
};

/// Deletes exactly the spec's pool's Docker graph-driver leftovers (find_graph_leftovers()),
/// each with the pool's `delete` message, leaving LVM's thin LVs, containerd's devices and every
/// id it can not attribute. Refuses before the first delete (Errc::busy, listing why) while
/// `daemon_json` still selects the devicemapper graph driver, while a leftover is active (a dm
/// device maps it: a Docker 24 still running), unless forced; refuses always (Errc::not_found,
/// Errc::io_error) when the pool is missing or inactive, or the attribution could not be made.
/// @throws Error
LeftoverCleanupResult remove_graph_leftovers(const ThinPoolSpec& spec,
                                             const LeftoverCleanupOptions& options = {});

}  // namespace lvmkit::setup
