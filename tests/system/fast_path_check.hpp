// The status hot path against LVM (issue 27): where a [system] test already reads status(), it
// also calls fast_status_agrees(), which checks that the fast path, when it answers, says exactly
// what LVM's reports give (the whole status as JSON), and says whether it answered;
// fast_noop_agrees() does the same for the no-op check of a re-run.
#pragma once

#include "catch_compat.hpp"
#include "lvmkit/setup.hpp"
#include "setup/fast_status.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::test {

inline bool fast_status_agrees(const setup::ThinPoolSpec& spec) {
    const auto fast = setup::internal::fast_status(spec);
    if (!fast)
        return false;  // declined: status() asks LVM, nothing to compare
    const auto full = setup::internal::full_status(spec);
    INFO("fast path:\n" << fast->to_text() << "LVM:\n" << full.to_text());
    CHECK(fast->to_json() == full.to_json());
    return true;
}

/// The same for a re-run's state (plan() and apply()): when the fast path says there is nothing
/// to do, the plan from LVM's reports is the same plan (steps, sizes, decisions, as JSON).
inline bool fast_noop_agrees(const setup::ThinPoolSpec& spec) {
    const FileWriter writer{TargetRoot(spec.target_root)};
    const auto fast = setup::internal::fast_noop_state(spec, writer);
    if (!fast)
        return false;  // declined: plan() and apply() read LVM's view
    auto session = setup::internal::session_for(spec);
    const auto full = setup::internal::read_state(session, spec);
    const auto full_plan = setup::internal::build_plan(spec, full, writer);
    CHECK(full_plan.nothing_to_do());
    CHECK(setup::internal::build_plan(spec, *fast, writer).to_json() == full_plan.to_json());
    return true;
}

}  // namespace lvmkit::test
