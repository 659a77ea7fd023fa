#include "lvmkit/containerd_config.hpp"

#include <algorithm>
#include <string>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "unit/error_matchers.hpp"

using lvmkit::Bytes;
using lvmkit::ContainerdDevmapperConfig;
using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::LvName;
using lvmkit::OnConflict;
using lvmkit::VgName;

namespace {

ContainerdDevmapperConfig pool_config() {
    return lvmkit::containerd_devmapper_config(VgName("containerd"), LvName("thin-pool"),
                                               Bytes::GiB(10));
}

const std::string kSection = R"([plugins."io.containerd.snapshotter.v1.devmapper"]
  pool_name = "containerd-thin--pool"
  root_path = "/var/lib/containerd/devmapper"
  base_image_size = "10GiB"
)";

const std::string kUserConfig = R"(# containerd config, edited by hand
version = 2
root = "/var/lib/containerd"

[grpc]
  address = "/run/containerd/containerd.sock"  # the socket

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "devmapper"
)";

}  // namespace

TEST_CASE("containerd devmapper section renders with containerd's size text",
          "[config][containerd]") {
    auto config = pool_config();
    CHECK(lvmkit::render_containerd_devmapper(config) == kSection);
    config.async_remove = true;
    config.discard_blocks = false;
    config.fs_type = "xfs";
    CHECK(lvmkit::render_containerd_devmapper(config) ==
          kSection + "  async_remove = true\n  discard_blocks = false\n  fs_type = \"xfs\"\n");

    CHECK(lvmkit::containerd_size(Bytes::GiB(10)) == "10GiB");
    CHECK(lvmkit::containerd_size(Bytes::MiB(512)) == "512MiB");
    CHECK(lvmkit::containerd_size(Bytes::MiB(1536)) == "1536MiB");
    CHECK(lvmkit::containerd_size(Bytes::TiB(2)) == "2TiB");
    CHECK(lvmkit::containerd_size(Bytes(1000)) == "1000");
    CHECK(lvmkit::containerd_size(Bytes(1536)) == "1536");
}

TEST_CASE("containerd devmapper settings are validated", "[config][containerd]") {
    auto config = pool_config();
    config.root_path = "var/lib/x";
    CHECK_THROWS_MATCHES(lvmkit::render_containerd_devmapper(config), Error,
                         has_code_and_text(Errc::invalid_argument, "not an absolute path"));
    config = pool_config();
    config.root_path = "/var/lib/x\ny";
    CHECK_THROWS_MATCHES(lvmkit::validate(config), Error,
                         has_code_and_text(Errc::invalid_argument, "control character"));
    config = pool_config();
    config.base_image_size = Bytes(0);
    CHECK_THROWS_MATCHES(lvmkit::validate(config), Error,
                         has_code_and_text(Errc::invalid_argument, "base_image_size"));
    config = pool_config();
    config.fs_type = "btrfs";
    CHECK_THROWS_MATCHES(lvmkit::validate(config), Error,
                         has_code_and_text(Errc::invalid_argument, "not ext4 or xfs"));
    config = pool_config();
    config.pool_name = "a\"b";
    CHECK_THROWS_MATCHES(lvmkit::validate(config), Error,
                         has_code_and_text(Errc::invalid_argument, "not a device-mapper name"));
}

TEST_CASE("containerd config.toml merge appends and keeps everything else as it is",
          "[config][containerd]") {
    const auto config = pool_config();
    SECTION("no file") {
        const auto edit = lvmkit::merge_containerd_config(std::nullopt, config);
        CHECK(edit.text == "version = 2\n\n" + kSection);
        CHECK(edit.changed);
    }
    SECTION("a hand-edited file keeps its comments and layout") {
        const auto edit = lvmkit::merge_containerd_config(kUserConfig, config);
        CHECK(edit.text == kUserConfig + "\n" + kSection);
        CHECK(edit.changed);
        REQUIRE(edit.notes.size() == 1);
        CHECK_THAT(edit.notes[0],
                   Catch::Contains("add [plugins.\"io.containerd.snapshotter.v1.devmapper\"]"));
        const auto again = lvmkit::merge_containerd_config(edit.text, config);
        CHECK_FALSE(again.changed);
        CHECK(again.text == edit.text);
        SECTION("and the inverse gives the file back byte for byte") {
            const auto removed = lvmkit::remove_from_containerd_config(edit.text, config);
            CHECK(removed.changed);
            CHECK(removed.text == kUserConfig);
        }
    }
    SECTION("a file without a final newline") {
        const auto edit = lvmkit::merge_containerd_config("version = 2", config);
        CHECK(edit.text == "version = 2\n\n" + kSection);
    }
}

