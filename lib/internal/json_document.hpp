// Strict JSON loading for configuration files: nlohmann's parser plus what it lets through
// silently (duplicate keys, unbounded nesting), with line and column in every error.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvmkit::internal {

using Json = nlohmann::ordered_json;

/// Nesting deeper than this is refused (the serializer recurses).
inline constexpr std::size_t kMaxJsonDepth = 512;

/// A loaded JSON configuration file.
struct JsonDocument {
    Json value = Json::object();
    bool had_bom = false;
    bool was_empty = true;  ///< missing, empty or whitespace only
    std::string original;   ///< the text as given (empty when the file is missing)
    /// Numbers nlohmann reads as doubles whose text changes when written back (`1e3` becomes
    /// `1000.0`, integers beyond 64 bits lose digits); listed so a plan can say so.
    std::vector<std::string> respelled_numbers;
};

/// Loads @p text (std::nullopt: missing file) whose top level must be an object.
/// @param what the file's name for messages, e.g. "daemon.json"
/// @throws Error(Errc::parse_error) naming line and column.
JsonDocument load_json_object(std::optional<std::string_view> text, const std::string& what);

/// 2-space indented text with a final newline, the BOM put back when the original had one.
std::string dump_json(const JsonDocument& document, const Json& value);

}  // namespace lvmkit::internal
