// The facade's pure parts: spec validation, extent arithmetic, size resolution and the autoextend
// headroom advisor, checked against the numbers LVM produces for the seed layout.
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "plan_fixtures.hpp"
#include "setup/setup_internal.hpp"

using namespace lvmkit;
using namespace lvmkit::setup;
using namespace lvmkit::setup::internal;
using lvmkit::test::blank_disk;

namespace {

ThinPoolSpec seed_spec() {
    ThinPoolSpec spec;
    spec.devices = {"/dev/sdb"};
    return spec;
}

std::string refusal(const ThinPoolSpec& spec) {
    try {
        validate_spec(spec);
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::invalid_argument);
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("setup: the seed layout on a 1 GiB disk resolves as LVM does", "[setup]") {
    // 1 GiB minus the 1 MiB data offset is 255 extents of 4 MiB; LVM gave 242 + 2 (+2 spare).
    const auto sizes = resolve_sizes(seed_spec(), blank_disk(Bytes::GiB(1)));
    CHECK(sizes.extent_size == Bytes::MiB(4));
    CHECK(sizes.vg_extents == 255);
    CHECK(sizes.data_extents == 242);
    CHECK(sizes.metadata_extents == 2);
    CHECK(sizes.spare_extents == 2);
    CHECK(sizes.free_extents_after == 9);
}

TEST_CASE("setup: the headroom advisor sees the seed's layout can not autoextend data", "[setup]") {
    const auto sizes = resolve_sizes(seed_spec(), blank_disk(Bytes::GiB(100)));
    const auto headroom = compute_headroom(sizes, 80, 20);
    CHECK(headroom.autoextend_enabled);
    // 95% data: one 20% step needs 19% of the VG; only ~3% stays free.
    CHECK(headroom.data_steps_possible == 0);
    CHECK(headroom.metadata_step_possible);
    CHECK(headroom.data_step_extents == (sizes.data_extents * 20 + 99) / 100);
}

TEST_CASE("setup: headroom counts growing steps until the VG is full", "[setup]") {
    ResolvedSizes sizes;
    sizes.extent_size = Bytes::MiB(4);
    sizes.data_extents = 100;
    sizes.metadata_extents = 10;
    sizes.free_extents_after = 100;
    const auto headroom = compute_headroom(sizes, 80, 20);
    // Steps of 20, 24, 29 fit in 100 (73 used); the next, 35, does not.
    CHECK(headroom.data_steps_possible == 3);
    CHECK(headroom.metadata_step_extents == 2);
    CHECK_FALSE(compute_headroom(sizes, 100, 20).autoextend_enabled);
    CHECK(compute_headroom(sizes, 100, 20).data_steps_possible == 0);
}

TEST_CASE("setup: extents_of rounds percentages down and bytes up", "[setup]") {
    const Bytes extent = Bytes::MiB(4);
    CHECK(extents_of(Percent{95, PercentOf::VG}, extent, {255, 255, 255}) == 242);
    CHECK(extents_of(Percent{1, PercentOf::VG}, extent, {99, 99, 99}) == 0);
    CHECK(extents_of(Percent{50, PercentOf::FREE}, extent, {1000, 300, 200}) == 150);
    CHECK(extents_of(Percent{50, PercentOf::PVS}, extent, {1000, 300, 201}) == 100);
    CHECK(extents_of(Bytes::MiB(9), extent, {}) == 3);
    CHECK(extents_of(Extents{7}, extent, {}) == 7);
}

TEST_CASE("setup: %PVS is a percentage of the free space on the devices, not of the VG",
          "[setup]") {
    // An existing VG `docker`: 1000 extents on another PV, 600 of them used by another LV. The
    // spec adds a new 1 GiB device (255 extents of 4 MiB) and names only that one.
    SystemState state = blank_disk(Bytes::GiB(1));
    lvm::VgReport vg;
    vg.name = "docker";
    vg.extent_size = Bytes::MiB(4);
    vg.extent_count = 1000;
    vg.free_extents = 400;
    state.vg = vg;
    auto spec = seed_spec();
    spec.use_existing_vg = true;
    spec.metadata_size = Bytes::MiB(8);

    spec.data_size = Percent{90, PercentOf::VG};
    const auto of_vg = resolve_sizes(spec, state);
    CHECK(of_vg.vg_extents == 1255);
    CHECK(of_vg.data_extents == 1129);  // 90% of 1255: more than the VG has free
    spec.data_size = Percent{90, PercentOf::FREE};
    CHECK(resolve_sizes(spec, state).data_extents == 589);  // 90% of 400 + 255
    spec.data_size = Percent{90, PercentOf::PVS};
    const auto of_pvs = resolve_sizes(spec, state);
    CHECK(of_pvs.data_extents == 229);  // 90% of the new device's 255 extents
    CHECK(of_pvs.metadata_extents == 2);
    CHECK(of_pvs.free_extents_after == 655 - 229 - 2 - 2);

    // A device already in the VG counts with what LVM reports free on it.
    state.devices.front().is_pv = true;
    state.devices.front().vg = "docker";
    state.devices.front().pv_free = Bytes::MiB(4 * 100);
    state.vg->extent_count = 1255;
    state.vg->free_extents = 655;
    CHECK(resolve_sizes(spec, state).data_extents == 90);  // 90% of its 100 free extents

    // Metadata of %PVS after data of %PVS: of what the data left on the devices.
    spec.data_size = Percent{50, PercentOf::PVS};
    spec.metadata_size = Percent{10, PercentOf::PVS};
    const auto both = resolve_sizes(spec, state);
    CHECK(both.data_extents == 50);
    CHECK(both.metadata_extents == 5);

    // On a new VG made of the spec's devices alone, %PVS is the VG's free space (= %VG here).
    spec = seed_spec();
    spec.data_size = Percent{95, PercentOf::PVS};
    CHECK(resolve_sizes(spec, blank_disk(Bytes::GiB(1))).data_extents == 242);
}

TEST_CASE("setup: %PVS needs devices to be a percentage of", "[setup]") {
    auto spec = seed_spec();
    spec.data_size = Percent{90, PercentOf::PVS};
    CHECK(refusal(spec) == "accepted");
    spec.devices.clear();
    spec.use_existing_vg = true;
    CHECK(refusal(spec).find("%PVS is a percentage of the free space on the devices given") !=
          std::string::npos);
    spec.data_size = Percent{90, PercentOf::FREE};
    spec.metadata_size = Percent{1, PercentOf::PVS};
    CHECK(refusal(spec).find("metadata size 1%PVS") != std::string::npos);
}

TEST_CASE("setup: spec validation names the problem", "[setup]") {
    auto spec = seed_spec();
    CHECK(refusal(spec) == "accepted");

    spec.devices.clear();
    CHECK(refusal(spec).find("name at least one device") != std::string::npos);
    spec.devices = {"sdb"};
    CHECK(refusal(spec).find("absolute path") != std::string::npos);
    spec.devices = {"/dev/sdb", "/dev/sdb"};
    CHECK(refusal(spec).find("named twice") != std::string::npos);

    spec = seed_spec();
    spec.data_size = Percent{95, PercentOf::VG};
    spec.metadata_size = Percent{6, PercentOf::VG};
    CHECK(refusal(spec).find("exceed 100%") != std::string::npos);

    spec = seed_spec();
    spec.chunk_size = Bytes::KiB(100);
    CHECK(refusal(spec).find("64 KiB") != std::string::npos);
    spec.chunk_size = Bytes::KiB(32);
    CHECK(refusal(spec) != "accepted");
    spec.chunk_size = Bytes::GiB(2);
    CHECK(refusal(spec) != "accepted");

    spec = seed_spec();
    spec.autoextend_threshold = 49;
    CHECK(refusal(spec) != "accepted");
    spec.autoextend_threshold = 101;
    CHECK(refusal(spec) != "accepted");

    spec = seed_spec();
    spec.profile_name = "bad name";
    CHECK(refusal(spec) != "accepted");

    spec = seed_spec();
    spec.target_root = "/mnt/sysimage/../../etc";
    CHECK(refusal(spec).find("'..'") != std::string::npos);
    spec.target_root = "/mnt/..sysimage/x..";  // names that merely contain dots are fine
    CHECK(refusal(spec) == "accepted");

    spec = seed_spec();
    spec.daemon_json = "etc/docker/daemon.json";
    CHECK(refusal(spec).find("absolute path") != std::string::npos);

    // `<pool>meta` must itself be a valid LV name: 124 + "meta" is 128 characters.
    spec = seed_spec();
    spec.pool = LvName(std::string(124, 'p'));
    CHECK(refusal(spec).find("at most 127") != std::string::npos);
}

TEST_CASE("setup: the plan prints its steps and says when there is nothing to do", "[setup]") {
    Plan plan;
    plan.steps.push_back({StepKind::probe, "Check /dev/sdb", false});
    plan.steps.push_back({StepKind::create_pv, "Create PV label on /dev/sdb", true});
    CHECK(plan.nothing_to_do());
    CHECK(plan.to_text().find("Nothing to do") != std::string::npos);
    plan.steps.push_back({StepKind::create_vg, "Create VG docker", false});
    CHECK_FALSE(plan.nothing_to_do());
    const std::string text = plan.to_text();
    CHECK(text.find("  2. [done] Create PV label on /dev/sdb") != std::string::npos);
    CHECK(text.find("  3. [ do ] Create VG docker") != std::string::npos);
    const std::string json = plan.to_json();
    CHECK(json.find("\"step\": \"create_vg\"") != std::string::npos);
    CHECK(json.find("\"nothing_to_do\": false") != std::string::npos);
}

TEST_CASE("setup: teardown's steps have kinds of their own", "[setup]") {
    const auto steps = teardown_steps(seed_spec());
    std::vector<std::string> names;
    for (const auto& step : steps) {
        names.emplace_back(to_string(step.kind));
        CHECK(is_teardown_step(step.kind));
        CHECK_FALSE(step.done);
    }
    CHECK(names == std::vector<std::string>{"remove_pool", "remove_vg", "remove_pv_labels",
                                            "remove_profile", "remove_daemon_config"});
    REQUIRE(steps.size() == 5);
    CHECK(steps[0].description == "Remove thin pool docker/thinpool");
    CHECK(steps[1].description == "Remove VG docker");
    CHECK(steps[3].description == "Remove profile docker-thinpool");
}

TEST_CASE("setup: every step kind is listed once with a stable name", "[setup]") {
    std::vector<std::string> names;
    for (const auto kind : all_step_kinds)
        names.emplace_back(to_string(kind));
    // Names are an interface (plan --json, progress, LVMKIT_DOCKER_PAUSE_AFTER_STEP): append only.
    CHECK(names == std::vector<std::string>{"probe",
                                            "wipe",
                                            "create_pv",
                                            "create_vg",
                                            "create_data_lv",
                                            "create_metadata_lv",
                                            "convert_to_pool",
                                            "write_profile",
                                            "attach_profile",
                                            "enable_monitoring",
                                            "write_daemon_config",
                                            "backup_graph_dir",
                                            "remove_pool",
                                            "remove_vg",
                                            "remove_pv_labels",
                                            "remove_profile",
                                            "remove_daemon_config",
                                            "grow_metadata",
                                            "grow_data",
                                            "record_devices_file",
                                            "reserve_snapshotter_ids"});
    for (const auto kind : all_step_kinds)
        CHECK(is_teardown_step(kind) == (std::string(to_string(kind)).rfind("remove_", 0) == 0));
}
