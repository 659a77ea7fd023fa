#include "lvmkit/docker_config.hpp"

#include <algorithm>
#include <string>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "unit/error_matchers.hpp"

using lvmkit::DeferredDeletion;
using lvmkit::DockerSupport;
using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::LvName;
using lvmkit::OnConflict;
using lvmkit::VgName;

namespace {

lvmkit::DockerDevicemapperConfig seed_config(bool deferred_deletion = true) {
    return lvmkit::docker_devicemapper_config(VgName("docker"), LvName("thinpool"),
                                              {deferred_deletion, "test"});
}

const std::string kSeedOutput = R"({
  "storage-driver": "devicemapper",
  "storage-opts": [
    "dm.thinpooldev=/dev/mapper/docker-thinpool",
    "dm.use_deferred_removal=true",
    "dm.use_deferred_deletion=true"
  ]
}
)";

}  // namespace

TEST_CASE("Kernel versions decide dm.use_deferred_deletion", "[config][docker]") {
    struct Case {
        const char* release;
        bool enabled;
        const char* reason_part;
    };
    const Case cases[] = {
        {"3.10.0-1160.el7.x86_64", false,
         "kernel 3.10.0-1160.el7.x86_64 (3.10.0) is older than 3.18"},
        {"3.17.99", false, "older than 3.18"},
        {"3.18.0", true, "3.18.0 is 3.18 or later"},
        {"3.18", true, "is 3.18 or later"},
        {"4.0.0", true, "is 3.18 or later"},
        {"6.1.0-57-amd64", true, "kernel 6.1.0-57-amd64 is 3.18 or later"},
        {"garbage", false, "'garbage' is not a version lvmkit understands"},
        {"", false, "is not a version"},
        {"3", false, "is not a version"},
        {"99999999999.1", false, "is not a version"},
    };
    for (const auto& c : cases) {
        INFO(c.release);
        const auto decision = lvmkit::decide_deferred_deletion(c.release);
        CHECK(decision.deferred_deletion == c.enabled);
        CHECK_THAT(decision.reason, Catch::Contains(c.reason_part));
    }
    SECTION("overrides for backported distribution kernels") {
        const auto on =
            lvmkit::decide_deferred_deletion("3.10.0-1160.el7.x86_64", DeferredDeletion::enable);
        CHECK(on.deferred_deletion);
        CHECK_THAT(on.reason, Catch::Contains("backport"));
        const auto off = lvmkit::decide_deferred_deletion("6.1.0", DeferredDeletion::disable);
        CHECK_FALSE(off.deferred_deletion);
        CHECK_THAT(off.reason, Catch::Contains("the caller asked"));
    }
    SECTION("parse_kernel_version") {
        const auto v = lvmkit::parse_kernel_version("3.10.0-1160.el7.x86_64");
        CHECK(v == lvmkit::KernelVersion{3, 10, 0});
        CHECK(lvmkit::parse_kernel_version("6.1.0-57-amd64") == lvmkit::KernelVersion{6, 1, 0});
        CHECK_THROWS_MATCHES(lvmkit::parse_kernel_version("garbage"), Error,
                             has_code_and_text(Errc::parse_error, "garbage"));
        CHECK_NOTHROW(lvmkit::parse_kernel_version(lvmkit::running_kernel_release()));
    }
}

