// Finding the installed Docker: dpkg's status file, else dockerd's own --version.
#include "lvmkit/docker_detect.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit {
namespace {

constexpr const char* kDockerPackages[] = {"docker.io", "docker-ce", "moby-engine"};
constexpr const char* kDockerdPaths[] = {"/usr/bin/dockerd", "/usr/sbin/dockerd"};
constexpr const char* kContainerdPackages[] = {"containerd", "containerd.io"};
constexpr const char* kContainerdPaths[] = {"/usr/bin/containerd", "/usr/local/bin/containerd",
                                            "/usr/sbin/containerd"};

std::string field(const std::string& stanza, const std::string& name) {
    std::istringstream lines(stanza);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(name + ": ", 0) == 0)
            return line.substr(name.size() + 2);
    return {};
}

std::string joined(const std::string& root, const char* path) {
    return (root == "/" ? std::string() : root) + path;
}

/// `dockerd --version`'s output, with a 30 s limit (a broken binary must not hang setup; a big
/// Go binary read from a slow disk needs more than a few seconds).
std::optional<std::string> run_version(const std::string& binary) {
    if (::access(binary.c_str(), X_OK) != 0)
        return std::nullopt;
    int fds[2];
    if (::pipe(fds) != 0)
        return std::nullopt;
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        const char* argv[] = {"timeout", "30", binary.c_str(), "--version", nullptr};
        ::execvp("timeout", const_cast<char* const*>(argv));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string output;
    std::array<char, 256> buffer{};
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer.data(), buffer.size())) > 0 && output.size() < 4096)
        output.append(buffer.data(), static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    return output;
}

/// The installed version of the first of @p packages in a dpkg status file, epoch removed.
template <std::size_t N>
std::optional<std::string> version_from_dpkg_status(std::string_view status,
                                                    const char* const (&packages)[N]) {
    std::string text(status);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find("\n\n", pos);
        if (end == std::string::npos)
            end = text.size();
        const std::string stanza = "\n" + text.substr(pos, end - pos);
        pos = end + 2;
        const std::string package = field(stanza.substr(1), "Package");
        bool wanted = false;
        for (const char* name : packages)
            wanted = wanted || package == name;
        if (!wanted || field(stanza.substr(1), "Status") != "install ok installed")
            continue;
        std::string version = field(stanza.substr(1), "Version");
        if (const auto colon = version.find(':'); colon != std::string::npos)
            version = version.substr(colon + 1);  // the epoch, e.g. docker-ce's "5:"
        if (!version.empty())
            return version;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> docker_version_from_dpkg_status(std::string_view status) {
    return version_from_dpkg_status(status, kDockerPackages);
}

std::optional<std::string> containerd_version_from_dpkg_status(std::string_view status) {
    return version_from_dpkg_status(status, kContainerdPackages);
}

std::optional<std::string> docker_version_from_output(std::string_view output) {
    constexpr std::string_view prefix = "Docker version ";
    const auto at = output.find(prefix);
    if (at == std::string_view::npos)
        return std::nullopt;
    std::string_view rest = output.substr(at + prefix.size());
    const auto end = rest.find_first_of(", \n");
    rest = rest.substr(0, end);
    if (rest.empty() || std::isdigit(static_cast<unsigned char>(rest.front())) == 0)
        return std::nullopt;
    return std::string(rest);
}

std::optional<std::string> containerd_version_from_output(std::string_view output) {
    // "containerd github.com/containerd/containerd/v2 2.1.9+unknown <revision>"
    std::istringstream words{std::string(output)};
    std::string name, module, version;
    if (!(words >> name >> module >> version) || name != "containerd" ||
        module.find("containerd") == std::string::npos ||
        std::isdigit(static_cast<unsigned char>(version.front())) == 0)
        return std::nullopt;
    return version;
}

std::optional<InstalledDocker> find_installed_containerd(const std::string& root) {
    const std::string status_path = joined(root, "/var/lib/dpkg/status");
    std::ifstream status(status_path);
    if (status) {
        std::ostringstream text;
        text << status.rdbuf();
        if (const auto version = containerd_version_from_dpkg_status(text.str()))
            return InstalledDocker{*version, "the dpkg package database " + status_path};
    }
    for (const char* path : kContainerdPaths) {
        const std::string binary = joined(root, path);
        if (const auto output = run_version(binary))
            if (const auto version = containerd_version_from_output(*output))
                return InstalledDocker{*version, binary + " --version"};
    }
    return std::nullopt;
}

std::optional<InstalledDocker> find_installed_docker(const std::string& root) {
    const std::string status_path = joined(root, "/var/lib/dpkg/status");
    // Through the file writer's read: a FIFO or a device there is refused, never waited on.
    std::optional<std::string> status;
    try {
        status = FileWriter{TargetRoot(root)}.read("/var/lib/dpkg/status", true);
    } catch (const Error& e) {
        // A FIFO or a device there is worth a warning; a root that is no directory is the
        // caller's to report.
        log(LogCategory::config, e.errc() == Errc::conflict ? LogLevel::warning : LogLevel::debug,
            std::string("not reading the dpkg package database: ") + e.what());
    }
    if (status)
        if (const auto version = docker_version_from_dpkg_status(*status))
            return InstalledDocker{*version, "the dpkg package database " + status_path};
    for (const char* path : kDockerdPaths) {
        const std::string binary = joined(root, path);
        if (const auto output = run_version(binary))
            if (const auto version = docker_version_from_output(*output))
                return InstalledDocker{*version, binary + " --version"};
    }
    return std::nullopt;
}

}  // namespace lvmkit
