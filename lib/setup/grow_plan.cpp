// grow's plan: which devices join the VG, and the pool's data and metadata sizes the spec's
// layout gives the grown VG. Writes nothing.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lvmkit/error.hpp"
#include "lvmkit/sizing.hpp"
#include "setup/grow_internal.hpp"

namespace lvmkit::setup {
namespace internal {
namespace {

constexpr const char* kGrow = "grow";

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::uint64_t extents_of_lv(const SystemState& state, const std::string& name, Bytes extent) {
    const auto* lv = state.find_lv(name);
    return lv == nullptr ? 0 : lv->size.count() / extent.count();
}

std::uint64_t spare_extents(const SystemState& state, Bytes extent) {
    for (const auto& lv : state.lvs)
        if (lv.name.find("_pmspare") != std::string::npos)
            return lv.size.count() / extent.count();
    return 0;
}

// Extents a device adds to the VG once labelled (LVM's default data start, as setup estimates).
std::uint64_t new_extents(const ThinPoolSpec& spec, const SystemState& state, Bytes extent) {
    std::uint64_t extents = 0;
    for (const auto& device : state.devices)
        if (device.vg != spec.vg.str() && device.size > kDefaultPeStart)
            extents += (device.size - kDefaultPeStart).count() / extent.count();
    return extents;
}

// The data and metadata setup's layout gives a VG of @p vg_extents, all free: the same rule
// that made the pool, so growing keeps its proportion (and the kernel's metadata limit).
ResolvedSizes layout_for(const ThinPoolSpec& spec, const SystemState& state,
                         std::uint64_t vg_extents) {
    SystemState fresh;
    fresh.pool_name = state.pool_name;
    fresh.vg = state.vg;
    fresh.vg->extent_count = vg_extents;
    fresh.vg->free_extents = vg_extents;
    ResolvedSizes sizes = resolve_sizes(spec, fresh);
    std::vector<std::string> ignored;  // the layout's reasons are setup's; the plan says the rule
    apply_layout(spec, fresh, sizes, ignored);
    return sizes;
}

struct Target {
    std::uint64_t data = 0, metadata = 0, spare = 0, free = 0;
};

// Never shrinks; what does not fit the free extents comes off the data first.
Target fit_target(const ResolvedSizes& layout, std::uint64_t data, std::uint64_t metadata,
                  std::uint64_t spare, std::uint64_t free, Bytes extent) {
    Target t;
    t.metadata = std::max(metadata, layout.metadata_extents);
    t.metadata =
        std::max(metadata, std::min(t.metadata, sizing::cap_metadata(t.metadata, extent).extents));
    // LVM grows the metadata spare with the metadata (when the pool has one).
    t.spare = spare == 0 ? 0 : std::max(spare, t.metadata);
    std::uint64_t meta_need = (t.metadata - metadata) + (t.spare - spare);
    if (meta_need > free) {
        t.metadata = metadata;
        t.spare = spare;
        meta_need = 0;
    }
    t.data = std::max(data, layout.data_extents);
    t.data = std::min(t.data, data + (free - meta_need));
    t.free = free - meta_need - (t.data - data);
    return t;
}

std::string layout_rule(const ThinPoolSpec& spec) {
    if (spec.layout == Layout::recommended)
        return "the recommended layout";
    return "the seed layout (data " + to_string(spec.data_size) + ", metadata " +
           to_string(spec.metadata_size) + ")";
}

}  // namespace

ThinPoolSpec grow_spec(const ThinPoolSpec& spec) {
    ThinPoolSpec out = spec;
    out.use_existing_vg = true;
    return out;
}

Plan build_grow_plan(const ThinPoolSpec& spec, const SystemState& state, GrowSizes& out) {
    const std::string vg = spec.vg.str();
    const std::string pool = vg + "/" + spec.pool.str();
    if (!state.vg || !state.pool_is_thin_pool())
        throw Error(Errc::not_found, kGrow, pool,
                    "there is no thin pool " + pool + " to grow; set it up first (setup)");
    check_pool_matches(spec, state);
    const Bytes extent = state.vg->extent_size;
    const std::uint64_t data = state.pool()->size.count() / extent.count();
    const std::uint64_t metadata = extents_of_lv(state, spec.pool.str() + "_tmeta", extent);
    const std::uint64_t spare = spare_extents(state, extent);
    const std::uint64_t added = new_extents(spec, state, extent);
    const std::uint64_t vg_after = state.vg->extent_count + added;
    const ResolvedSizes layout = layout_for(spec, state, vg_after);
    const Target t =
        fit_target(layout, data, metadata, spare, state.vg->free_extents + added, extent);
    auto bytes = [&](std::uint64_t extents) { return Bytes(extents * extent.count()); };
    auto text = [&](std::uint64_t extents) { return format_human(bytes(extents)); };
    out = GrowSizes{bytes(state.vg->extent_count),
                    bytes(vg_after),
                    bytes(data),
                    bytes(t.data),
                    bytes(metadata),
                    bytes(t.metadata),
                    bytes(spare),
                    bytes(t.spare),
                    bytes(t.free)};

    Plan plan;
    plan.sizes.extent_size = extent;
    plan.sizes.vg_extents = vg_after;
    plan.sizes.data_extents = t.data;
    plan.sizes.metadata_extents = t.metadata;
    plan.sizes.spare_extents = t.spare;
    plan.sizes.free_extents_after = t.free;
    plan.sizes.chunk_size = state.pool()->chunk_size;
    plan.headroom =
        compute_headroom(plan.sizes, spec.autoextend_threshold, spec.autoextend_percent);
    auto add = [&](StepKind kind, std::string description, bool done) {
        plan.steps.push_back(Step{kind, std::move(description), done});
    };
    std::vector<std::string> to_wipe, to_label, to_add;
    for (const auto& d : state.devices) {
        if (d.needs_wipe)
            to_wipe.push_back(d.path + " (" + joined(d.signatures) + ")");
        if (!d.is_pv)
            to_label.push_back(d.path);
        if (d.vg != vg)
            to_add.push_back(d.path);
    }
    add(StepKind::probe,
        to_add.empty() ? "Read " + pool + " and VG " + vg + "'s free space (no device to add)"
                       : "Check " + joined(to_add) + ": no data to lose, not in use",
        false);
    if (!to_wipe.empty())
        add(StepKind::wipe, "Erase signatures on " + joined(to_wipe), false);
    if (!to_label.empty())
        add(StepKind::create_pv, "Create PV label on " + joined(to_label), false);
    add(StepKind::create_vg,
        to_add.empty() ? "No device to add to VG " + vg
                       : fmt::format("Add {} to VG {} ({} -> {}, +{} extents of {})",
                                     joined(to_add), vg, text(state.vg->extent_count),
                                     text(vg_after), added, format_human(extent)),
        to_add.empty());
    add(StepKind::grow_metadata,
        fmt::format("Extend {}'s metadata from {} to {}{}", pool, text(metadata), text(t.metadata),
                    t.spare != spare ? " (LVM grows the metadata spare to " + text(t.spare) + ")"
                                     : std::string()),
        t.metadata == metadata);
    add(StepKind::grow_data,
        fmt::format("Extend {}'s data from {} to {}", pool, text(data), text(t.data)),
        t.data == data);
    plan.decisions.push_back(fmt::format(
        "target sizes: {} of a VG of {} ({} extents): data {}, metadata {}; LVM can not shrink "
        "a thin pool, so a grow is undone only until the pool's size changed",
        layout_rule(spec), text(vg_after), vg_after, text(layout.data_extents),
        text(layout.metadata_extents)));
    if (t.data < layout.data_extents || t.metadata < layout.metadata_extents)
        plan.decisions.push_back(
            "the VG's free space does not hold the layout's sizes: the pool "
            "grows as far as the free extents allow");
    if (plan.headroom.autoextend_enabled && plan.headroom.data_steps_possible == 0)
        plan.warnings.push_back(fmt::format(
            "autoextend can not grow the pool's data after the grow: the VG keeps {} free, one "
            "data step of {}% needs {}",
            text(t.free), spec.autoextend_percent, text(plan.headroom.data_step_extents)));
    return plan;
}

std::vector<std::string> grow_size_differences(lvm::Session& session, const ThinPoolSpec& spec,
                                               const ResolvedSizes& target) {
    std::vector<std::string> out;
    const Bytes extent = target.extent_size;
    for (const auto& lv : session.lvs(spec.vg)) {
        if (lv.name == spec.pool.str() && lv.size.count() / extent.count() < target.data_extents)
            out.push_back("the pool's data is " + format_human(lv.size) + ", want " +
                          format_human(Bytes(target.data_extents * extent.count())));
        if (lv.name == spec.pool.str() + "_tmeta" &&
            lv.size.count() / extent.count() < target.metadata_extents)
            out.push_back("the pool's metadata is " + format_human(lv.size) + ", want " +
                          format_human(Bytes(target.metadata_extents * extent.count())));
    }
    return out;
}

}  // namespace internal

std::string GrowPlan::to_text() const {
    std::string out = plan.to_text();
    out += fmt::format("  VG        {:>10} -> {}\n", format_human(sizes.vg_before),
                       format_human(sizes.vg_after));
    out += fmt::format("  data      {:>10} -> {}\n", format_human(sizes.data_before),
                       format_human(sizes.data_after));
    out += fmt::format("  metadata  {:>10} -> {}\n", format_human(sizes.metadata_before),
                       format_human(sizes.metadata_after));
    out += fmt::format("  VG free after: {}, room for {} data autoextend step(s)\n",
                       format_human(sizes.vg_free_after), plan.headroom.data_steps_possible);
    return out;
}

std::string GrowPlan::to_json() const {
    auto doc = nlohmann::ordered_json::parse(plan.to_json());
    doc["grow"] = {{"vg_before", sizes.vg_before.count()},
                   {"vg_after", sizes.vg_after.count()},
                   {"data_before", sizes.data_before.count()},
                   {"data_after", sizes.data_after.count()},
                   {"metadata_before", sizes.metadata_before.count()},
                   {"metadata_after", sizes.metadata_after.count()},
                   {"spare_before", sizes.spare_before.count()},
                   {"spare_after", sizes.spare_after.count()},
                   {"vg_free_after", sizes.vg_free_after.count()}};
    return doc.dump(2);
}

GrowPlan plan_grow(const ThinPoolSpec& requested) {
    const ThinPoolSpec spec = internal::grow_spec(requested);
    internal::validate_spec(spec);
    internal::check_environment(spec);
    const FileWriter writer{TargetRoot(spec.target_root)};
    auto session = internal::session_for(spec);
    internal::check_file_kinds(spec, session.profile_dir(), writer);
    const auto state = internal::read_state(session, spec);
    GrowPlan out;
    out.plan = internal::build_grow_plan(spec, state, out.sizes);
    return out;
}

GrowResult grow(const ThinPoolSpec& requested, const ApplyOptions& options) {
    const ThinPoolSpec spec = internal::grow_spec(requested);
    internal::validate_spec(spec);
    internal::check_environment(spec);
    const internal::SetupLock lock("grow");
    GrowSizes sizes;
    const internal::Planner planner =
        [&sizes](const ThinPoolSpec& s, const internal::SystemState& state, const FileWriter&) {
            return internal::build_grow_plan(s, state, sizes);
        };
    ApplyResult run = internal::run_grow_plan(spec, options, planner);
    GrowResult result;
    result.plan.plan = std::move(run.plan);
    result.plan.sizes = sizes;
    result.steps = std::move(run.steps);
    result.nothing_to_do = run.nothing_to_do;
    result.duration = run.duration;
    return result;
}

}  // namespace lvmkit::setup
