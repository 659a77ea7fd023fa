// Thin pool sizing rules (LVM's estimate, limits and chunk policy; the recommended layout).
// Pure arithmetic on extents: nothing here reads the system.
#include "lvmkit/sizing.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "lvmkit/error.hpp"

namespace lvmkit::sizing {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}

std::string extents_text(std::uint64_t extents, Bytes extent) {
    return fmt::format("{} ({} extents)", format_human(Bytes(extents * extent.count())), extents);
}

Bytes chunk_for(const LayoutRequest& request, Bytes grown) {
    return request.chunk_by_policy ? policy_chunk_size(grown, request.chunk_size)
                                   : request.chunk_size;
}

std::string chunk_reason(const LayoutRequest& request, Bytes chunk, Bytes grown) {
    if (!request.chunk_by_policy)
        return fmt::format("chunk {}: as given", format_human(chunk));
    if (chunk == request.chunk_size)
        return fmt::format(
            "chunk {}: LVM's metadata estimate for the {} the pool can grow to is {}, within "
            "LVM's {} target, so the chunk stays at {}",
            format_human(chunk), format_human(grown), format_human(metadata_estimate(grown, chunk)),
            format_human(kOptimalMetadataEstimate), format_human(request.chunk_size));
    return fmt::format(
        "chunk {}: LVM's policy for large pools doubles {} until its metadata estimate for the "
        "{} the pool can grow to is at most {} (it is {})",
        format_human(chunk), format_human(request.chunk_size), format_human(grown),
        format_human(kOptimalMetadataEstimate), format_human(metadata_estimate(grown, chunk)));
}

// The metadata: kRecommendedMetadataFactor x the estimate, a floor, the limit; and why.
std::uint64_t recommended_metadata(const LayoutRequest& request, Bytes grown, Bytes chunk,
                                   std::vector<std::string>& reasons) {
    const Bytes extent = request.extent_size;
    const Bytes estimate = metadata_estimate(grown, chunk);
    const Bytes generous(estimate.count() * kRecommendedMetadataFactor);
    const Bytes floor(
        std::min(kRecommendedMinMetadata.count(), grown.count() / kSmallVgMetadataDivisor));
    const Bytes wanted(std::max({generous.count(), floor.count(), kMinMetadataSize.count()}));
    const MetadataCap cap = cap_metadata(ceil_div(wanted.count(), extent.count()), extent);
    std::string why =
        fmt::format("{}x LVM's estimate of {} ({} chunks x {} B) is {}", kRecommendedMetadataFactor,
                    format_human(estimate), grown.count() / chunk.count(), kMetadataBytesPerChunk,
                    format_human(generous));
    if (floor.count() > generous.count())
        why +=
            floor == kRecommendedMinMetadata
                ? fmt::format("; raised to {} (lvmthin(7)'s suggested start)", format_human(floor))
                : fmt::format("; raised to 1/{} of the space ({}), as 1 GiB would not fit well",
                              kSmallVgMetadataDivisor, format_human(floor));
    if (cap.capped)
        why += fmt::format("; capped at the kernel's limit {}", format_human(kMaxMetadataSize));
    reasons.push_back(
        fmt::format("metadata {}: {}", extents_text(cap.extents, extent), std::move(why)));
    return cap.extents;
}

// The largest data that leaves room for its own autoextend steps in @p space extents.
std::uint64_t largest_data(std::uint64_t space, unsigned percent, unsigned steps) {
    std::uint64_t low = 0, high = space;
    while (low < high) {
        const std::uint64_t mid = low + (high - low + 1) / 2;
        if (mid + autoextend_steps_extents(mid, percent, steps) <= space)
            low = mid;
        else
            high = mid - 1;
    }
    return low;
}

}  // namespace

Bytes metadata_estimate(Bytes data, Bytes chunk) {
    const std::uint64_t estimate = data.count() / chunk.count() * kMetadataBytesPerChunk;
    return Bytes(std::max(estimate, kMinMetadataSize.count()));
}

std::uint64_t max_metadata_extents(Bytes extent) {
    return kMaxMetadataSize.count() / extent.count();
}

Bytes policy_chunk_size(Bytes data, Bytes smallest) {
    Bytes chunk = smallest;
    while (chunk.count() < kMaxChunkSize.count() &&
           data.count() / chunk.count() * kMetadataBytesPerChunk > kOptimalMetadataEstimate.count())
        chunk = Bytes(chunk.count() * 2);
    return chunk;
}

MetadataCap cap_metadata(std::uint64_t requested, Bytes extent) {
    MetadataCap cap;
    cap.requested = requested;
    cap.extents = std::min(requested, max_metadata_extents(extent));
    cap.capped = cap.extents < requested;
    return cap;
}

std::uint64_t autoextend_steps_extents(std::uint64_t data_extents, unsigned percent,
                                       unsigned steps) {
    std::uint64_t total = 0;
    for (unsigned i = 0; i < steps; ++i) {
        const std::uint64_t step = ceil_div((data_extents + total) * percent, 100);
        total += step;
    }
    return total;
}

Layout recommended_layout(const LayoutRequest& request) {
    const Bytes extent = request.extent_size;
    const Bytes grown(request.available_extents * extent.count());
    Layout layout;
    layout.chunk_size = chunk_for(request, grown);
    layout.reasons.push_back(chunk_reason(request, layout.chunk_size, grown));
    layout.metadata_extents =
        recommended_metadata(request, grown, layout.chunk_size, layout.reasons);
    const unsigned percent = request.autoextend_percent;
    if (request.spare_needed) {
        layout.spare_extents = layout.metadata_extents;
        layout.reasons.push_back(fmt::format(
            "metadata spare {}: LVM keeps a spare as large as the metadata for lvconvert --repair",
            extents_text(layout.spare_extents, extent)));
    }
    if (percent > 0) {
        const std::uint64_t step = ceil_div(layout.metadata_extents * percent, 100);
        layout.metadata_step_extents = request.spare_needed ? 2 * step : step;
        layout.reasons.push_back(fmt::format(
            "kept free for one metadata autoextend step of {}%: {} (the spare grows with it)",
            percent, extents_text(layout.metadata_step_extents, extent)));
        layout.data_steps = kRecommendedDataSteps;
    }
    const std::uint64_t fixed =
        layout.metadata_extents + layout.spare_extents + layout.metadata_step_extents;
    if (fixed >= request.available_extents)
        throw Error(Errc::insufficient_space, "size thin pool", "",
                    fmt::format("the recommended layout needs more than the {} extents available "
                                "for metadata {}, its spare and one metadata step",
                                request.available_extents, layout.metadata_extents));
    const std::uint64_t space = request.available_extents - fixed;
    layout.data_extents = largest_data(space, percent, layout.data_steps);
    layout.data_steps_extents =
        autoextend_steps_extents(layout.data_extents, percent, layout.data_steps);
    layout.free_extents = request.available_extents - layout.data_extents -
                          layout.metadata_extents - layout.spare_extents;
    if (layout.data_steps > 0)
        layout.reasons.push_back(fmt::format(
            "data {}: the rest after keeping {} free for {} data autoextend steps of {}%",
            extents_text(layout.data_extents, extent),
            extents_text(layout.data_steps_extents, extent), layout.data_steps, percent));
    else
        layout.reasons.push_back(
            fmt::format("data {}: the rest (autoextend is off, so no room is kept for it)",
                        extents_text(layout.data_extents, extent)));
    return layout;
}

}  // namespace lvmkit::sizing
