// Merging into the config.toml files users have: containerd's own `config default` output of 1.6,
// 1.7 and 2.1 and Debian's packaged file (tests/data/containerd, made by the real binaries), and
// files with disabled_plugins or imports. Where the real containerd is on this host (Debian 12's,
// and 1.7 / 2.1 from scripts/fetch-runtimes), `containerd --config F config dump` reads the result.
#include <unistd.h>
#include <algorithm>

#include <toml++/toml.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include "catch_compat.hpp"

#include "lvmkit/containerd_config.hpp"
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

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(LVMKIT_TEST_DATA_DIR) + "/containerd/" + name);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

ContainerdDevmapperConfig pool(unsigned containerd_major, bool cri_default = false) {
    auto config = lvmkit::containerd_devmapper_config(VgName("vg0"), LvName("thinpool"));
    config.containerd_major = containerd_major;
    config.cri_default = cri_default;
    return config;
}

toml::table parsed(const std::string& text) {
    return toml::parse(std::string_view(text));
}

const toml::table* devmapper(const toml::table& doc) {
    return doc.at_path("plugins").as_table()
               ? doc.at_path("plugins").as_table()->get_as<toml::table>(
                     "io.containerd.snapshotter.v1.devmapper")
               : nullptr;
}

std::string cri_snapshotter(const toml::table& doc, bool v3) {
    const toml::node_view<const toml::node> plugins = doc["plugins"];
    const auto table = v3 ? plugins["io.containerd.cri.v1.images"]
                          : plugins["io.containerd.grpc.v1.cri"]["containerd"];
    return table["snapshotter"].value_or(std::string("(unset)"));
}

std::vector<std::string> unpack_snapshotters(const toml::table& doc) {
    std::vector<std::string> out;
    const auto* plugins = doc.get_as<toml::table>("plugins");
    const auto* transfer =
        plugins ? plugins->get_as<toml::table>("io.containerd.transfer.v1.local") : nullptr;
    const auto* list = transfer ? transfer->get_as<toml::array>("unpack_config") : nullptr;
    if (list)
        for (const auto& entry : *list)
            out.push_back((*entry.as_table())["snapshotter"].value_or(std::string()));
    return out;
}

/// `containerd --config F config dump` of @p text by @p binary, or nothing when the binary is
/// not on this host.
std::optional<std::string> dump(const std::string& binary, const std::string& text) {
    if (::access(binary.c_str(), X_OK) != 0)
        return std::nullopt;
    char path[] = "/tmp/lvmkit-containerd-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
    const std::string command =
        "timeout 20 " + binary + " --config " + path + " config dump 2>/dev/null";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
            out.append(buffer, n);
        CHECK(::pclose(pipe) == 0);
    }
    ::unlink(path);
    return out;
}

struct Default {
    const char* file;
    unsigned major;
    bool v3;
    const char* binary;
};

const Default kDefaults[] = {
    {"default-1.6.toml", 1, false, "/usr/bin/containerd"},
    {"default-1.7.toml", 1, false, "/var/cache/lvmkit-runtimes/trixie/usr/bin/containerd"},
    {"default-2.1.toml", 2, true, "/var/cache/lvmkit-runtimes/sid/usr/bin/containerd"},
};

}  // namespace

TEST_CASE("containerd's own default config: the empty devmapper section gets lvmkit's pool",
          "[config][containerd][defaults]") {
    for (const auto& d : kDefaults) {
        for (const bool cri : {false, true}) {
            INFO(d.file << (cri ? " --cri-default" : ""));
            const std::string original = fixture(d.file);
            const auto before = parsed(original);
            REQUIRE(devmapper(before));
            CHECK((*devmapper(before))["pool_name"].value<std::string>() == "");
            // Before issue 25 this was a conflict: pool_name = "" was taken for another pool.
            const auto edit = lvmkit::merge_containerd_config(original, pool(d.major, cri));
            CHECK(edit.changed);
            const auto after = parsed(edit.text);
            CHECK((*devmapper(after))["pool_name"].value<std::string>() == "vg0-thinpool");
            CHECK((*devmapper(after))["root_path"].value<std::string>() ==
                  "/var/lib/containerd/devmapper");
            CHECK((*devmapper(after))["base_image_size"].value<std::string>() == "10GiB");
            CHECK(after["version"].value<int>() == before["version"].value<int>());
            // The file's comments and layout are kept (no re-serialization).
            for (const auto& note : edit.notes)
                CHECK(note.find("re-serialized") == std::string::npos);
            CHECK((d.v3 ||
                   edit.text.find("[plugins.\"io.containerd.grpc.v1.cri\"") != std::string::npos));
            CHECK(cri_snapshotter(after, d.v3) == (cri ? "devmapper" : "overlayfs"));
            const auto unpack = unpack_snapshotters(after);
            if (d.major >= 2) {
                CHECK(std::find(unpack.begin(), unpack.end(), "devmapper") != unpack.end());
                CHECK(std::find(unpack.begin(), unpack.end(), "overlayfs") != unpack.end());
            } else {
                CHECK(unpack == unpack_snapshotters(before));
            }
            // Idempotent: a second setup changes nothing.
            CHECK_FALSE(lvmkit::merge_containerd_config(edit.text, pool(d.major, cri)).changed);
            // Teardown gives back what was there, byte for byte.
            const auto removed =
                lvmkit::remove_from_containerd_config(edit.text, pool(d.major, cri));
            CHECK(removed.changed);
            CHECK(parsed(removed.text) == before);
            CHECK(removed.text == original);

            if (const auto out = dump(d.binary, edit.text)) {
                INFO(*out);
                CHECK(out->find("vg0-thinpool") != std::string::npos);
                if (cri)
                    CHECK(out->find("snapshotter = " + std::string(d.v3 ? "'" : "\"") +
                                    "devmapper") != std::string::npos);
                if (d.major >= 2) {  // the transfer service unpacks into devmapper too
                    const auto list = out->find("'io.containerd.transfer.v1.local'.unpack_config");
                    REQUIRE(list != std::string::npos);
                    CHECK(out->find("snapshotter = 'devmapper'", list) != std::string::npos);
                    CHECK(out->find("snapshotter = 'overlayfs'", list) != std::string::npos);
                }
            } else {
                WARN(d.binary << " not here: containerd config dump not run");
            }
        }
    }
}

