// The spec's layout applied to resolved sizes: the seed's metadata capped at the kernel's limit,
// or the recommended layout (sizing.hpp); what lvcreate and lvconvert get; the full behaviour.
#include <fmt/format.h>

#include "lvmkit/error.hpp"
#include "lvmkit/sizing.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup {

const char* to_string(Layout layout) noexcept {
    return layout == Layout::recommended ? "recommended" : "seed";
}

const char* to_string(WhenFull when_full) noexcept {
    return when_full == WhenFull::error ? "error" : "queue";
}

namespace internal {
namespace {

std::uint64_t extents_of_lv(const lvm::LvReport* lv, Bytes extent) {
    return lv == nullptr ? 0 : lv->size.count() / extent.count();
}

bool has_spare(const SystemState& state) {
    for (const auto& lv : state.lvs)
        if (lv.name.find("_pmspare") != std::string::npos)
            return true;
    return false;
}

// Extents the pool may take: the VG's free extents, the devices still to add, and the pool's
// own LVs an interrupted run already made (so a resumed run computes the same layout).
std::uint64_t space_for_pool(const ThinPoolSpec& spec, const SystemState& state,
                             const ResolvedSizes& sizes) {
    const Bytes extent = sizes.extent_size;
    std::uint64_t space = sizes.vg_extents;
    if (state.vg)
        space = space - state.vg->extent_count + state.vg->free_extents;
    space += extents_of_lv(state.find_lv(spec.pool.str()), extent);
    space += extents_of_lv(state.find_lv(metadata_lv_name(spec).str()), extent);
    return space;
}

void set_free_after(ResolvedSizes& sizes, std::uint64_t space) {
    const std::uint64_t used = sizes.data_extents + sizes.metadata_extents + sizes.spare_extents;
    sizes.free_extents_after = space > used ? space - used : 0;
}

void cap_seed_metadata(const ThinPoolSpec& spec, const SystemState& state, ResolvedSizes& sizes,
                       std::vector<std::string>& decisions) {
    // Only a percentage is capped: an exact size above the limit is the caller's mistake.
    if (!std::holds_alternative<Percent>(spec.metadata_size) ||
        state.find_lv(metadata_lv_name(spec).str()) != nullptr)
        return;
    const Bytes extent = sizes.extent_size;
    const auto cap = sizing::cap_metadata(sizes.metadata_extents, extent);
    if (!cap.capped)
        return;
    const bool spare_follows = sizes.spare_extents == sizes.metadata_extents;
    sizes.metadata_extents = cap.extents;
    if (spare_follows)
        sizes.spare_extents = cap.extents;
    sizes.metadata_capped = true;
    set_free_after(sizes, space_for_pool(spec, state, sizes));
    const Bytes data(sizes.data_extents * extent.count());
    decisions.push_back(fmt::format(
        "metadata {} would be {} ({} extents), above the {} the kernel can use (lvm2's "
        "DM_THIN_MAX_METADATA_SIZE): capped at {} ({} extents); LVM's own estimate for {} of "
        "{} chunks is {}",
        to_string(spec.metadata_size), format_human(Bytes(cap.requested * extent.count())),
        cap.requested, format_human(sizing::kMaxMetadataSize),
        format_human(Bytes(cap.extents * extent.count())), cap.extents, format_human(data),
        format_human(sizes.chunk_size),
        format_human(sizing::metadata_estimate(data, sizes.chunk_size))));
}

void apply_recommended(const ThinPoolSpec& spec, const SystemState& state, ResolvedSizes& sizes,
                       std::vector<std::string>& decisions) {
    const Bytes extent = sizes.extent_size;
    sizing::LayoutRequest request;
    request.extent_size = extent;
    request.available_extents = space_for_pool(spec, state, sizes);
    request.spare_needed = !has_spare(state);
    request.chunk_size = spec.chunk_size;
    request.chunk_by_policy = !spec.fixed_chunk_size;
    const bool autoextend = spec.autoextend_threshold < 100 && spec.autoextend_percent > 0;
    request.autoextend_percent = autoextend ? spec.autoextend_percent : 0;
    sizing::Layout layout;
    try {
        layout = sizing::recommended_layout(request);
    } catch (const Error& e) {
        throw Error(e.errc(), "preflight", spec.vg.str() + "/" + spec.pool.str(), e.message());
    }
    sizes.chunk_size = layout.chunk_size;
    if (const auto* data = state.find_lv(spec.pool.str()))
        sizes.data_extents = extents_of_lv(data, extent);
    else
        sizes.data_extents = layout.data_extents;
    if (const auto* meta = state.find_lv(metadata_lv_name(spec).str()))
        sizes.metadata_extents = extents_of_lv(meta, extent);
    else
        sizes.metadata_extents = layout.metadata_extents;
    sizes.spare_extents = request.spare_needed ? sizes.metadata_extents : 0;
    set_free_after(sizes, request.available_extents);
    for (const auto& reason : layout.reasons)
        decisions.push_back("recommended layout: " + reason);
}

}  // namespace

void apply_layout(const ThinPoolSpec& spec, const SystemState& state, ResolvedSizes& sizes,
                  std::vector<std::string>& decisions) {
    if (state.pool_is_thin_pool()) {
        sizes.chunk_size = state.pool()->chunk_size;
        return;
    }
    sizes.chunk_size = spec.chunk_size;
    if (spec.layout == Layout::recommended)
        apply_recommended(spec, state, sizes, decisions);
    else
        cap_seed_metadata(spec, state, sizes, decisions);
}

SizeSpec data_request(const ThinPoolSpec& spec, const ResolvedSizes& sizes) {
    if (spec.layout == Layout::recommended)
        return Extents{sizes.data_extents};
    return spec.data_size;
}

SizeSpec metadata_request(const ThinPoolSpec& spec, const ResolvedSizes& sizes) {
    if (spec.layout == Layout::recommended || sizes.metadata_capped)
        return Extents{sizes.metadata_extents};
    return spec.metadata_size;
}

bool chunk_matches(const ThinPoolSpec& spec, Bytes chunk) {
    if (spec.layout == Layout::seed || spec.fixed_chunk_size)
        return chunk == spec.chunk_size;
    // LVM's policy only doubles the smallest chunk; which doubling depends on the VG's size
    // when the pool was made, which a later vgextend changes.
    for (Bytes c = spec.chunk_size; c.count() <= sizing::kMaxChunkSize.count();
         c = Bytes(c.count() * 2))
        if (c == chunk)
            return true;
    return false;
}

std::string wanted_chunk_text(const ThinPoolSpec& spec) {
    if (spec.layout == Layout::seed || spec.fixed_chunk_size)
        return format_human(spec.chunk_size);
    return format_human(spec.chunk_size) + " or a doubling of it (LVM's chunk policy)";
}

std::string when_full_decision(const ThinPoolSpec& spec) {
    if (spec.when_full == WhenFull::error)
        return "when the pool's data space is full, writes fail at once with an I/O error "
               "(--errorwhenfull y): nothing hangs, but autoextend gets no grace period";
    return "when the pool's data space is full, writes queue (LVM's default, --errorwhenfull n) "
           "for up to dm-thin's no_space_timeout (60 s by default) so autoextend or an "
           "administrator can add space, then fail; ask for `error` to fail them at once";
}

}  // namespace internal
}  // namespace lvmkit::setup