TEST_CASE("containerd config.toml merge: an existing section", "[config][containerd]") {
    const auto config = pool_config();
    SECTION("the same values written differently change nothing") {
        const std::string same =
            "version = 2\n[plugins]\n[plugins.\"io.containerd.snapshotter.v1.devmapper\"]\n"
            "base_image_size='10GiB'\npool_name = \"containerd-thin--pool\"\n"
            "root_path = \"/var/lib/containerd/devmapper\" # here\n";
        const auto edit = lvmkit::merge_containerd_config(same, config);
        CHECK_FALSE(edit.changed);
        CHECK(edit.text == same);
    }
    const std::string other_pool =
        "version = 2\n# top\n[plugins.\"io.containerd.snapshotter.v1.devmapper\"]\n"
        "  pool_name = \"other-pool\"\n"
        "  root_path = \"/var/lib/containerd/devmapper\"\n"
        "  base_image_size = \"8GB\"\n  discard_blocks = true\n"
        "\n# the grpc socket\n[grpc]\n  address = \"/run/x.sock\"\n";
    SECTION("another pool is a conflict") {
        CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(other_pool, config), Error,
                             has_code_and_text(Errc::conflict,
                                               "pool_name = \"other-pool\", not "
                                               "\"containerd-thin--pool\""));
    }
    SECTION("replace rewrites the section in place, keeps its other keys and the rest") {
        const auto edit = lvmkit::merge_containerd_config(other_pool, config, OnConflict::replace);
        CHECK(edit.text == "version = 2\n# top\n" + kSection +
                               "  discard_blocks = true\n"
                               "\n# the grpc socket\n[grpc]\n  address = \"/run/x.sock\"\n");
        CHECK_FALSE(lvmkit::merge_containerd_config(edit.text, config).changed);
    }
    SECTION("base_image_size alone is updated without a conflict") {
        auto bigger = config;
        bigger.base_image_size = Bytes::GiB(20);
        const auto edit = lvmkit::merge_containerd_config("version = 2\n" + kSection, bigger);
        CHECK(edit.changed);
        CHECK(edit.text.find("base_image_size = \"20GiB\"") != std::string::npos);
    }
}

TEST_CASE("containerd config.toml merge falls back to toml++ when text editing can not work",
          "[config][containerd]") {
    const auto config = pool_config();
    const std::string inline_plugins =
        "version = 2\nplugins = { \"io.containerd.grpc.v1.cri\" = { sandbox_image = \"p\" } }\n";
    const auto edit = lvmkit::merge_containerd_config(inline_plugins, config);
    CHECK(edit.changed);
    CHECK_THAT(edit.notes.back(), Catch::Contains("re-serialized"));
    // What toml++ wrote holds both the user's plugin and ours.
    const auto again = lvmkit::merge_containerd_config(edit.text, config);
    CHECK_FALSE(again.changed);
    CHECK(edit.text.find("sandbox_image = 'p'") != std::string::npos);
    CHECK(edit.text.find("pool_name = 'containerd-thin--pool'") != std::string::npos);
}

