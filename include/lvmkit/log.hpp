/// @file log.hpp
/// @brief The log sink: every message lvmkit and the C libraries below it emit goes here.
#pragma once

#include <functional>
#include <string_view>

namespace lvmkit {

/// Where a message comes from.
enum class LogCategory {
    dm,      ///< libdevmapper and lvmkit's dm layer.
    lvm,     ///< liblvm2cmd and lvmkit's LVM layer.
    blkid,   ///< libblkid and device inspection.
    config,  ///< Config files written or restored.
    setup    ///< The setup facade (plan, apply, verify, teardown).
};

/// How important it is (syslog-like, most severe last).
enum class LogLevel {
    debug,    ///< Detail for debugging.
    info,     ///< What is being done.
    notice,   ///< Worth knowing, not a problem.
    warning,  ///< Probably a problem; the default sink prints from here up.
    error     ///< Something failed.
};

/// Short stable name of a category: "dm", "lvm", "blkid", "config", "setup".
const char* to_string(LogCategory category) noexcept;
/// Short stable name of a level: "debug", "info", "notice", "warning", "error".
const char* to_string(LogLevel level) noexcept;

/// One callback receives every message. It may be called from any thread that calls lvmkit, but
/// never from two threads at once.
using LogSink = std::function<void(LogCategory, LogLevel, std::string_view message)>;

/// Installs @p sink (an empty function restores the default) and returns the previous one.
/// The default sink drops messages below `warning` and writes the rest to stderr as
/// "lvmkit[category] level: message".
LogSink set_log_sink(LogSink sink);

/// Messages below @p level are dropped before they reach the sink (default: debug = keep all).
void set_log_level(LogLevel level) noexcept;

/// Sends one message to the current sink (used by lvmkit's layers; available to callers too).
void log(LogCategory category, LogLevel level, std::string_view message);

}  // namespace lvmkit
