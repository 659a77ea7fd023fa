// Shared by the [cli] system tests: where the built lvmkit-docker is, and shell quoting for the
// command lines that run it.
#pragma once

#include <unistd.h>

#include <string>

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

/// @p arg as one word for /bin/sh.
inline std::string shell_quote(const std::string& arg) {
    std::string out = "'";
    for (const char c : arg)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace lvmkit::test