TEST_CASE("Docker versions get a warning about devicemapper's deprecation", "[config][docker]") {
    struct Case {
        std::optional<std::string_view> version;
        DockerSupport support;
        const char* part;
    };
    const Case cases[] = {
        {std::nullopt, DockerSupport::unknown,
         "deprecated the devicemapper storage driver in 18.09 and removed it in 25.0"},
        {"1.13.1", DockerSupport::supported, "supports"},
        {"17.03.2-ce", DockerSupport::supported, "supports"},
        {"18.06.3-ce", DockerSupport::supported, "supports"},
        {"18.09.0", DockerSupport::deprecated, "deprecated since 18.09"},
        {"20.10.24+dfsg1", DockerSupport::deprecated, "containerd"},
        {"24.0.7", DockerSupport::deprecated, "removed in 25.0"},
        {"25.0.0", DockerSupport::removed, "will not start"},
        {"v26.1.4", DockerSupport::removed, "containerd's devmapper snapshotter"},
        {"28", DockerSupport::removed, "will not start"},
        {"v28", DockerSupport::removed, "will not start"},
        {"28.5", DockerSupport::removed, "will not start"},
        {"26", DockerSupport::removed, "will not start"},
        {"Docker version 28.5.2, build 8f5b9b0", DockerSupport::removed, "will not start"},
        {"24", DockerSupport::deprecated, "removed in 25.0"},
        {"latest", DockerSupport::unknown, "'latest' not understood (give it as 28, v28"},
        {"banana", DockerSupport::unknown, "'banana' not understood"},
    };
    for (const auto& c : cases) {
        INFO(c.version.value_or("(none)"));
        const auto advice = lvmkit::check_docker_version(c.version);
        CHECK(advice.support == c.support);
        CHECK_THAT(advice.message, Catch::Contains(c.part));
    }
}

TEST_CASE("storage-opts for a pool, with LVM's dm name mangling", "[config][docker]") {
    const auto config = lvmkit::docker_devicemapper_config(
        VgName("my-vg"), LvName("thin-pool"), {false, "old kernel"}, {{"dm.basesize", "20G"}});
    CHECK(config.thinpool_device == "/dev/mapper/my--vg-thin--pool");
    CHECK(lvmkit::storage_opts(config) ==
          std::vector<std::string>{"dm.thinpooldev=/dev/mapper/my--vg-thin--pool",
                                   "dm.use_deferred_removal=true", "dm.basesize=20G"});
    CHECK(lvmkit::storage_opts(seed_config()) ==
          std::vector<std::string>{"dm.thinpooldev=/dev/mapper/docker-thinpool",
                                   "dm.use_deferred_removal=true",
                                   "dm.use_deferred_deletion=true"});
}

TEST_CASE("Pass-through options are checked against Docker's devicemapper driver",
          "[config][docker]") {
    for (auto [name, value] : std::vector<std::pair<const char*, const char*>>{
             {"dm.basesize", "20G"},
             {"dm.basesize", "10GiB"},
             {"dm.basesize", "512 MB"},
             {"dm.fs", "xfs"},
             {"dm.fs", "ext4"},
             {"dm.mkfsarg", "-O ^has_journal"},
             {"dm.mountopt", "nodiscard"},
             {"dm.blkdiscard", "false"},
             {"dm.blocksize", "512K"},
             {"dm.min_free_space", "10%"},
             {"dm.xfs_nospace_max_retries", "0"},
             {"dm.libdm_log_level", "7"},
             {"dm.override_udev_sync_check", "True"}}) {
        INFO(name << "=" << value);
        CHECK_NOTHROW(lvmkit::validate_docker_dm_option(name, value));
    }
    struct Bad {
        const char* name;
        const char* value;
        const char* part;
    };
    for (const auto& bad :
         std::vector<Bad>{{"dm.thinpooldev", "/dev/mapper/x", "lvmkit sets this option itself"},
                          {"dm.use_deferred_deletion", "true", "lvmkit sets"},
                          {"dm.loopdatasize", "10G", "loop or raw-device mode"},
                          {"dm.datadev", "/dev/sdc", "loop or raw-device mode"},
                          {"dm.directlvm_device", "/dev/sdc", "direct-lvm"},
                          {"dm.thinp_percent", "95", "direct-lvm"},
                          {"dm.nosuch", "1", "is not an option of Docker's devicemapper driver"},
                          {"dm.BaseSize", "20G", "names are lowercase"},
                          {"overlay2.size", "20G", "not an option"},
                          {"dm.basesize", "twenty", "is not a size"},
                          {"dm.basesize", "20KB/s", "is not a size"},
                          {"dm.fs", "btrfs", "not ext4 or xfs"},
                          {"dm.blkdiscard", "yes", "not true or false"},
                          {"dm.min_free_space", "10", "percentage"},
                          {"dm.min_free_space", "100%", "percentage"},
                          {"dm.xfs_nospace_max_retries", "-1", "whole number"},
                          {"dm.libdm_log_level", "8", "2..7"},
                          {"dm.mountopt", "", "empty"},
                          {"dm.mkfsarg", "a\nb", "line break"}}) {
        INFO(bad.name << "=" << bad.value);
        CHECK_THROWS_MATCHES(lvmkit::validate_docker_dm_option(bad.name, bad.value), Error,
                             has_code_and_text(Errc::invalid_argument, bad.part));
    }
    CHECK_THROWS_AS(lvmkit::docker_devicemapper_config(VgName("docker"), LvName("thinpool"),
                                                       {true, ""}, {{"dm.fs", "zfs"}}),
                    Error);
}

