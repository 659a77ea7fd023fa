// Keeping containerd's devmapper snapshotter off the thin ids a pool already holds (the
// graph driver's leftovers): before containerd's first start on the pool, setup creates the
// snapshotter's database with its id counter at the pool's highest id
// (internal/snapshotter_database.hpp says why and how).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lvmkit/files.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/pool_contents.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit::setup::internal {

/// The database containerd's snapshotter will open for the spec's pool, and the ids to keep
/// it off.
struct SnapshotterIds {
    std::string database;             ///< `<root_path>/<pool_name>.db`, inside the target root
    std::uint64_t highest_taken = 0;  ///< the pool's highest thin id, LVM's or a runtime's
    bool database_exists = false;     ///< containerd (or an earlier run) made it: left as it is
    bool database_reserves = false;   ///< it is the one this step writes (an earlier run's)
};

/// What the pool's contents ask for: std::nullopt when its thin ids are not known (its metadata
/// was not read) or it holds none. @p lvs are the VG's LVs (LVM's thin LVs hold ids too).
std::optional<SnapshotterIds> snapshotter_ids(const ThinPoolSpec& spec,
                                              const PoolContents& contents,
                                              const std::vector<lvm::LvReport>& lvs,
                                              const FileWriter& writer);

/// The plan's step for @p ids (done when the database exists).
Step snapshotter_ids_step(const SnapshotterIds& ids);

/// Creates the database (mode 0600, as containerd would); never replaces one (a database that
/// appears meanwhile is containerd's and stays: Errc::conflict).
WriteResult reserve_snapshotter_ids(const FileWriter& writer, const SnapshotterIds& ids);

}  // namespace lvmkit::setup::internal