TEST_CASE("containerd defaults: a different, non-empty pool is still a conflict",
          "[config][containerd][defaults]") {
    std::string text = fixture("default-1.7.toml");
    const std::string empty = "    pool_name = \"\"\n";
    text.replace(text.find(empty), empty.size(), "    pool_name = \"other-pool\"\n");
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(text, pool(1)), Error,
                         has_code_and_text(Errc::conflict, "\"other-pool\""));
    const auto taken = lvmkit::merge_containerd_config(text, pool(1), OnConflict::replace);
    CHECK((*devmapper(parsed(taken.text)))["pool_name"].value<std::string>() == "vg0-thinpool");
}

TEST_CASE("containerd defaults: another CRI snapshotter than overlayfs is still a conflict",
          "[config][containerd][defaults]") {
    std::string text = fixture("default-2.1.toml");
    const std::string overlay = "snapshotter = 'overlayfs'";
    text.replace(text.find(overlay), overlay.size(), "snapshotter = 'zfs'");
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(text, pool(2, true)), Error,
                         has_code_and_text(Errc::conflict, "\"zfs\""));
}

TEST_CASE("Debian's packaged config.toml gets the section, the CRI default and back",
          "[config][containerd][defaults]") {
    const std::string original = fixture("debian-packaged.toml");
    for (const unsigned major : {1u, 2u}) {
        INFO("containerd " << major);
        const auto edit = lvmkit::merge_containerd_config(original, pool(major, true));
        const auto after = parsed(edit.text);
        CHECK(after["version"].value<int>() == 2);
        CHECK((*devmapper(after))["pool_name"].value<std::string>() == "vg0-thinpool");
        CHECK(cri_snapshotter(after, false) == "devmapper");
        CHECK(unpack_snapshotters(after) ==
              (major >= 2 ? std::vector<std::string>{"overlayfs", "devmapper"}
                          : std::vector<std::string>{}));
        CHECK(edit.text.rfind(original, 0) == 0);  // appended: Debian's lines untouched
        const auto removed = lvmkit::remove_from_containerd_config(edit.text, pool(major, true));
        CHECK(removed.text == original);
        if (const auto out =
                dump(major >= 2 ? kDefaults[2].binary : kDefaults[0].binary, edit.text)) {
            INFO(*out);
            CHECK(out->find("vg0-thinpool") != std::string::npos);
        }
    }
}

TEST_CASE("a new config.toml for containerd 2 is version 3", "[config][containerd][defaults]") {
    const auto edit = lvmkit::merge_containerd_config(std::nullopt, pool(2, true));
    const auto doc = parsed(edit.text);
    CHECK(doc["version"].value<int>() == 3);
    CHECK(edit.text.find("[plugins.'io.containerd.snapshotter.v1.devmapper']") !=
          std::string::npos);
    CHECK(cri_snapshotter(doc, true) == "devmapper");
    CHECK(unpack_snapshotters(doc) == std::vector<std::string>{"overlayfs", "devmapper"});
    CHECK(lvmkit::merge_containerd_config(std::nullopt, pool(1)).text.rfind("version = 2\n", 0) ==
          0);
    if (const auto out = dump(kDefaults[2].binary, edit.text)) {
        INFO(*out);
        CHECK(out->find("pool_name = 'vg0-thinpool'") != std::string::npos);
        CHECK(out->find("snapshotter = 'devmapper'") != std::string::npos);
    }
}

TEST_CASE("disabled_plugins naming devmapper is refused, or re-enabled only with replace",
          "[config][containerd][defaults]") {
    const std::string original = fixture("disabled-devmapper.toml");
    CHECK_THROWS_MATCHES(lvmkit::merge_containerd_config(original, pool(1)), Error,
                         has_code_and_text(Errc::conflict,
                                           "disabled_plugins lists "
                                           "io.containerd.snapshotter.v1.devmapper"));
    const auto edit = lvmkit::merge_containerd_config(original, pool(1), OnConflict::replace);
    const auto doc = parsed(edit.text);
    const auto* disabled = doc.get_as<toml::array>("disabled_plugins");
    REQUIRE(disabled);
    CHECK(disabled->size() == 1);
    CHECK((*disabled)[0].value<std::string>() == "io.containerd.internal.v1.tracing");
    CHECK(doc.get_as<toml::array>("imports")->size() == 1);  // kept
    CHECK(edit.text.find("imports = [\"/etc/containerd/conf.d/*.toml\"]") != std::string::npos);
    bool noted = false;
    for (const auto& note : edit.notes)
        noted = noted || note.find("imports 1 other file") != std::string::npos;
    CHECK(noted);
    // The default files' empty lists are no trouble.
    CHECK_NOTHROW(lvmkit::merge_containerd_config(fixture("default-1.6.toml"), pool(1)));
}