TEST_CASE("daemon.json merge: inputs and expected outputs", "[config][docker]") {
    const auto config = seed_config();
    struct Case {
        const char* label;
        std::optional<std::string> input;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"missing file", std::nullopt, kSeedOutput},
        {"empty file", std::string(""), kSeedOutput},
        {"whitespace only", std::string(" \n\t\n"), kSeedOutput},
        {"empty object", std::string("{}"), kSeedOutput},
        {"other keys stay, in order, before ours",
         std::string(
             R"({"log-driver":"journald","debug":true,"log-opts":{"tag":"{{.Name}}"},"mtu":1400,"x":null,"f":1.5})"),
         R"({
  "log-driver": "journald",
  "debug": true,
  "log-opts": {
    "tag": "{{.Name}}"
  },
  "mtu": 1400,
  "x": null,
  "f": 1.5,
  "storage-driver": "devicemapper",
  "storage-opts": [
    "dm.thinpooldev=/dev/mapper/docker-thinpool",
    "dm.use_deferred_removal=true",
    "dm.use_deferred_deletion=true"
  ]
}
)"},
        {"user's dm options stay; ours are updated in place",
         std::string(
             R"({"storage-opts":["dm.basesize=20G","dm.use_deferred_removal=false"],"storage-driver":"devicemapper","z":"ü €"})"),
         R"({
  "storage-opts": [
    "dm.basesize=20G",
    "dm.use_deferred_removal=true",
    "dm.thinpooldev=/dev/mapper/docker-thinpool",
    "dm.use_deferred_deletion=true"
  ],
  "storage-driver": "devicemapper",
  "z": "ü €"
}
)"},
        {"BOM is kept", std::string("\xEF\xBB\xBF{}"), "\xEF\xBB\xBF" + kSeedOutput},
    };
    for (const auto& c : cases) {
        INFO(c.label);
        const auto edit = lvmkit::merge_daemon_json(c.input, config);
        CHECK(edit.text == c.expected);
        CHECK(edit.changed);
        CHECK_FALSE(edit.notes.empty());
        // Re-running on the result changes nothing, byte for byte.
        const auto again = lvmkit::merge_daemon_json(edit.text, config);
        CHECK_FALSE(again.changed);
        CHECK(again.text == edit.text);
    }
}

TEST_CASE("daemon.json merge keeps a file that already says it all byte for byte",
          "[config][docker]") {
    const std::string hand_written =
        "{ \"storage-driver\" : \"devicemapper\",\n\t\"storage-opts\": [\"dm.thinpooldev=docker-"
        "thinpool\", \"dm.use_deferred_removal=True\", \"DM.USE_DEFERRED_DELETION=1\"] }";
    const auto edit = lvmkit::merge_daemon_json(hand_written, seed_config());
    CHECK_FALSE(edit.changed);
    CHECK(edit.text == hand_written);
}

