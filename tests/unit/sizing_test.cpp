// The sizing rules (LVM's estimate, limit and chunk policy; the recommended layout) and the
// facade's layouts over a table of disk sizes 4 GiB .. 16 TiB, extent sizes and chunk sizes.
#include <iostream>
#include "catch_compat.hpp"

#include "error_matchers.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/sizing.hpp"
#include "plan_fixtures.hpp"
#include "setup/setup_internal.hpp"

using namespace lvmkit;
using namespace lvmkit::setup;
using namespace lvmkit::setup::internal;
using lvmkit::test::blank_disk;

namespace {

constexpr std::uint64_t kGiB = 1ull << 30;

ThinPoolSpec spec_for(Layout layout) {
    ThinPoolSpec spec;
    spec.devices = {"/dev/sdb"};
    spec.layout = layout;
    return spec;
}

// resolve_sizes() then apply_layout(), as build_plan() does.
ResolvedSizes layout_of(const ThinPoolSpec& spec, const SystemState& state,
                        std::vector<std::string>* decisions = nullptr) {
    std::vector<std::string> lines;
    auto sizes = resolve_sizes(spec, state);
    apply_layout(spec, state, sizes, decisions != nullptr ? *decisions : lines);
    return sizes;
}

// An existing VG of @p extents extents of @p extent, all free, with nothing else in it.
SystemState empty_vg(std::uint64_t extents, Bytes extent) {
    SystemState state;
    state.pool_name = "thinpool";
    lvm::VgReport vg;
    vg.name = "docker";
    vg.extent_size = extent;
    vg.extent_count = extents;
    vg.free_extents = extents;
    state.vg = vg;
    return state;
}

const std::vector<std::uint64_t> kDiskGiB = {4, 16, 64, 500, 1024, 2048, 8192, 16384};

}  // namespace

TEST_CASE("sizing: LVM's metadata estimate is 64 B a chunk, at least 2 MiB", "[sizing]") {
    // The example: 475 GiB of 512 KiB chunks needs ~59 MiB.
    CHECK(sizing::metadata_estimate(Bytes::GiB(475), Bytes::KiB(512)) == Bytes(475ull * 2048 * 64));
    CHECK(sizing::metadata_estimate(Bytes::GiB(1), Bytes::KiB(512)) == Bytes::MiB(2));
    CHECK(sizing::metadata_estimate(Bytes::TiB(16), Bytes::KiB(64)) == Bytes::GiB(16));
}

TEST_CASE("sizing: the metadata limit is lvm2's 15.81 GiB, in whole extents", "[sizing]") {
    CHECK(sizing::kMaxMetadataSize == Bytes(33161216ull * 512));
    CHECK(sizing::max_metadata_extents(Bytes::MiB(4)) == 4048);
    CHECK(sizing::max_metadata_extents(Bytes::MiB(1)) == 16192);
    CHECK(sizing::max_metadata_extents(Bytes::MiB(32)) == 506);
    CHECK(sizing::max_metadata_extents(Bytes::MiB(128)) == 126);  // 126.5 rounds down
    for (const Bytes extent : {Bytes::MiB(1), Bytes::MiB(4), Bytes::MiB(32), Bytes::MiB(128)})
        CHECK_NOTHROW(
            lvm::check_metadata_size(Bytes(sizing::max_metadata_extents(extent) * extent.count())));
    const auto capped = sizing::cap_metadata(5242, Bytes::MiB(4));
    CHECK(capped.capped);
    CHECK(capped.extents == 4048);
    CHECK(capped.requested == 5242);
    CHECK_FALSE(sizing::cap_metadata(4048, Bytes::MiB(4)).capped);
}

TEST_CASE("sizing: LVM's chunk policy doubles the chunk only for pools above 1 TiB", "[sizing]") {
    const Bytes seed = Bytes::KiB(512);
    CHECK(sizing::policy_chunk_size(Bytes::GiB(500), seed) == seed);
    CHECK(sizing::policy_chunk_size(Bytes::TiB(1), seed) == seed);
    CHECK(sizing::policy_chunk_size(Bytes::TiB(2), seed) == Bytes::MiB(1));
    CHECK(sizing::policy_chunk_size(Bytes::TiB(8), seed) == Bytes::MiB(4));
    CHECK(sizing::policy_chunk_size(Bytes::TiB(16), seed) == Bytes::MiB(8));
    // LVM's generic policy starts at 64 KiB and lands on the same chunk for large pools.
    CHECK(sizing::policy_chunk_size(Bytes::TiB(2), Bytes::KiB(64)) == Bytes::MiB(1));
    CHECK(sizing::policy_chunk_size(Bytes::GiB(100), Bytes::KiB(64)) == Bytes::KiB(64));
    // Never beyond dm-thin's 1 GiB.
    CHECK(sizing::policy_chunk_size(Bytes(1ull << 62), seed) == Bytes::GiB(1));
}

