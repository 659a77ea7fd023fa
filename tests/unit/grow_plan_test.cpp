// build_grow_plan(): the sizes a grow reaches from a read state, without a disk: the seed's
// proportion on the grown VG, the recommended layout's room, never smaller, and a new disk's
// steps.
#include <string>
#include <vector>

#include "catch_compat.hpp"
#include "lvmkit/error.hpp"
#include "setup/grow_internal.hpp"

using namespace lvmkit;
using namespace lvmkit::setup;
using namespace lvmkit::setup::internal;

namespace {

constexpr std::uint64_t kExtent = 4ull << 20;

lvm::LvReport lv(const std::string& name, std::uint64_t extents, const std::string& type) {
    lvm::LvReport report;
    report.name = name;
    report.vg = "docker";
    report.full_name = "docker/" + name;
    report.size = Bytes(extents * kExtent);
    report.segment_type = type;
    if (type == "thin-pool") {
        report.chunk_size = Bytes::KiB(512);
        report.zeroing = false;
        report.when_full = "queue";
        report.profile = "docker-thinpool";
    }
    return report;
}

// A seed pool on one 1 GiB disk (255 extents: data 242, metadata 2, spare 2), and a new blank
// 1 GiB disk /dev/sdc.
SystemState seed_pool_and_new_disk() {
    SystemState state;
    state.pool_name = "thinpool";
    lvm::VgReport vg;
    vg.name = "docker";
    vg.extent_size = Bytes(kExtent);
    vg.extent_count = 255;
    vg.free_extents = 255 - 242 - 2 - 2;
    state.vg = vg;
    state.lvs = {lv("thinpool", 242, "thin-pool"), lv("thinpool_tdata", 242, "linear"),
                 lv("thinpool_tmeta", 2, "linear"), lv("lvol0_pmspare", 2, "linear")};
    DeviceState old_disk;
    old_disk.path = "/dev/sdb";
    old_disk.is_pv = true;
    old_disk.vg = "docker";
    DeviceState new_disk;
    new_disk.path = "/dev/sdc";
    new_disk.size = Bytes::GiB(1);
    state.devices = {old_disk, new_disk};
    return state;
}

std::vector<std::string> to_do(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& step : plan.steps)
        if (!step.done && step.kind != StepKind::probe)
            out.emplace_back(to_string(step.kind));
    return out;
}

}  // namespace

TEST_CASE("grow plan: a new disk under a seed pool keeps 95%VG / 1%VG", "[grow]") {
    ThinPoolSpec spec;
    spec.use_existing_vg = true;
    GrowSizes sizes;
    const Plan plan = build_grow_plan(spec, seed_pool_and_new_disk(), sizes);
    INFO(plan.to_text());
    CHECK(to_do(plan) ==
          std::vector<std::string>{"create_pv", "create_vg", "grow_metadata", "grow_data"});
    CHECK(sizes.vg_before == Bytes(255 * kExtent));
    CHECK(sizes.vg_after == Bytes(510 * kExtent));  // (1 GiB - 1 MiB) / 4 MiB = 255
    CHECK(sizes.data_before == Bytes(242 * kExtent));
    CHECK(sizes.data_after == Bytes(510 * 95 / 100 * kExtent));
    CHECK(sizes.metadata_after == Bytes(510 / 100 * kExtent));
    CHECK(sizes.spare_after == sizes.metadata_after);  // LVM grows the spare along
    CHECK(plan.steps[2].description ==
          "Add /dev/sdc to VG docker (1020 MiB -> 1.99 GiB, +255 "
          "extents of 4 MiB)");
    // The seed keeps no room for a data step after the grow either: the plan warns.
    CHECK_FALSE(plan.warnings.empty());
}

TEST_CASE("grow plan: the recommended layout keeps autoextend room; never smaller", "[grow]") {
    ThinPoolSpec spec;
    spec.use_existing_vg = true;
    spec.layout = Layout::recommended;
    GrowSizes sizes;
    const Plan plan = build_grow_plan(spec, seed_pool_and_new_disk(), sizes);
    INFO(plan.to_text());
    CHECK(sizes.data_after.count() >= sizes.data_before.count());
    CHECK(sizes.metadata_after.count() >= sizes.metadata_before.count());
    CHECK(plan.headroom.data_steps_possible >= 1);
}

TEST_CASE("grow plan: no new disk and no free space beyond the layout: nothing to do", "[grow]") {
    ThinPoolSpec spec;
    spec.use_existing_vg = true;
    auto state = seed_pool_and_new_disk();
    state.devices.pop_back();
    GrowSizes sizes;
    const Plan plan = build_grow_plan(spec, state, sizes);
    INFO(plan.to_text());
    CHECK(plan.nothing_to_do());
    CHECK(sizes.data_after == sizes.data_before);
}

TEST_CASE("grow plan: no pool to grow is refused, naming setup", "[grow]") {
    ThinPoolSpec spec;
    spec.use_existing_vg = true;
    auto state = seed_pool_and_new_disk();
    state.lvs.clear();
    GrowSizes sizes;
    try {
        build_grow_plan(spec, state, sizes);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::not_found);
        CHECK(std::string(e.what()).find("set it up first") != std::string::npos);
    }
}
