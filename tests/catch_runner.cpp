// Catch2's implementation and session, shared by the unit and [system] suites (catch_runner.hpp).
#define LVMKIT_CATCH_RUNNER
#include "catch_runner.hpp"

#include "catch_compat.hpp"

int lvmkit::test::run_catch_session(int argc, char* argv[]) {
    return Catch::Session().run(argc, argv);
}
