/// @file docker_detect.hpp
/// @brief Finds the Docker installed inside a root, so setup can choose between Docker's
/// devicemapper graph driver (Docker 24 and older) and containerd's devmapper snapshotter
/// (Docker 25 and later).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lvmkit {

/// A dockerd found on the system (or inside an installer's root).
struct InstalledDocker {
    std::string version;  ///< e.g. "26.1.5+dfsg1" or "20.10.24+dfsg1"
    std::string source;   ///< where it was read, e.g. "dpkg package docker.io" or the binary
};

/// The Docker version of a `dpkg` status file's text: the installed `docker.io`, `docker-ce` or
/// `moby-engine` package, its epoch (`5:`) removed; std::nullopt when none is installed.
std::optional<std::string> docker_version_from_dpkg_status(std::string_view status);

/// The version in `dockerd --version` output ("Docker version 26.1.5+dfsg1, build 411e817");
/// std::nullopt when the text is not such a line.
std::optional<std::string> docker_version_from_output(std::string_view output);

/// Looks for Docker inside @p root: the dpkg status file (`var/lib/dpkg/status`) first, then
/// runs `<root>/usr/bin/dockerd --version` or `<root>/usr/sbin/dockerd --version` (30 s at
/// most). std::nullopt when there is no Docker. A status file that is not a regular file (a
/// FIFO, a device) is skipped with a warning in the log, never opened. Never throws.
std::optional<InstalledDocker> find_installed_docker(const std::string& root);

/// The installed `containerd` or `containerd.io` package's version in a dpkg status file's
/// text, epoch removed; std::nullopt when none is installed.
std::optional<std::string> containerd_version_from_dpkg_status(std::string_view status);

/// The version in `containerd --version` output ("containerd github.com/containerd/containerd/v2
/// 2.1.9+unknown" or "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1");
/// std::nullopt when the text is not such a line.
std::optional<std::string> containerd_version_from_output(std::string_view output);

/// Looks for containerd inside @p root like find_installed_docker(): the dpkg status file, then
/// `<root>/usr/bin/containerd --version` (also /usr/local/bin, /usr/sbin; 30 s at most).
/// std::nullopt when there is none. Never throws.
std::optional<InstalledDocker> find_installed_containerd(const std::string& root);

}  // namespace lvmkit