TEST_CASE("containerd config.toml: invalid TOML and odd shapes are refused",
          "[config][containerd]") {
    const auto config = pool_config();
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config("version = 2\n[grpc\n", config), Error,
                         has_code_and_text(Errc::parse_error, "line 2, column"));
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config("a = 1\na = 2\n", config), Error,
                         has_code_and_text(Errc::parse_error, "line 2"));
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config("plugins = 5\n", config), Error,
                         has_code_and_text(Errc::conflict, "\"plugins\" is not a table"));
    CHECK_THROWS_MATCHES(
        lvmkit::merge_containerd_config(
            "[plugins]\n\"io.containerd.snapshotter.v1.devmapper\" = \"x\"\n", config),
        Error, has_code_and_text(Errc::conflict, "is not a table"));
    CHECK_THROWS_AS(lvmkit::remove_from_containerd_config("[x", config), Error);
}

TEST_CASE("containerd config.toml inverse leaves other pools alone", "[config][containerd]") {
    auto other = pool_config();
    other.pool_name = "other-pool";
    const std::string text = lvmkit::render_containerd_devmapper(other);
    const auto edit = lvmkit::remove_from_containerd_config(text, pool_config());
    CHECK_FALSE(edit.changed);
    CHECK(edit.text == text);
    const auto nothing = lvmkit::remove_from_containerd_config("version = 2\n", pool_config());
    CHECK_FALSE(nothing.changed);
    SECTION("our section in the middle of the file") {
        const std::string middle = "version = 2\n" + kSection + "\n[grpc]\n  address = \"a\"\n";
        const auto removed = lvmkit::remove_from_containerd_config(middle, pool_config());
        CHECK(removed.text == "version = 2\n\n[grpc]\n  address = \"a\"\n");
    }
}

TEST_CASE("containerd config.toml versions: new files and files without a version line get 2",
          "[config][containerd][versions]") {
    const auto config = pool_config();
    SECTION("a new file starts with version = 2") {
        const auto edit = lvmkit::merge_containerd_config(std::nullopt, config);
        CHECK(edit.text.rfind("version = 2\n\n[plugins.\"io.containerd", 0) == 0);
        CHECK(lvmkit::containerd_config_version(std::nullopt).syntax ==
              lvmkit::ContainerdSyntax::v2);
    }
    SECTION("no version line, nothing version-1-specific: version = 2 added, and said") {
        const std::string docker_shipped =
            "#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = [\"cri\"]\n\n"
            "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"/opt/containerd\"\n";
        const auto version = lvmkit::containerd_config_version(docker_shipped);
        CHECK(version.add_version_line);
        const auto edit = lvmkit::merge_containerd_config(docker_shipped, config);
        CHECK(edit.text == "version = 2\n\n" + docker_shipped + "\n" + kSection);
        CHECK(std::any_of(edit.notes.begin(), edit.notes.end(), [](const std::string& note) {
            return note.find("add version = 2") != std::string::npos &&
                   note.find("read") != std::string::npos;
        }));
        CHECK_FALSE(lvmkit::merge_containerd_config(edit.text, config).changed);
    }
    SECTION("an existing version 2 file keeps its syntax and gets no second version line") {
        const auto edit = lvmkit::merge_containerd_config(kUserConfig, config);
        const auto first = edit.text.find("version = 2");
        CHECK(edit.text.find("version = 2", first + 1) == std::string::npos);
    }
}

TEST_CASE("containerd config.toml versions: version 3 is merged in its own syntax",
          "[config][containerd][versions]") {
    auto config = pool_config();
    const std::string v3 =
        "version = 3\n\n[plugins.'io.containerd.cri.v1.runtime']\n"
        "  enable_selinux = false\n";
    const auto edit = lvmkit::merge_containerd_config(v3, config);
    CHECK(edit.text == v3 + "\n[plugins.'io.containerd.snapshotter.v1.devmapper']\n" +
                           kSection.substr(kSection.find('\n') + 1));
    CHECK_FALSE(lvmkit::merge_containerd_config(edit.text, config).changed);
    SECTION("the CRI default is io.containerd.cri.v1.images") {
        config.cri_default = true;
        const auto cri = lvmkit::merge_containerd_config(v3, config);
        CHECK(cri.text.find("[plugins.'io.containerd.cri.v1.images']\n  snapshotter = "
                            "\"devmapper\"\n") != std::string::npos);
        CHECK(cri.text.find("io.containerd.grpc.v1.cri") == std::string::npos);
        CHECK_FALSE(lvmkit::merge_containerd_config(cri.text, config).changed);
        const auto removed = lvmkit::remove_from_containerd_config(cri.text, config);
        CHECK(removed.text == v3);
    }
}

