#include "lvmkit/containerd_config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

#include "lvmkit/error.hpp"

namespace lvmkit {
namespace {

constexpr std::string_view kFile = "config.toml";
constexpr const char* kPlugin = "io.containerd.snapshotter.v1.devmapper";
constexpr const char* kHeader = "[plugins.\"io.containerd.snapshotter.v1.devmapper\"]";

[[noreturn]] void bad_field(const std::string& field, const std::string& why) {
    throw Error(Errc::invalid_argument, "check containerd devmapper config", field, why);
}

/// A TOML basic string.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

toml::table section_table(const ContainerdDevmapperConfig& config) {
    toml::table table;
    table.insert("pool_name", config.pool_name);
    table.insert("root_path", config.root_path);
    table.insert("base_image_size", containerd_size(config.base_image_size));
    if (config.async_remove)
        table.insert("async_remove", *config.async_remove);
    if (config.discard_blocks)
        table.insert("discard_blocks", *config.discard_blocks);
    if (config.fs_type)
        table.insert("fs_type", *config.fs_type);
    return table;
}

toml::table parse_toml(std::string_view text) {
    try {
        return toml::parse(std::string_view(text), kFile);
    } catch (const toml::parse_error& error) {
        const auto& at = error.source().begin;
        throw Error(Errc::parse_error, "read", std::string(kFile),
                    "is not valid TOML: line " + std::to_string(at.line) + ", column " +
                        std::to_string(at.column) + ": " + std::string(error.description()));
    }
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        const std::size_t stop = end == std::string_view::npos ? text.size() : end + 1;
        lines.emplace_back(text.substr(pos, stop - pos));
        pos = stop;
    }
    return lines;
}

bool is_header_line(const std::string& line) {
    const auto first = line.find_first_not_of(" \t");
    return first != std::string::npos && line[first] == '[';
}

bool is_blank_or_comment(const std::string& line) {
    const auto first = line.find_first_not_of(" \t\r\n");
    return first == std::string::npos || line[first] == '#';
}

/// A bare TOML key when it can be one, else a quoted one.
std::string key_text(const std::string& key) {
    const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    return bare ? key : quoted(key);
}

/// Replaces the lines of the table whose header is on 1-based @p header_line, up to the next
/// header, with @p replacement. std::nullopt when that line is not a header.
std::optional<std::string> splice(std::string_view text, std::size_t header_line,
                                  const std::string& replacement) {
    auto lines = split_lines(text);
    if (header_line == 0 || header_line > lines.size() || !is_header_line(lines[header_line - 1]))
        return std::nullopt;
    std::size_t end = header_line;
    while (end < lines.size() && !is_header_line(lines[end]))
        ++end;
    // Blank and comment lines just above the next header belong to that next section.
    while (end > header_line && is_blank_or_comment(lines[end - 1]))
        --end;
    std::size_t keep = header_line - 1;
    // Removing the last section also drops the blank line append_section() put before it.
    if (replacement.empty() && end == lines.size() && keep > 0 &&
        is_blank_or_comment(lines[keep - 1]))
        --keep;
    std::string out;
    for (std::size_t i = 0; i < keep; ++i)
        out += lines[i];
    if (!out.empty() && out.back() != '\n')
        out += '\n';
    out += replacement;
    for (std::size_t i = end; i < lines.size(); ++i)
        out += lines[i];
    return out;
}

std::string append_section(std::string_view text, const std::string& section) {
    std::string out(text);
    if (!out.empty() && out.back() != '\n')
        out += '\n';
    if (!out.empty())
        out += '\n';
    return out + section;
}

/// Lines for the keys of @p existing that lvmkit does not manage (kept in a replaced section).
std::optional<std::string> extra_lines(const toml::table& existing, const toml::table& ours) {
    std::string out;
    for (const auto& [key, node] : existing) {
        if (ours.contains(key.str()))
            continue;
        if (node.is_table() || node.is_array_of_tables())
            return std::nullopt;  // sub-tables do not fit in "key = value" lines
        std::ostringstream value;
        node.visit([&](const auto& v) { value << v; });
        out += "  " + key_text(std::string(key.str())) + " = " + value.str() + "\n";
    }
    return out;
}

void drop_empty_plugins(toml::table& document) {
    if (auto* plugins = document.get_as<toml::table>("plugins"); plugins && plugins->empty())
        document.erase("plugins");
}

/// True when @p text parses to @p expected (our edit did exactly what we meant).
bool holds(const std::string& text, toml::table expected) {
    try {
        toml::table actual = toml::parse(std::string_view(text), kFile);
        drop_empty_plugins(actual);
        drop_empty_plugins(expected);
        return actual == expected;
    } catch (const toml::parse_error&) {
        return false;
    }
}

std::string serialize(const toml::table& document) {
    std::ostringstream out;
    out << toml::toml_formatter(document) << "\n";
    return out.str();
}

ConfigEdit edited(std::string_view original, std::optional<std::string> text,
                  const toml::table& expected, std::vector<std::string> notes) {
    ConfigEdit edit;
    if (text && holds(*text, expected)) {
        edit.text = std::move(*text);
    } else {
        edit.text = serialize(expected);
        notes.push_back(
            "config.toml re-serialized by toml++: its comments and layout are not "
            "kept");
    }
    edit.changed = edit.text != original;
    edit.notes = std::move(notes);
    return edit;
}

std::string section_name() {
    return std::string("plugins.\"") + kPlugin + "\"";
}

}  // namespace

