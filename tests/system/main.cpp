// The [system] suite: needs root and device-mapper. Refuses to run (exit 77) elsewhere rather than
// pretend: scripts/test starts it inside the real-kernel harness when the host lacks dm.
#include <unistd.h>

#include <cstdio>
#include "catch_runner.hpp"

#include "system/fixtures.hpp"

int main(int argc, char* argv[]) {
    if (const char* why = lvmkit::test::system_suite_unavailable()) {
        std::fprintf(stderr, "lvmkit-system-tests: cannot run here: %s\n", why);
        return 77;
    }
    return lvmkit::test::run_catch_session(argc, argv);
}
