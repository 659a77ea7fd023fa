#include "lvmkit/error.hpp"

#include <cerrno>
#include <string>
#include "catch_compat.hpp"

#include "lvmkit/log.hpp"

using namespace lvmkit;

TEST_CASE("Error carries operation, object, message, details and errno", "[error]") {
    const Error e(
        Errc::busy, "remove device", "docker-thinpool", "the device is open",
        {"device-mapper: remove ioctl on docker-thinpool failed: Device or resource busy"}, EBUSY);
    CHECK(e.errc() == Errc::busy);
    CHECK(e.code() == Errc::busy);
    CHECK(e.code().category().name() == std::string("lvmkit"));
    CHECK(e.sys_errno() == EBUSY);
    CHECK(std::string(e.what()) ==
          "remove device docker-thinpool: the device is open (Device or resource busy)\n"
          "  device-mapper: remove ioctl on docker-thinpool failed: Device or resource busy");
    CHECK(e.code().message() == "busy");
}

TEST_CASE("the log sink receives messages at or above the level", "[log]") {
    std::string seen;
    auto previous = set_log_sink([&](LogCategory c, LogLevel l, std::string_view m) {
        seen += std::string(to_string(c)) + "/" + to_string(l) + ":" + std::string(m) + ";";
    });
    set_log_level(LogLevel::info);
    log(LogCategory::lvm, LogLevel::debug, "dropped");
    log(LogCategory::dm, LogLevel::warning, "kept");
    set_log_level(LogLevel::debug);
    set_log_sink([](LogCategory, LogLevel, std::string_view) { throw 1; });
    CHECK_NOTHROW(log(LogCategory::setup, LogLevel::error, "sink throws"));
    set_log_sink(previous);
    CHECK(seen == "dm/warning:kept;");
}