ContainerdDevmapperConfig containerd_devmapper_config(const VgName& vg, const LvName& pool,
                                                      Bytes base_image_size) {
    ContainerdDevmapperConfig config;
    config.pool_name = dm_name(vg, pool);
    config.base_image_size = base_image_size;
    validate(config);
    return config;
}

void validate(const ContainerdDevmapperConfig& config) {
    if (config.pool_name.empty())
        bad_field("pool_name", "is empty");
    for (char c : config.pool_name)
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '_' && c != '.' &&
            c != '-')
            bad_field("pool_name", "'" + config.pool_name + "' is not a device-mapper name");
    if (config.root_path.empty() || config.root_path.front() != '/')
        bad_field("root_path", "'" + config.root_path + "' is not an absolute path");
    for (char c : config.root_path)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            bad_field("root_path", "holds a control character");
    if (config.base_image_size.count() == 0)
        bad_field("base_image_size", "is zero");
    if (config.fs_type && *config.fs_type != "ext4" && *config.fs_type != "xfs")
        bad_field("fs_type", "'" + *config.fs_type + "' is not ext4 or xfs");
}

std::string containerd_size(Bytes size) {
    static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    std::uint64_t value = size.count();
    if (value == 0 || value % 1024 != 0)
        return std::to_string(value);
    int unit = -1;
    while (value % 1024 == 0 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    return std::to_string(value) + units[unit];
}

std::string render_containerd_devmapper(const ContainerdDevmapperConfig& config) {
    validate(config);
    std::string out = std::string(kHeader) + "\n";
    out += "  pool_name = " + quoted(config.pool_name) + "\n";
    out += "  root_path = " + quoted(config.root_path) + "\n";
    out += "  base_image_size = " + quoted(containerd_size(config.base_image_size)) + "\n";
    if (config.async_remove)
        out += std::string("  async_remove = ") + (*config.async_remove ? "true" : "false") + "\n";
    if (config.discard_blocks)
        out +=
            std::string("  discard_blocks = ") + (*config.discard_blocks ? "true" : "false") + "\n";
    if (config.fs_type)
        out += "  fs_type = " + quoted(*config.fs_type) + "\n";
    return out;
}

ConfigEdit merge_containerd_config(std::optional<std::string_view> existing,
                                   const ContainerdDevmapperConfig& config,
                                   OnConflict on_conflict) {
    const std::string section = render_containerd_devmapper(config);
    const std::string original(existing.value_or(""));
    toml::table document = parse_toml(original);
    const toml::table ours = section_table(config);

    toml::node* plugins_node = document.get("plugins");
    if (plugins_node && !plugins_node->is_table())
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    "\"plugins\" is not a table; lvmkit will not replace it");
    toml::node* current = plugins_node ? plugins_node->as_table()->get(kPlugin) : nullptr;
    std::vector<std::string> notes;

    if (!current) {
        toml::table expected = document;
        if (!expected.get("plugins"))
            expected.insert("plugins", toml::table{});
        expected.get_as<toml::table>("plugins")->insert(kPlugin, ours);
        notes.push_back("add [" + section_name() + "] for pool " + config.pool_name);
        return edited(original, append_section(original, section), expected, std::move(notes));
    }
    if (!current->is_table())
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    section_name() + " is not a table; lvmkit will not replace it");
    const toml::table& table = *current->as_table();
    for (const char* key : {"pool_name", "root_path"}) {
        const auto have = table[key].value<std::string>();
        const auto want = ours[key].value<std::string>();
        if (!have || *have == *want)
            continue;
        if (on_conflict == OnConflict::refuse)
            throw Error(Errc::conflict, "merge", std::string(kFile),
                        section_name() + " has " + key + " = " + quoted(*have) + ", not " +
                            quoted(*want) + " (pass OnConflict::replace to take it over)");
        notes.push_back(std::string("replace ") + key + " " + quoted(*have) + " with " +
                        quoted(*want));
    }
    toml::table merged = table;
    for (const auto& [key, node] : ours)
        merged.insert_or_assign(key, node);
    if (merged == table)
        return {original, false, {"[" + section_name() + "] already as wanted"}};

    toml::table expected = document;
    expected.get_as<toml::table>("plugins")->insert_or_assign(kPlugin, merged);
    notes.push_back("update [" + section_name() + "] for pool " + config.pool_name);
    std::optional<std::string> text;
    if (const auto extras = extra_lines(table, ours))
        text = splice(original, table.source().begin.line, section + *extras);
    return edited(original, text, expected, std::move(notes));
}

ConfigEdit remove_from_containerd_config(std::string_view existing,
                                         const ContainerdDevmapperConfig& config) {
    const std::string original(existing);
    toml::table document = parse_toml(original);
    auto* plugins = document.get_as<toml::table>("plugins");
    const toml::table* table = plugins ? plugins->get_as<toml::table>(kPlugin) : nullptr;
    if (!table)
        return {original, false, {"config.toml has no [" + section_name() + "]; left as it is"}};
    if ((*table)["pool_name"].value<std::string>() != config.pool_name)
        return {original, false, {"[" + section_name() + "] names another pool; left as it is"}};
    const std::size_t header_line = table->source().begin.line;
    toml::table expected = document;
    expected.get_as<toml::table>("plugins")->erase(kPlugin);
    drop_empty_plugins(expected);
    return edited(original, splice(original, header_line, ""), expected,
                  {"remove [" + section_name() + "]"});
}

}  // namespace lvmkit
