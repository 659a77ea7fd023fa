#include "lvmkit/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

namespace lvmkit {
namespace {

void default_sink(LogCategory category, LogLevel level, std::string_view message) {
    if (level < LogLevel::warning)
        return;
    std::fprintf(stderr, "lvmkit[%s] %s: %.*s\n", to_string(category), to_string(level),
                 static_cast<int>(message.size()), message.data());
}

struct SinkState {
    // Recursive: a sink that itself logs through lvmkit must not deadlock.
    std::recursive_mutex mutex;
    LogSink sink = default_sink;
};

SinkState& state() {
    static SinkState instance;
    return instance;
}

std::atomic<LogLevel> min_level{LogLevel::debug};

}  // namespace

const char* to_string(LogCategory category) noexcept {
    switch (category) {
        case LogCategory::dm:
            return "dm";
        case LogCategory::lvm:
            return "lvm";
        case LogCategory::blkid:
            return "blkid";
        case LogCategory::config:
            return "config";
        case LogCategory::setup:
            return "setup";
    }
    return "?";
}

const char* to_string(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::notice:
            return "notice";
        case LogLevel::warning:
            return "warning";
        case LogLevel::error:
            return "error";
    }
    return "?";
}

LogSink set_log_sink(LogSink sink) {
    auto& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    LogSink previous = std::move(s.sink);
    s.sink = sink ? std::move(sink) : LogSink(default_sink);
    return previous;
}

void set_log_level(LogLevel level) noexcept {
    min_level.store(level);
}

void log(LogCategory category, LogLevel level, std::string_view message) {
    if (level < min_level.load())
        return;
    auto& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    try {
        s.sink(category, level, message);
    } catch (...) {
        // A throwing sink must not turn a log line into a failed disk operation.
    }
}

}  // namespace lvmkit