TEST_CASE("daemon.json merge: conflicts are refused unless the caller says replace",
          "[config][docker]") {
    const auto config = seed_config();
    SECTION("another storage driver") {
        const std::string input =
            R"({"storage-driver":"overlay2","storage-opts":["overlay2.size=20G"]})";
        CHECK_THROWS_MATCHES(lvmkit::merge_daemon_json(input, config), Error,
                             has_code_and_text(Errc::conflict, "storage-driver is \"overlay2\""));
        const auto edit = lvmkit::merge_daemon_json(input, config, OnConflict::replace);
        CHECK(edit.text == kSeedOutput);
        CHECK_THAT(edit.notes.front(), Catch::Contains("replaced storage-driver \"overlay2\""));
    }
    SECTION("our driver with another pool") {
        const std::string input =
            R"({"storage-driver":"devicemapper","storage-opts":["dm.thinpooldev=/dev/mapper/other-pool"]})";
        CHECK_THROWS_MATCHES(lvmkit::merge_daemon_json(input, config), Error,
                             has_code_and_text(Errc::conflict, "another pool"));
        const auto edit = lvmkit::merge_daemon_json(input, config, OnConflict::replace);
        CHECK(edit.text == kSeedOutput);
    }
    SECTION("another driver's options without a driver key") {
        CHECK_THROWS_MATCHES(
            lvmkit::merge_daemon_json(R"({"storage-opts":["overlay2.override_kernel_check=true"]})",
                                      config),
            Error, has_code_and_text(Errc::conflict, "another storage driver"));
    }
}

TEST_CASE("daemon.json merge leaves deferred deletion out when the kernel lacks it",
          "[config][docker]") {
    const auto old_kernel = seed_config(false);
    const auto edit = lvmkit::merge_daemon_json(
        R"({"storage-opts":["dm.use_deferred_deletion=true","dm.use_deferred_removal=true"]})",
        old_kernel);
    CHECK(edit.text == R"({
  "storage-opts": [
    "dm.use_deferred_removal=true",
    "dm.thinpooldev=/dev/mapper/docker-thinpool"
  ],
  "storage-driver": "devicemapper"
}
)");
}

TEST_CASE("daemon.json merge: malformed input is a clear error naming line and column",
          "[config][docker]") {
    const auto config = seed_config();
    struct Case {
        const char* label;
        std::string input;
        const char* part;
    };
    const std::vector<Case> cases = {
        {"duplicate key", "{\n  \"debug\": true,\n  \"debug\": false\n}",
         "line 3, column 3: key \"debug\" appears twice"},
        {"duplicate key nested", "{\"a\": {\"b\": 1, \"c\": [{\"x\":1,\"x\":2}]}}",
         "line 1, column 29: key \"x\" appears twice"},
        {"comment", "{\n  // docker settings\n  \"debug\": true\n}", "line 2, column 3"},
        {"block comment", "{ /* x */ }", "line 1, column"},
        {"trailing comma", "{\n  \"debug\": true,\n}", "line 3, column 1"},
        {"trailing comma in array", "{\"a\": [1,2,]}", "line 1, column 12"},
        {"unclosed", "{\"debug\": true", "line 1, column 15"},
        {"single quotes", "{'debug': true}", "line 1, column 2"},
        {"top-level array", "\n  [1, 2]", "line 2, column 3: the top level is an array"},
        {"top-level string", "\"x\"", "the top level is a single value"},
        {"invalid UTF-8", "{\"a\": \"\xC3\x28\"}", "line 1"},
        {"garbage after", "{} {}", "line 1, column 4"},
        {"storage-opts not a list", R"({"storage-opts":"dm.basesize=1G"})",
         "\"storage-opts\" is string, not a list of strings"},
        {"storage-opts holding a number", R"({"storage-opts":[1]})", "Docker wants strings"},
    };
    for (const auto& c : cases) {
        INFO(c.label);
        CHECK_THROWS_MATCHES(lvmkit::merge_daemon_json(c.input, config), Error,
                             has_code_and_text(Errc::parse_error, c.part));
    }
}

TEST_CASE("daemon.json merge: deep nesting and large files", "[config][docker]") {
    const auto config = seed_config();
    SECTION("100000 levels are refused without exhausting the stack") {
        const std::string deep =
            "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
        CHECK_THROWS_MATCHES(
            lvmkit::merge_daemon_json(deep, config), Error,
            has_code_and_text(Errc::parse_error, "line 1, column 517: nested deeper than 512"));
    }
    SECTION("500 levels are kept") {
        const std::string deep = "{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}";
        const auto edit = lvmkit::merge_daemon_json(deep, config);
        CHECK(edit.changed);
        CHECK_FALSE(lvmkit::merge_daemon_json(edit.text, config).changed);
    }
    SECTION("a 2 MB file") {
        std::string big = "{\"labels\": [";
        for (int i = 0; big.size() < (2u << 20); ++i)
            big += (i ? ",\"label-" : "\"label-") + std::to_string(i) + "=value\"";
        big += "], \"debug\": true}";
        const auto edit = lvmkit::merge_daemon_json(big, config);
        CHECK(edit.changed);
        CHECK(edit.text.size() > (2u << 20));
        CHECK(edit.text.find("\"debug\": true,\n  \"storage-driver\"") != std::string::npos);
        const auto again = lvmkit::merge_daemon_json(edit.text, config);
        CHECK_FALSE(again.changed);
    }
}