TEST_CASE("sizing: autoextend steps grow on the grown pool, rounded up per step", "[sizing]") {
    CHECK(sizing::autoextend_steps_extents(100, 20, 1) == 20);
    CHECK(sizing::autoextend_steps_extents(100, 20, 2) == 44);
    CHECK(sizing::autoextend_steps_extents(101, 20, 1) == 21);
    CHECK(sizing::autoextend_steps_extents(100, 0, 2) == 0);
}

TEST_CASE("sizing: the seed layout is valid on every disk from 4 GiB to 16 TiB", "[sizing]") {
    for (const std::uint64_t gib : kDiskGiB) {
        CAPTURE(gib);
        const auto spec = spec_for(Layout::seed);
        std::vector<std::string> decisions;
        const auto sizes = layout_of(spec, blank_disk(Bytes::GiB(gib)), &decisions);
        const Bytes extent = sizes.extent_size;
        const Bytes metadata(sizes.metadata_extents * extent.count());
        const Bytes data(sizes.data_extents * extent.count());
        CHECK_NOTHROW(lvm::check_metadata_size(metadata));
        CHECK(metadata >= sizing::metadata_estimate(data, sizes.chunk_size));
        CHECK(sizes.data_extents == sizes.vg_extents * 95 / 100);
        CHECK(sizes.data_extents + sizes.metadata_extents + sizes.spare_extents +
                  sizes.free_extents_after ==
              sizes.vg_extents);
        const bool over = sizes.vg_extents / 100 > sizing::max_metadata_extents(extent);
        CHECK(sizes.metadata_capped == over);
        CHECK(sizes.metadata_extents ==
              (over ? sizing::max_metadata_extents(extent) : sizes.vg_extents / 100));
        CHECK(decisions.size() == (over ? 1u : 0u));
        if (over)
            CHECK_THAT(decisions.front(), Catch::Contains("capped at 15.81 GiB (4048 extents)"));
        // What lvcreate gets: the seed's percentage, or the capped extents.
        if (over)
            CHECK(metadata_request(spec, sizes) == SizeSpec(Extents{4048}));
        else
            CHECK(metadata_request(spec, sizes) == spec.metadata_size);
        CHECK(data_request(spec, sizes) == spec.data_size);
    }
}

TEST_CASE("sizing: the 4 GiB seed layout is the manual procedure's, unchanged", "[sizing]") {
    std::vector<std::string> decisions;
    const auto spec = spec_for(Layout::seed);
    const auto sizes = layout_of(spec, blank_disk(Bytes::GiB(4)), &decisions);
    CHECK(sizes.vg_extents == 1023);
    CHECK(sizes.data_extents == 971);
    CHECK(sizes.metadata_extents == 10);
    CHECK(sizes.spare_extents == 10);
    CHECK(sizes.free_extents_after == 32);
    CHECK(sizes.chunk_size == Bytes::KiB(512));
    CHECK_FALSE(sizes.metadata_capped);
    CHECK(decisions.empty());
    CHECK(to_string(data_request(spec, sizes)) == "95%VG");
    CHECK(to_string(metadata_request(spec, sizes)) == "1%VG");
}

TEST_CASE("sizing: an explicit metadata size above the limit is still refused", "[sizing]") {
    auto spec = spec_for(Layout::seed);
    spec.metadata_size = Bytes::GiB(20);
    CHECK_THROWS_MATCHES(check_spec(spec), Error,
                         has_code_and_text(Errc::invalid_argument, "15.81 GiB"));
}