TEST_CASE("containerd config.toml versions: a version 1 file is refused, never half-edited",
          "[config][containerd][versions]") {
    const auto config = pool_config();
    for (const std::string& v1 :
         {std::string("[plugins.cri]\n  sandbox_image = \"pause:3.1\"\n"),
          std::string("[plugins]\n  [plugins.linux]\n    shim = \"containerd-shim\"\n"),
          std::string("version = 1\n")}) {
        CAPTURE(v1);
        CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(v1, config), Error,
                             has_code_and_text(Errc::unsupported, "containerd config migrate"));
        CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(v1, config, OnConflict::replace),
                             Error, has_code_and_text(Errc::unsupported, "version 1"));
    }
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config("version = 4\n", config), Error,
                         has_code_and_text(Errc::unsupported, "version is 4"));
}

TEST_CASE("containerd config.toml: the CRI default snapshotter (version 2)",
          "[config][containerd][cri]") {
    auto config = pool_config();
    config.cri_default = true;
    const std::string cri_header = "[plugins.\"io.containerd.grpc.v1.cri\".containerd]";
    SECTION("a new file gets the CRI table after the devmapper section") {
        const auto edit = lvmkit::merge_containerd_config(std::nullopt, config);
        CHECK(edit.text == "version = 2\n\n" + kSection + "\n" + cri_header +
                               "\n  snapshotter = \"devmapper\"\n");
        const auto removed = lvmkit::remove_from_containerd_config(edit.text, config);
        CHECK(removed.text == "version = 2\n");
    }
    const std::string k8s =
        "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\"]\n"
        "  sandbox_image = \"pause:3.9\"\n  " +
        cri_header +
        "\n    default_runtime_name = \"runc\" # kept\n"
        "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
        "      runtime_type = \"io.containerd.runc.v2\"\n";
    SECTION("an existing CRI table gets the key under its header, the rest kept") {
        const auto edit = lvmkit::merge_containerd_config(k8s, config);
        CHECK(edit.text.find(cri_header + "\n  snapshotter = \"devmapper\"\n    "
                                          "default_runtime_name = \"runc\" # kept\n") !=
              std::string::npos);
        CHECK_FALSE(lvmkit::merge_containerd_config(edit.text, config).changed);
        SECTION("teardown takes out what it added, nothing else") {
            const auto removed = lvmkit::remove_from_containerd_config(edit.text, config);
            CHECK(removed.text == k8s);
        }
    }
    SECTION("another default snapshotter is a conflict unless replaced") {
        const std::string zfs = "version = 2\n" + cri_header + "\n  snapshotter = \"zfs\"\n";
        CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(zfs, config), Error,
                             has_code_and_text(Errc::conflict, "snapshotter = \"zfs\""));
        const auto edit = lvmkit::merge_containerd_config(zfs, config, OnConflict::replace);
        CHECK(edit.text.find("snapshotter = \"devmapper\"") != std::string::npos);
        CHECK(lvmkit::remove_from_containerd_config(edit.text, config).text == zfs);
    }
    SECTION("containerd's default overlayfs is replaced, and given back by teardown") {
        const std::string overlay =
            "version = 2\n" + cri_header + "\n  snapshotter = \"overlayfs\"\n";
        const auto edit = lvmkit::merge_containerd_config(overlay, config);
        CHECK(edit.text.find("snapshotter = \"devmapper\"") != std::string::npos);
        CHECK(lvmkit::remove_from_containerd_config(edit.text, config).text == overlay);
    }
    SECTION("without cri_default teardown leaves a devmapper default alone") {
        const auto edit = lvmkit::merge_containerd_config(k8s, config);
        config.cri_default = false;
        const auto removed = lvmkit::remove_from_containerd_config(edit.text, config);
        CHECK(removed.text.find("snapshotter = \"devmapper\"") != std::string::npos);
    }
}
