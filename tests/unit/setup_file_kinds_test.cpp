// Issue 28: the plan refuses a FIFO, a socket or a device node wherever setup would open a file
// or a directory (daemon.json, containerd's config.toml, their backups, the LVM profile directory
// and file, the graph directory's backup), first thing, naming the path and what it is, within a
// bound, writing nothing. build_plan() runs on the host with a blank disk's state.
#include <sys/stat.h>
#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include "catch_compat.hpp"

#include "file_kind_fixtures.hpp"
#include "lvmkit/docker_detect.hpp"
#include "lvmkit/error.hpp"
#include "plan_fixtures.hpp"
#include "setup/setup_internal.hpp"

using namespace lvmkit;
using namespace lvmkit::setup;
using namespace lvmkit::setup::internal;
using namespace lvmkit::test;
namespace fs = std::filesystem;

namespace {

/// A target root and an LVM profile directory in a temporary directory, removed afterwards.
struct Scene {
    Scene() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base ? base : "/tmp") + "/lvmkit-kinds-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        top = pattern;
        root = top + "/root";
        profile_dir = top + "/profile";
        fs::create_directories(root + "/etc/docker");
        fs::create_directories(profile_dir);
        spec.devices = {"/dev/sdb"};
        spec.target_root = root;
        spec.docker_storage = DockerStorage::devicemapper;
    }
    ~Scene() { fs::remove_all(top); }
    Scene(const Scene&) = delete;
    Scene& operator=(const Scene&) = delete;

    /// Every entry under the scene with its kind and size: nothing may change.
    std::vector<std::string> listing() const {
        std::vector<std::string> out;
        for (const auto& entry : fs::recursive_directory_iterator(top)) {
            const auto status = entry.symlink_status();
            out.push_back(entry.path().string() + " " +
                          std::to_string(static_cast<int>(status.type())) + " " +
                          (status.type() == fs::file_type::regular
                               ? std::to_string(fs::file_size(entry.path()))
                               : std::string("-")));
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    /// build_plan() on a blank 1 GiB /dev/sdb: the refusal's text, or nullopt when it planned.
    std::optional<Error> plan_error() const {
        SystemState state = blank_disk(Bytes::GiB(1));
        state.profile_dir = profile_dir;
        try {
            (void)build_plan(spec, state, FileWriter{TargetRoot(root)});
        } catch (const Error& e) {
            return e;
        }
        return std::nullopt;
    }

    std::string top, root, profile_dir;
    ThinPoolSpec spec;
};

void spit(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

struct Case {
    std::string what;
    // Makes the node (returns its path), or an empty string when it could not (not root).
    std::function<std::string(Scene&, NodeKind)> prepare;
    std::string wanted;  // "a regular file" or "a directory"
};

std::string node_at(const std::string& path, NodeKind kind) {
    fs::create_directories(fs::path(path).parent_path());
    return made_node(kind, path) ? path : std::string();
}

}  // namespace

TEST_CASE("setup: the plan is built where every file is absent or regular", "[setup][kinds]") {
    Scene scene;
    spit(scene.root + "/etc/docker/daemon.json", "{}\n");
    CHECK_FALSE(scene.plan_error().has_value());
}

TEST_CASE("setup: a FIFO, socket or device among setup's files is refused first, nothing written",
          "[setup][kinds]") {
    const std::vector<Case> cases = {
        {"daemon.json",
         [](Scene& s, NodeKind k) { return node_at(s.root + "/etc/docker/daemon.json", k); },
         "a regular file"},
        {"the directory of daemon.json",
         [](Scene& s, NodeKind k) {
             fs::remove(s.root + "/etc/docker");
             return node_at(s.root + "/etc/docker", k);
         },
         "a directory"},
        {"daemon.json's backup",
         [](Scene& s, NodeKind k) {
             spit(s.root + "/etc/docker/daemon.json", "{\"debug\": true}\n");
             return node_at(s.root + "/etc/docker/daemon.json.lvmkit-backup", k);
         },
         "a regular file"},
        {"containerd's config.toml (containerd alone)",
         [](Scene& s, NodeKind k) {
             s.spec.consumer = Consumer::containerd;
             return node_at(s.root + "/etc/containerd/config.toml", k);
         },
         "a regular file"},
        {"containerd's config.toml (Docker's snapshotter mode)",
         [](Scene& s, NodeKind k) {
             s.spec.docker_storage = DockerStorage::snapshotter;
             return node_at(s.root + "/etc/containerd/config.toml", k);
         },
         "a regular file"},
        {"the LVM profile",
         [](Scene& s, NodeKind k) {
             return node_at(s.profile_dir + "/" + s.spec.profile_name + ".profile", k);
         },
         "a regular file"},
        {"the LVM profile directory",
         [](Scene& s, NodeKind k) {
             fs::remove(s.profile_dir);
             return node_at(s.profile_dir, k);
         },
         "a directory"},
        {"the graph directory's backup (--backup-graph-dir)",
         [](Scene& s, NodeKind k) {
             s.spec.backup_graph_dir = true;
             fs::create_directories(s.root + "/var/lib/docker");
             return node_at(s.root + "/var/lib/docker.backup", k);
         },
         "a directory"},
        {"the graph directory (--backup-graph-dir)",
         [](Scene& s, NodeKind k) {
             s.spec.backup_graph_dir = true;
             return node_at(s.root + "/var/lib/docker", k);
         },
         "a directory"},
    };
    for (const auto& c : cases) {
        for (const auto kind : all_node_kinds) {
            INFO(c.what << " is " << kind_words(kind));
            Scene scene;
            const std::string node = c.prepare(scene, kind);
            if (node.empty())
                continue;
            const auto before = scene.listing();
            const Deadline deadline(5);
            const auto error = scene.plan_error();
            CHECK(deadline.elapsed_seconds() < 1.0);
            REQUIRE(error.has_value());
            INFO(error->what());
            CHECK(error->errc() == Errc::conflict);
            CHECK(error->object() == node);
            CHECK(error->message().find(std::string("is ") + kind_words(kind) + ", not " +
                                        c.wanted) != std::string::npos);
            CHECK(scene.listing() == before);
        }
    }
}

TEST_CASE("find_installed_docker skips a dpkg status that is a FIFO instead of waiting on it",
          "[setup][kinds]") {
    Scene scene;
    REQUIRE(node_at(scene.root + "/var/lib/dpkg/status", NodeKind::fifo) != "");
    const Deadline deadline(5);
    CHECK_FALSE(find_installed_docker(scene.root).has_value());
    CHECK(deadline.elapsed_seconds() < 1.0);
}
