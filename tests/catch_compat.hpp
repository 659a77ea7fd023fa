// Catch2 2 (Debian 12) or Catch2 3 (Debian 13, Ubuntu 24.04, Fedora), whichever CMake found
// (tests/CMakeLists.txt sets LVMKIT_CATCH2_MAJOR). The tests use Catch2 2's names; under Catch2 3
// the few that moved are brought back here. A test's main defines LVMKIT_CATCH_RUNNER first.
#pragma once

#if LVMKIT_CATCH2_MAJOR >= 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#include <catch2/matchers/catch_matchers_predicate.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#ifdef LVMKIT_CATCH_RUNNER
#include <catch2/catch_session.hpp>
#endif
#include <string>

namespace Catch {
// Catch2 2 named the substring matcher Contains and exported the matchers into Catch.
inline auto Contains(const std::string& text, CaseSensitive sensitivity = CaseSensitive::Yes) {
    return Matchers::ContainsSubstring(text, sensitivity);
}
using Matchers::Predicate;
using Matchers::StartsWith;
}  // namespace Catch
using Catch::Approx;

#else
#ifdef LVMKIT_CATCH_RUNNER
#define CATCH_CONFIG_RUNNER
#endif
#include <catch2/catch.hpp>
#endif
