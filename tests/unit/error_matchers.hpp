// Catch2 matcher shared by the unit tests: an lvmkit::Error with this code whose text names the
// problem.
#pragma once

#include <string>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"

inline auto has_code_and_text(lvmkit::Errc code, std::string text) {
    return Catch::Predicate<lvmkit::Error>(
        [code, text](const lvmkit::Error& e) {
            return e.errc() == code && std::string(e.what()).find(text) != std::string::npos;
        },
        "Error " + std::string(lvmkit::to_string(code)) + " containing '" + text + "'");
}
