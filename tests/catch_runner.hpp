// Runs Catch2's session. Its implementation (all of Catch2 2, which is header-only) is compiled
// once, in tests/catch_runner.cpp, for every test binary: it is the largest translation unit of the
// suites.
#pragma once

namespace lvmkit::test {

/// Catch::Session().run(argc, argv).
int run_catch_session(int argc, char* argv[]);

}  // namespace lvmkit::test
