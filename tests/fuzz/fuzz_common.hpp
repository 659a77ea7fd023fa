// Shared by lvmkit's libFuzzer targets: lvmkit::Error is the one documented way to refuse input;
// anything else escaping a parser (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lvmkit/error.hpp"

namespace lvmkit::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// Runs @p body; lvmkit::Error is an accepted outcome, and its message must not be empty.
template <typename Body>
void expect_value_or_error(Body&& body) {
    try {
        body();
    } catch (const lvmkit::Error& e) {
        if (e.message().empty())
            __builtin_trap();  // every refusal names its problem
    }
}

}  // namespace lvmkit::fuzz
