// Shared by grow's sources and apply's run: the grow plan and the run that executes any plan.
#pragma once

#include <functional>

#include "lvmkit/grow.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {

/// grow()'s spec: setup's, taking space from the existing VG (LVM must see all its PVs).
ThinPoolSpec grow_spec(const ThinPoolSpec& spec);

/// The grow's steps from the state read with grow_spec(); `sizes` gets the numbers before and
/// after. The Plan's `sizes` carry the targets (data and metadata extents).
/// @throws Error(Errc::not_found) without a thin pool, Errc::mismatch when it differs from the
/// spec.
Plan build_grow_plan(const ThinPoolSpec& spec, const SystemState& state, GrowSizes& sizes);

/// What the pool lacks of the plan's target sizes, read back after the grow.
std::vector<std::string> grow_size_differences(lvm::Session& session, const ThinPoolSpec& spec,
                                               const ResolvedSizes& target);

/// Builds the plan from the state apply's run read.
using Planner = std::function<Plan(const ThinPoolSpec&, const SystemState&, const FileWriter&)>;

/// apply()'s run (setup_apply.cpp) with another planner: the same steps, progress, seam,
/// rollback and verification, the grow's steps included. The caller holds the SetupLock.
ApplyResult run_grow_plan(const ThinPoolSpec& spec, const ApplyOptions& options,
                          const Planner& planner);

}  // namespace lvmkit::setup::internal
