// The graph driver's leftovers from pool contents already read (graph_leftovers.hpp), for
// status(), plan() and the cleanup, which read the pool once.
#pragma once

#include "lvmkit/graph_leftovers.hpp"
#include "lvmkit/pool_contents.hpp"
#include "lvmkit/setup.hpp"
#include "setup/setup_internal.hpp"
#include "setup/snapshotter_ids.hpp"

namespace lvmkit::setup::internal {

/// find_graph_leftovers() on @p contents (read_pool_contents() of the spec's pool).
GraphLeftovers find_graph_leftovers(const ThinPoolSpec& spec, const PoolContents& contents);

/// @p spec as the pool's VG is (`use_existing_vg`): finding and removing leftovers names no device.
inline ThinPoolSpec without_devices(ThinPoolSpec spec) {
    spec.use_existing_vg = true;
    return spec;
}

/// The command that removes them, with the spec's names.
std::string cleanup_command(const ThinPoolSpec& spec);

/// Leftovers are looked for: not while the spec is Docker's graph-driver mode (the devices are
/// then its live data).
bool graph_leftovers_apply(const ThinPoolSpec& spec);

/// status()'s advice for @p leftovers: what they are, the cleanup command.
Advice graph_leftovers_advice(const ThinPoolSpec& spec, const GraphLeftovers& leftovers);

/// The plan's note for a pool that holds @p leftovers: what becomes of them, and of their ids
/// for containerd's snapshotter (@p ids: its database to create, or one that exists).
std::string graph_leftovers_decision(const ThinPoolSpec& spec, const GraphLeftovers& leftovers,
                                     const std::optional<SnapshotterIds>& ids);

/// When the spec's existing, active pool holds leftovers: adds graph_leftovers_decision() to
/// @p plan, and the reserve_snapshotter_ids step (looked for only when Docker's devicemapper
/// metadata directory exists, so a boot re-run on any other pool reads nothing more). @p writer
/// is the plan's, under the spec's target root.
void add_graph_leftovers_to_plan(const ThinPoolSpec& spec, const SystemState& state,
                                 const FileWriter& writer, Plan& plan);

}  // namespace lvmkit::setup::internal