TEST_CASE("sizing: the recommended layout over disks, extent sizes and chunk sizes", "[sizing]") {
    struct Chunk {
        Bytes size;
        bool fixed;
    };
    for (const std::uint64_t gib : kDiskGiB)
        for (const Bytes extent : {Bytes::MiB(4), Bytes::MiB(1), Bytes::MiB(32)})
            for (const Chunk chunk : {Chunk{Bytes::KiB(512), false}, Chunk{Bytes::KiB(64), false},
                                      Chunk{Bytes::KiB(512), true}, Chunk{Bytes::MiB(2), true}}) {
                CAPTURE(gib, extent.count(), chunk.size.count(), chunk.fixed);
                auto spec = spec_for(Layout::recommended);
                spec.chunk_size = chunk.size;
                spec.fixed_chunk_size = chunk.fixed;
                spec.devices.clear();
                spec.use_existing_vg = true;
                const std::uint64_t extents = gib * kGiB / extent.count();
                std::vector<std::string> decisions;
                const auto sizes = layout_of(spec, empty_vg(extents, extent), &decisions);
                const Bytes data(sizes.data_extents * extent.count());
                const Bytes metadata(sizes.metadata_extents * extent.count());
                // Everything fits, and adds up to the VG.
                CHECK(sizes.data_extents + sizes.metadata_extents + sizes.spare_extents +
                          sizes.free_extents_after ==
                      extents);
                CHECK(sizes.spare_extents == sizes.metadata_extents);
                CHECK_NOTHROW(lvm::check_metadata_size(metadata));
                CHECK(data >= Bytes::MiB(64));
                // The chunk: as given, or a doubling of it that keeps LVM's estimate at 128 MiB.
                CHECK(chunk_matches(spec, sizes.chunk_size));
                if (chunk.fixed)
                    CHECK(sizes.chunk_size == chunk.size);
                else
                    CHECK(sizing::metadata_estimate(Bytes(extents * extent.count()),
                                                    sizes.chunk_size) <=
                          sizing::kOptimalMetadataEstimate);
                // Metadata: enough for the data, and for the pool grown by its steps.
                const std::uint64_t grown = sizes.data_extents + sizing::autoextend_steps_extents(
                                                                     sizes.data_extents, 20, 2);
                CHECK(metadata >= sizing::metadata_estimate(data, sizes.chunk_size));
                if (!sizing::cap_metadata(
                         sizing::metadata_estimate(Bytes(grown * extent.count()), sizes.chunk_size)
                                 .count() /
                             extent.count(),
                         extent)
                         .capped)
                    CHECK(metadata >= sizing::metadata_estimate(Bytes(grown * extent.count()),
                                                                sizes.chunk_size));
                if (gib >= 64)
                    CHECK(metadata >= Bytes::GiB(1));
                // Room for two data steps and one metadata step, as the headroom advisor sees it.
                const auto headroom = compute_headroom(sizes, 80, 20);
                CHECK(headroom.data_steps_possible >= 2);
                CHECK(headroom.metadata_step_possible);
                CHECK(sizes.free_extents_after >=
                      sizing::autoextend_steps_extents(sizes.data_extents, 20, 2) +
                          2 * headroom.metadata_step_extents);
                // Every number has its line in the plan.
                CHECK(decisions.size() == 5);
                // lvcreate gets the exact extents.
                CHECK(data_request(spec, sizes) == SizeSpec(Extents{sizes.data_extents}));
                CHECK(metadata_request(spec, sizes) == SizeSpec(Extents{sizes.metadata_extents}));
            }
}

TEST_CASE("sizing: the recommended layout's numbers on a 2 TiB disk", "[sizing]") {
    std::vector<std::string> decisions;
    const auto sizes =
        layout_of(spec_for(Layout::recommended), blank_disk(Bytes::TiB(2)), &decisions);
    CHECK(sizes.chunk_size == Bytes::MiB(1));
    CHECK(sizes.metadata_extents == 256);  // 8 x 128 MiB = 1 GiB
    CHECK(sizes.spare_extents == 256);
    REQUIRE(decisions.size() == 5);
    CHECK_THAT(decisions[0], Catch::Contains("chunk 1 MiB"));
    CHECK_THAT(decisions[1], Catch::Contains("metadata 1 GiB (256 extents): 8x LVM's estimate"));
    CHECK_THAT(decisions[4], Catch::Contains("2 data autoextend steps of 20%"));
}

TEST_CASE("sizing: the recommended layout keeps no room when autoextend is off", "[sizing]") {
    auto spec = spec_for(Layout::recommended);
    spec.autoextend_threshold = 100;
    std::vector<std::string> decisions;
    const auto sizes = layout_of(spec, blank_disk(Bytes::GiB(500)), &decisions);
    CHECK(sizes.free_extents_after == 0);
    CHECK_THAT(decisions.back(), Catch::Contains("autoextend is off"));
}

TEST_CASE("sizing: the recommended layout takes only the free space of an existing VG",
          "[sizing]") {
    auto spec = spec_for(Layout::recommended);
    spec.devices.clear();
    spec.use_existing_vg = true;
    auto state = empty_vg(25600, Bytes::MiB(4));  // 100 GiB, half of it used by another LV
    state.vg->free_extents = 12800;
    const auto sizes = layout_of(spec, state);
    CHECK(sizes.data_extents + sizes.metadata_extents + sizes.spare_extents +
              sizes.free_extents_after ==
          12800);
}

TEST_CASE("sizing: a disk too small for the recommended layout is refused", "[sizing]") {
    auto spec = spec_for(Layout::recommended);
    CHECK_THROWS_MATCHES(layout_of(spec, blank_disk(Bytes::MiB(12))), Error,
                         has_code_and_text(Errc::insufficient_space, "recommended layout"));
}

