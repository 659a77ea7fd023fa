// Shell commands and lvmkit errors in [system] tests: the small helpers several test files share.
#pragma once

#include <functional>
#include <string>

#include "catch_compat.hpp"
#include "lvmkit/error.hpp"
#include "system/fixtures.hpp"

namespace lvmkit::test {

/// Runs @p command through /bin/sh; its exit code and output.
inline CommandResult sh(const std::string& command) {
    return run_command({"/bin/sh", "-c", command});
}

/// Runs @p command through /bin/sh; the test stops, showing the output, unless it succeeds.
inline void must(const std::string& command) {
    const auto r = sh(command);
    INFO(command << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
}

/// The Errc of the lvmkit::Error @p action throws; the test fails when it throws none.
inline Errc errc_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        INFO(e.what());
        return e.errc();
    }
    FAIL("no lvmkit::Error thrown");
    return Errc::invalid_argument;
}

}  // namespace lvmkit::test
