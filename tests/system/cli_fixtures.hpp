// Shared by the [cli] system tests: where the built lvmkit-docker is, and shell quoting for the
// command lines that run it.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace lvmkit::test {

/// The lvmkit-docker binary of this build tree.
inline std::string cli_binary() {
#ifdef LVMKIT_DOCKER_BINARY
    return LVMKIT_DOCKER_BINARY;
#else
    // Built without the examples: next to the test binary's build tree.
    char self[4096] = {};
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    std::string dir(self, n > 0 ? static_cast<std::size_t>(n) : 0);
    dir = dir.substr(0, dir.rfind('/'));
    return dir + "/../examples/lvmkit-docker/lvmkit-docker";
#endif
}

/// In a forked child: replaces it with lvmkit-docker @p args (exit 127 if that fails).
[[noreturn]] inline void exec_cli(const std::vector<std::string>& args) {
    const std::string path = cli_binary();
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
}

/// @p arg as one word for /bin/sh.
inline std::string shell_quote(const std::string& arg) {
    std::string out = "'";
    for (const char c : arg)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace lvmkit::test