TEST_CASE("daemon.json inverse: remove our entries, keep the user's keys", "[config][docker]") {
    const auto config = seed_config();
    SECTION("merge then remove gives the user's keys back") {
        const std::string user = R"({
  "debug": true,
  "storage-opts": [
    "dm.basesize=20G"
  ]
}
)";
        const auto merged = lvmkit::merge_daemon_json(user, config);
        const auto removed = lvmkit::remove_from_daemon_json(merged.text, config);
        CHECK(removed.changed);
        // dm.* options only mean something to devicemapper: they go too.
        CHECK(removed.text == "{\n  \"debug\": true\n}\n");
        const auto again = lvmkit::remove_from_daemon_json(removed.text, config);
        CHECK_FALSE(again.changed);
        CHECK(again.text == removed.text);
    }
    SECTION("only our keys: an empty object") {
        CHECK(lvmkit::remove_from_daemon_json(kSeedOutput, config).text == "{}\n");
    }
    SECTION("another pool is left alone") {
        const std::string other =
            R"({"storage-driver":"devicemapper","storage-opts":["dm.thinpooldev=/dev/mapper/x-y"]})";
        const auto edit = lvmkit::remove_from_daemon_json(other, config);
        CHECK_FALSE(edit.changed);
        CHECK(edit.text == other);
        CHECK_THAT(edit.notes.front(), Catch::Contains("another devicemapper pool"));
    }
    SECTION("another driver is left alone") {
        const std::string other = R"({"storage-driver":"overlay2"})";
        CHECK_FALSE(lvmkit::remove_from_daemon_json(other, config).changed);
    }
    SECTION("malformed input is refused") {
        CHECK_THROWS_MATCHES(lvmkit::remove_from_daemon_json("{\"a\":1,}", config), Error,
                             has_code_and_text(Errc::parse_error, "line 1"));
    }
}

TEST_CASE("daemon.json merge says when a number is written back in another spelling",
          "[config][docker]") {
    const auto edit = lvmkit::merge_daemon_json(
        R"({"a": 1e3, "b": 1.10, "c": 2.5, "d": 18446744073709551616})", seed_config());
    CHECK(edit.text.find("\"a\": 1000.0,") != std::string::npos);
    CHECK(edit.text.find("\"c\": 2.5,") != std::string::npos);
    const std::vector<std::string> tail(edit.notes.end() - 3, edit.notes.end());
    CHECK(tail == std::vector<std::string>{
                      "number 1e3 is written back as 1000.0", "number 1.10 is written back as 1.1",
                      "number 18446744073709551616 is written back as 1.8446744073709552e+19"});
    CHECK_FALSE(lvmkit::merge_daemon_json(edit.text, seed_config()).changed);
}

