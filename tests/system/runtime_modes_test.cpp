// The runtime modes of the setup facade under a real kernel: Docker >= 25 on containerd's
// devmapper snapshotter writes daemon.json and the system containerd's config.toml; status and
// verify check both and name the one that disagrees; teardown takes out what setup added; the
// mode follows the Docker version; a version-1 containerd config is refused before any write.
// (The real daemons on these pools: tests/runtimes.)
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/setup.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;

setup::ThinPoolSpec spec_in(const LoopDevice& disk, const ScratchDir& root) {
    setup::ThinPoolSpec spec;
    spec.devices = {disk.path()};
    spec.vg = VgName("rtmodes");
    spec.target_root = root.path();
    return spec;
}

void write_file(const std::string& path, const std::string& text) {
    REQUIRE(run_command({"mkdir", "-p", path.substr(0, path.rfind('/'))}).exit_code == 0);
    std::ofstream(path) << text;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("setup: Docker 25 and later on containerd's devmapper snapshotter",
          "[system][setup][runtime-modes]") {
    LoopDevice disk(kDisk, "rtmodes-snap");
    ScratchDir root;
    auto spec = spec_in(disk, root);
    spec.docker_storage = setup::DockerStorage::snapshotter;
    const std::string daemon_json = root.path() + spec.daemon_json;
    const std::string config_toml = root.path() + spec.containerd_config;
    const std::string docker_shipped =
        "#   Copyright 2018-2022 Docker Inc.\n\n"
        "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n";
    write_file(daemon_json, "{\"log-level\": \"warn\"}\n");
    write_file(config_toml, docker_shipped);

    const auto plan = setup::plan(spec);
    INFO(plan.to_text());
    CHECK(any_contains(plan.decisions, "Docker storage: snapshotter mode"));
    CHECK(any_contains(plan.decisions, "add version = 2"));
    setup::apply(spec);
    CHECK(setup::verify(spec).empty());
    const std::string json = read_text(daemon_json);
    CHECK(json.find("\"storage-driver\": \"devmapper\"") != std::string::npos);
    CHECK(json.find("\"containerd-snapshotter\": true") != std::string::npos);
    CHECK(json.find("\"log-level\": \"warn\"") != std::string::npos);
    CHECK(json.find("dm.") == std::string::npos);
    const std::string toml = read_text(config_toml);
    CHECK(toml.rfind("version = 2\n", 0) == 0);
    CHECK(toml.find("pool_name = \"rtmodes-thinpool\"") != std::string::npos);
    auto status = setup::status(spec);
    CHECK(status.config_agrees);
    CHECK(status.config_agreement.size() == 2);

    SECTION("status and verify name the file that disagrees") {
        write_file(config_toml, docker_shipped);  // the devmapper section gone
        status = setup::status(spec);
        CHECK_FALSE(status.config_agrees);
        REQUIRE(status.config_agreement.size() == 2);
        CHECK(any_contains(status.config_agreement, "config.toml: does not point at this pool"));
        CHECK(any_contains(status.config_agreement, "daemon.json: points at this pool"));
        const auto differences = setup::verify(spec);
        REQUIRE(differences.size() == 1);
        CHECK(differences[0].find("config.toml") != std::string::npos);
        setup::apply(spec);  // puts it back
        CHECK(setup::status(spec).config_agrees);
    }
    CHECK(setup::apply(spec).nothing_to_do);
    setup::teardown(spec);
    CHECK(read_text(daemon_json) == "{\n  \"log-level\": \"warn\"\n}\n");
    const std::string after = read_text(config_toml);
    CHECK(after.find("devmapper") == std::string::npos);
    CHECK(after.find("disabled_plugins") != std::string::npos);
    CHECK(device_is_blank(disk.path()));
}

TEST_CASE("setup: the Docker storage mode follows the Docker version",
          "[system][setup][runtime-modes]") {
    LoopDevice disk(kDisk, "rtmodes-auto");
    ScratchDir root;
    auto spec = spec_in(disk, root);
    spec.docker_version = "26.1.5";
    auto plan = setup::plan(spec);
    CHECK(any_contains(plan.decisions, "snapshotter mode"));
    CHECK(any_contains(plan.decisions, "26.1.5"));
    CHECK(plan.steps[plan.steps.size() - 1].description.find("config.toml") != std::string::npos);
    spec.docker_version = "20.10.24";
    plan = setup::plan(spec);
    CHECK(any_contains(plan.decisions, "devicemapper graph driver"));
    CHECK(plan.steps.back().description.find("config.toml") == std::string::npos);
    spec.docker_version.reset();  // nothing in the scratch root: the seed's configuration
    plan = setup::plan(spec);
    CHECK(any_contains(plan.decisions, "devicemapper graph driver"));
    CHECK(any_contains(plan.decisions, "no Docker was found"));
    // No dockerd answers, but daemon.json is in the snapshotter mode: status and teardown keep it.
    write_file(root.path() + spec.daemon_json,
               "{\"storage-driver\": \"devmapper\", \"features\": {\"containerd-snapshotter\": "
               "true}}\n");
    plan = setup::plan(spec);
    CHECK(any_contains(plan.decisions, "snapshotter mode"));
    CHECK(any_contains(plan.decisions, "already uses it"));
}

TEST_CASE("setup: a version 1 containerd config is refused before anything is written",
          "[system][setup][runtime-modes]") {
    LoopDevice disk(kDisk, "rtmodes-v1");
    ScratchDir root;
    auto spec = spec_in(disk, root);
    spec.consumer = setup::Consumer::containerd;
    const std::string config_toml = root.path() + spec.containerd_config;
    const std::string v1 = "[plugins.cri]\n  sandbox_image = \"pause:3.1\"\n";
    write_file(config_toml, v1);
    try {
        setup::apply(spec);
        FAIL("a version 1 config.toml was accepted");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::unsupported);
        CHECK(std::string(e.what()).find("containerd config migrate") != std::string::npos);
    }
    CHECK(read_text(config_toml) == v1);
    CHECK(device_is_blank(disk.path()));
}