TEST_CASE("sizing: an existing pool's chunk is checked against the layout", "[sizing]") {
    auto spec = spec_for(Layout::seed);
    CHECK(chunk_matches(spec, Bytes::KiB(512)));
    CHECK_FALSE(chunk_matches(spec, Bytes::MiB(1)));
    spec.layout = Layout::recommended;
    CHECK(chunk_matches(spec, Bytes::MiB(1)));
    CHECK(chunk_matches(spec, Bytes::MiB(8)));
    CHECK_FALSE(chunk_matches(spec, Bytes::KiB(256)));
    CHECK_FALSE(chunk_matches(spec, Bytes::KiB(1536)));
    spec.fixed_chunk_size = true;
    CHECK_FALSE(chunk_matches(spec, Bytes::MiB(1)));
}

// Not run by default: prints the sizing table of the closing note (`"[.table]"`).
TEST_CASE("sizing: table of layouts", "[.table]") {
    std::cout
        << "| disk | layout | chunk | data | metadata | spare | free | data steps | meta step "
           "| capped |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const std::uint64_t gib : kDiskGiB)
        for (const Layout layout : {Layout::seed, Layout::recommended}) {
            const auto sizes = layout_of(spec_for(layout), blank_disk(Bytes::GiB(gib)));
            const auto headroom = compute_headroom(sizes, 80, 20);
            const std::uint64_t e = sizes.extent_size.count();
            std::cout << "| " << format_human(Bytes::GiB(gib)) << " | " << to_string(layout)
                      << " | " << format_human(sizes.chunk_size) << " | "
                      << format_human(Bytes(sizes.data_extents * e)) << " | "
                      << format_human(Bytes(sizes.metadata_extents * e)) << " | "
                      << format_human(Bytes(sizes.spare_extents * e)) << " | "
                      << format_human(Bytes(sizes.free_extents_after * e)) << " | "
                      << headroom.data_steps_possible << " | "
                      << (headroom.metadata_step_possible ? "yes" : "no") << " | "
                      << (sizes.metadata_capped ? "yes" : "no") << " |\n";
        }
}

TEST_CASE("status advice: each state that needs an administrator gets a meaning and a command",
          "[sizing]") {
    ThinPoolSpec spec;
    PoolStatus status;
    status.exists = true;
    status.monitored = true;
    status.data_total = Bytes::GiB(10);
    status.metadata_total = Bytes::MiB(100);
    status.autoextend_percent = 20;
    status.vg_free = Bytes::GiB(1);
    auto only = [&](const std::string& mode) {
        status.mode = mode;
        const auto advice = advice_for(spec, status);
        REQUIRE(advice.size() == 1);
        CHECK_FALSE(advice.front().meaning.empty());
        return advice.front();
    };
    CHECK(advice_for(spec, (status.mode = "rw", status)).empty());
    // The VG can not hold one 2 GiB step: add a disk, through lvmkit's probe, not a raw vgextend.
    CHECK_THAT(only("out_of_data_space").command,
               Catch::StartsWith("lvmkit-docker grow --vg docker --pool thinpool --device "
                                 "/dev/NEW-DISK"));
    CHECK(only("out_of_data_space").command.find("vgextend") == std::string::npos);
    spec.layout = Layout::recommended;
    CHECK_THAT(only("out_of_data_space").command, Catch::Contains("--layout recommended"));
    spec.layout = Layout::seed;
    status.vg_free = Bytes::GiB(3);
    CHECK(only("out_of_data_space").command == "lvextend -L +2g docker/thinpool");
    CHECK_THAT(only("ro").command, Catch::Contains("lvconvert --repair docker/thinpool"));
    status.metadata_percent = 100;
    CHECK_THAT(only("ro").command,
               Catch::StartsWith("lvextend --poolmetadatasize +20m docker/thinpool; then"));
    CHECK(only("needs_check").problem == "needs_check");
    CHECK_THAT(only("needs_check").command, Catch::Contains("lvconvert --repair"));
    CHECK_THAT(only("fail").command, Catch::StartsWith("check the PVs"));
    status.mode = "rw";
    status.monitored = false;
    status.dmeventd_missing = true;
    auto advice = advice_for(spec, status);
    REQUIRE(advice.size() == 1);
    CHECK(advice.front().problem == "not_monitored");
    CHECK_THAT(advice.front().command, Catch::StartsWith("systemctl start dm-event.socket"));
    spec.monitor = false;  // not monitored on purpose: nothing to fix
    CHECK(advice_for(spec, status).empty());
}