TEST_CASE("daemon.json snapshotter mode (Docker 25 and later)", "[config][docker][snapshotter]") {
    const lvmkit::DockerSnapshotterConfig config{"/dev/mapper/docker-thinpool"};
    const std::string wanted = R"({
  "storage-driver": "devmapper",
  "features": {
    "containerd-snapshotter": true
  }
}
)";
    SECTION("a new file") {
        const auto edit = lvmkit::merge_daemon_json_snapshotter(std::nullopt, config);
        CHECK(edit.text == wanted);
        CHECK(edit.changed);
        CHECK_FALSE(lvmkit::merge_daemon_json_snapshotter(edit.text, config).changed);
        const auto removed = lvmkit::remove_snapshotter_from_daemon_json(edit.text);
        CHECK(removed.text == "{}\n");
    }
    SECTION("the user's keys and features stay; lvmkit's legacy dm.* options go") {
        const std::string legacy = kSeedOutput.substr(0, kSeedOutput.size() - 2) +
                                   ",\n  \"log-level\": \"warn\",\n  \"features\": {\"buildkit\": "
                                   "true}\n}\n";
        const auto edit = lvmkit::merge_daemon_json_snapshotter(legacy, config);
        CHECK(edit.text == R"({
  "storage-driver": "devmapper",
  "log-level": "warn",
  "features": {
    "buildkit": true,
    "containerd-snapshotter": true
  }
}
)");
        CHECK(std::count_if(edit.notes.begin(), edit.notes.end(), [](const std::string& n) {
                  return n.rfind("removed storage-opts \"dm.", 0) == 0;
              }) == 3);
        SECTION("teardown takes back what it added, nothing else") {
            const auto removed = lvmkit::remove_snapshotter_from_daemon_json(edit.text);
            CHECK(removed.text == R"({
  "log-level": "warn",
  "features": {
    "buildkit": true
  }
}
)");
        }
    }
    SECTION("another storage driver, another pool's devicemapper, or the feature off conflict") {
        for (const std::string& text :
             {std::string(R"({"storage-driver": "overlay2"})"),
              std::string(R"({"storage-driver": "devicemapper", "storage-opts": )"
                          R"(["dm.thinpooldev=/dev/mapper/other-pool"]})"),
              std::string(R"({"features": {"containerd-snapshotter": false}})")}) {
            CAPTURE(text);
            CHECK_THROWS_MATCHES(lvmkit::merge_daemon_json_snapshotter(text, config), Error,
                                 has_code_and_text(Errc::conflict, "OnConflict::replace"));
            const auto replaced =
                lvmkit::merge_daemon_json_snapshotter(text, config, OnConflict::replace);
            CHECK_FALSE(lvmkit::merge_daemon_json_snapshotter(replaced.text, config).changed);
        }
        CHECK_THROWS_MATCHES(lvmkit::merge_daemon_json_snapshotter(R"({"features": 1})", config,
                                                                   OnConflict::replace),
                             Error, has_code_and_text(Errc::conflict, "not an object"));
    }
    SECTION("teardown leaves a file of another mode alone") {
        const auto removed = lvmkit::remove_snapshotter_from_daemon_json(kSeedOutput);
        CHECK_FALSE(removed.changed);
        CHECK(removed.text == kSeedOutput);
    }
}

TEST_CASE("Docker versions as people write them", "[config][docker]") {
    using lvmkit::KernelVersion;
    struct Case {
        const char* text;
        std::optional<KernelVersion> version;
    };
    const Case cases[] = {
        {"28", KernelVersion{28, 0, 0}},
        {"v28", KernelVersion{28, 0, 0}},
        {"28.5", KernelVersion{28, 5, 0}},
        {"28.5.2", KernelVersion{28, 5, 2}},
        {" 28.5.2\n", KernelVersion{28, 5, 2}},
        {"28.5.2+dfsg1", KernelVersion{28, 5, 2}},
        {"5:26.1.3-1~debian.12~bookworm", KernelVersion{26, 1, 3}},
        {"17.03.2-ce", KernelVersion{17, 3, 2}},
        {"Docker version 28.5.2, build 8f5b9b0", KernelVersion{28, 5, 2}},
        {"Docker version 20.10.24+dfsg1, build 297e128\n", KernelVersion{20, 10, 24}},
        {"", std::nullopt},
        {"banana", std::nullopt},
        {"latest", std::nullopt},
        {"28x", std::nullopt},
        {"28.", std::nullopt},
        {"28.5.2.1", std::nullopt},
        {"Docker version dev, build x", std::nullopt},
        {"1234567890", std::nullopt},
    };
    for (const auto& c : cases) {
        INFO("'" << c.text << "'");
        const auto got = lvmkit::parse_docker_version(c.text);
        REQUIRE(got.has_value() == c.version.has_value());
        if (got)
            CHECK(*got == *c.version);
    }
}
