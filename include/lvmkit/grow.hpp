/// @file grow.hpp
/// @brief Day two: grow an existing thin pool onto new devices, or into its VG's free space.
///
/// `grow()` takes the same ThinPoolSpec as setup (the same VG, pool, layout, chunk and profile)
/// with `devices` listing the devices to add; devices already in the VG are accepted and skipped,
/// so a configuration's growing device list can be passed whole. Every new device goes through
/// setup's fail-closed probe (signatures, holders, mounts, swap, RAID members, other VGs); then
/// `vgextend`, then `lvextend` of the pool's metadata and data to what the spec's layout gives a
/// VG of the new size (the seed's 95%/1%, or the recommended layout), the metadata kept under
/// the kernel's limit. The profile and dmeventd monitoring stay on the pool and are verified.
/// With no new device the pool grows into the VG's free space beyond what the layout keeps.
///
/// A failure before the pool's size changed is rolled back (`vgreduce`, the new PV labels
/// removed); LVM can not shrink a thin pool, so once an `lvextend` committed, the grown pool is
/// kept and a re-run finishes the rest (as it resumes a run that was killed).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lvmkit/setup.hpp"

namespace lvmkit::setup {

/// The pool's and the VG's sizes before and after a grow.
struct GrowSizes {
    Bytes vg_before;        ///< the VG's size before
    Bytes vg_after;         ///< the VG's size after
    Bytes data_before;      ///< the pool's data before
    Bytes data_after;       ///< the pool's data after
    Bytes metadata_before;  ///< the pool's metadata before
    Bytes metadata_after;   ///< the pool's metadata after
    Bytes spare_before;     ///< LVM's pool metadata spare before
    Bytes spare_after;      ///< LVM's pool metadata spare after
    Bytes vg_free_after;    ///< left free in the VG (autoextend's room)
};

/// The steps of a grow and the sizes it reaches.
struct GrowPlan {
    /// `probe`, `wipe` (only with permission), `create_pv`, `create_vg` (the vgextend),
    /// `grow_metadata`, `grow_data`; `headroom` is the autoextend room after the grow.
    Plan plan;
    GrowSizes sizes;  ///< before and after
    /// True when no device is to be added and the pool already has the layout's sizes.
    bool nothing_to_do() const noexcept { return plan.nothing_to_do(); }
    /// The plan's steps, then the sizes before and after.
    std::string to_text() const;
    /// The plan's JSON with a `grow` object of the sizes in bytes.
    std::string to_json() const;
};

/// Reads the pool and the devices and plans the grow; writes nothing.
/// @throws Error: the spec's (Errc::invalid_argument), a device's refusal (as preflight()),
///         Errc::not_found when the VG or the pool does not exist, Errc::mismatch when the pool
///         differs from the spec.
GrowPlan plan_grow(const ThinPoolSpec& spec);

/// The result of a successful grow().
struct GrowResult {
    GrowPlan plan;                          ///< the plan that was run
    std::vector<StepOutcome> steps;         ///< one per plan step, skipped ones included
    bool nothing_to_do = false;             ///< nothing to add or extend
    std::chrono::milliseconds duration{0};  ///< the whole run, verification included
};

/// Runs plan_grow()'s steps, then verifies the pool (sizes reached, profile attached, monitored,
/// dm table). Takes the same locks as apply(); `options.before_step` is the same seam.
/// @throws Error as apply(): rolled back when the pool had not grown yet.
GrowResult grow(const ThinPoolSpec& spec, const ApplyOptions& options = {});

}  // namespace lvmkit::setup
