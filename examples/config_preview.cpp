// Shows what lvmkit's config layer would write for a thin pool, and writes it under a target
// root when asked:
//
//   example-config_preview VG POOL [PROFILE_DIR [TARGET_ROOT]]
//
// PROFILE_DIR is where LVM reads profiles (`lvmconfig --typeconfig full config/profile_dir`;
// lvmkit's LVM layer asks LVM for it). With TARGET_ROOT (e.g. /mnt/sysimage) the profile,
// /etc/docker/daemon.json and /etc/containerd/config.toml are written under it, atomically, with
// backups of any previous files.
#include <cstdio>
#include <exception>
#include <string>

#include "lvmkit/containerd_config.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/profile.hpp"

namespace {

void show(const std::string& title, const std::string& text) {
    std::printf("--- %s\n%s", title.c_str(), text.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || argc > 5) {
        std::fprintf(stderr, "usage: %s VG POOL [PROFILE_DIR [TARGET_ROOT]]\n", argv[0]);
        return 2;
    }
    try {
        const lvmkit::VgName vg(argv[1]);
        const lvmkit::LvName pool(argv[2]);
        const std::string profile_dir = argc > 3 ? argv[3] : "/etc/lvm/profile";

        const auto kernel = lvmkit::decide_deferred_deletion(lvmkit::running_kernel_release());
        const auto docker_advice = lvmkit::check_docker_version(std::nullopt);
        lvmkit::LvmProfile profile;
        std::printf("plan:\n  %s\n  %s\n  %s\n", lvmkit::describe(profile).c_str(),
                    kernel.reason.c_str(), docker_advice.message.c_str());

        const auto docker = lvmkit::docker_devicemapper_config(vg, pool, kernel);
        const auto containerd = lvmkit::containerd_devmapper_config(vg, pool);
        const std::string profile_path = lvmkit::profile_path(profile_dir, profile.name);
        const lvmkit::FileWriter writer(lvmkit::TargetRoot(argc > 4 ? argv[4] : "/"));

        const auto daemon_json =
            lvmkit::merge_daemon_json(writer.read("/etc/docker/daemon.json"), docker);
        const auto config_toml =
            lvmkit::merge_containerd_config(writer.read("/etc/containerd/config.toml"), containerd);
        show(profile_path, lvmkit::render_profile(profile));
        show("/etc/docker/daemon.json", daemon_json.text);
        show("/etc/containerd/config.toml", config_toml.text);
        if (argc < 5)
            return 0;
        for (const auto& [path, text] :
             {std::pair{profile_path, lvmkit::render_profile(profile)},
              std::pair{std::string("/etc/docker/daemon.json"), daemon_json.text},
              std::pair{std::string("/etc/containerd/config.toml"), config_toml.text}}) {
            const auto result = writer.write(path, text);
            const std::string backup =
                result.backup_created ? " (backup " + result.backup_host_path + ")" : "";
            std::printf("%s %s%s\n", result.changed ? "wrote" : "unchanged",
                        result.host_path.c_str(), backup.c_str());
        }
        return 0;
    } catch (const lvmkit::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
