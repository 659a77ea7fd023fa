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
/// Comments lvmkit leaves on what it changed in place, so teardown can give back what was there.
constexpr const char* kEmptiedMarker = "  # lvmkit: was empty";
constexpr const char* kWasMarker = "  # lvmkit: was ";
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

/// A string in the quotes containerd's own files of that syntax use: '' for version 3.
std::string quoted_in(ContainerdSyntax syntax, std::string_view text) {
    if (syntax == ContainerdSyntax::v3 && text.find_first_of("'\n") == std::string_view::npos)
        return "'" + std::string(text) + "'";
    return quoted(text);
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

/// The devmapper section's header in the file's own syntax: containerd 2's `version = 3` files
/// quote plugin names with single quotes.
std::string section_header(ContainerdSyntax syntax) {
    return syntax == ContainerdSyntax::v3 ? "[plugins.'" + std::string(kPlugin) + "']"
                                          : std::string(kHeader);
}

std::string render_section(const ContainerdDevmapperConfig& config, ContainerdSyntax syntax) {
    std::string text = render_containerd_devmapper(config);
    return section_header(syntax) + text.substr(text.find('\n'));
}

std::string value_text(const toml::node& node) {
    std::ostringstream out;
    node.visit([&](const auto& v) { out << v; });
    return out.str();
}

/// A version-1 file names plugins by their short id (`[plugins.cri]`, `[plugins.linux]`);
/// versions 2 and 3 by their full id, which always holds dots.
std::optional<std::string> short_plugin_name(const toml::table& document) {
    const auto* plugins = document.get_as<toml::table>("plugins");
    if (!plugins)
        return std::nullopt;
    for (const auto& [key, node] : *plugins)
        if (key.str().find('.') == std::string_view::npos)
            return std::string(key.str());
    return std::nullopt;
}

[[noreturn]] void refuse_version_1(const std::string& why) {
    throw Error(Errc::unsupported, "merge", std::string(kFile),
                why +
                    ": containerd reads it as a version 1 config, where lvmkit's sections mean "
                    "nothing; migrate it first with `containerd config migrate > config.toml.new` "
                    "(containerd 1.7 and later) and put the result in place, then run setup again",
                {}, 0);
}

/// The text and the document it must parse to, edited one part after the other. `text` is
/// nullopt once a text edit could not keep the file's layout (the end re-serializes `expected`).
struct Draft {
    std::optional<std::string> text;
    toml::table expected;
    std::vector<std::string> notes;
};

/// Tries @p candidate as the draft's next text: taken when it parses to @p expected.
bool try_text(Draft& draft, std::optional<std::string> candidate, const toml::table& expected) {
    if (candidate && holds(*candidate, expected)) {
        draft.text = std::move(candidate);
        return true;
    }
    return false;
}

/// The draft's text parsed again, for the line numbers of its current tables.
std::optional<toml::table> current(const Draft& draft) {
    if (!draft.text)
        return std::nullopt;
    try {
        return toml::parse(std::string_view(*draft.text), kFile);
    } catch (const toml::parse_error&) {
        return std::nullopt;
    }
}

/// The line of @p lines (1-based @p line) when it holds nothing but the key @p key's value.
bool line_is_key(const std::string& text, std::size_t line, const std::string& key) {
    const auto lines = split_lines(text);
    if (line == 0 || line > lines.size())
        return false;
    const std::string& l = lines[line - 1];
    const auto first = l.find_first_not_of(" \t");
    return first != std::string::npos && l.compare(first, key.size(), key) == 0;
}

std::string replace_line(const std::string& text, std::size_t line, const std::string& with) {
    auto lines = split_lines(text);
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i)
        out += i + 1 == line ? with : lines[i];
    return out;
}

/// The leading blanks of line @p line (1-based).
std::string indent_of(const std::string& text, std::size_t line) {
    const auto lines = split_lines(text);
    if (line == 0 || line > lines.size())
        return "  ";
    const std::string& l = lines[line - 1];
    return l.substr(0, l.find_first_not_of(" \t"));
}

/// A TOML value's text: strings quoted, the rest as toml++ prints them.
std::string toml_value(const toml::node& node) {
    if (const auto text = node.value<std::string>(); text && node.is_string())
        return quoted(*text);
    return value_text(node);
}

/// containerd's empty default section filled line by line, each key where it was (its order and
/// indentation kept, so teardown can empty it again to the byte); the header gets the marker.
std::optional<std::string> fill_in_place(const std::string& text, const toml::table& section,
                                         const toml::table& ours) {
    const std::size_t header = section.source().begin.line;
    auto lines = split_lines(text);
    if (header == 0 || header > lines.size() || !is_header_line(lines[header - 1]))
        return std::nullopt;
    std::string missing;
    for (const auto& [key, node] : ours) {
        const std::string name(key.str());
        const toml::node* have = section.get(name);
        const std::string line_text = name + " = " + toml_value(node) + "\n";
        if (!have) {
            missing += "    " + line_text;
            continue;
        }
        const std::size_t line = have->source().begin.line;
        if (have->source().end.line != line || !line_is_key(text, line, name))
            return std::nullopt;
        lines[line - 1] = indent_of(text, line) + line_text;
    }
    std::string& head = lines[header - 1];
    const bool newline = !head.empty() && head.back() == '\n';
    head = head.substr(0, head.size() - (newline ? 1 : 0)) + kEmptiedMarker + "\n" + missing;
    std::string out;
    for (const auto& l : lines)
        out += l;
    return out;
}

void merge_devmapper(Draft& draft, const ContainerdDevmapperConfig& config, ContainerdSyntax syntax,
                     OnConflict on_conflict) {
    const toml::table ours = section_table(config);
    toml::node* plugins_node = draft.expected.get("plugins");
    if (plugins_node && !plugins_node->is_table())
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    "\"plugins\" is not a table; lvmkit will not replace it");
    const toml::node* found = plugins_node ? plugins_node->as_table()->get(kPlugin) : nullptr;
    const std::string section = render_section(config, syntax);
    if (!found) {
        toml::table expected = draft.expected;
        if (!expected.get("plugins"))
            expected.insert("plugins", toml::table{});
        expected.get_as<toml::table>("plugins")->insert(kPlugin, ours);
        draft.notes.push_back("add [" + section_name() + "] for pool " + config.pool_name);
        if (!try_text(
                draft,
                draft.text ? std::optional(append_section(*draft.text, section)) : std::nullopt,
                expected))
            draft.text.reset();
        draft.expected = std::move(expected);
        return;
    }
    if (!found->is_table())
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    section_name() + " is not a table; lvmkit will not replace it");
    const toml::table table = *found->as_table();
    // `containerd config default` prints the section with empty values: to containerd an empty
    // pool_name means "devmapper not configured", so empty is unset, not another pool.
    const bool was_empty = table["pool_name"].value<std::string>().value_or("").empty();
    for (const char* key : {"pool_name", "root_path"}) {
        const auto have = table[key].value<std::string>();
        const auto want = ours[key].value<std::string>();
        if (!have || have->empty() || *have == *want)
            continue;
        if (on_conflict == OnConflict::refuse)
            throw Error(Errc::conflict, "merge", std::string(kFile),
                        section_name() + " has " + key + " = " + quoted(*have) + ", not " +
                            quoted(*want) + " (pass OnConflict::replace to take it over)");
        draft.notes.push_back(std::string("replace ") + key + " " + quoted(*have) + " with " +
                              quoted(*want));
    }
    toml::table merged = table;
    for (const auto& [key, node] : ours)
        merged.insert_or_assign(key, node);
    if (merged == table) {
        draft.notes.push_back("[" + section_name() + "] already as wanted");
        return;
    }
    toml::table expected = draft.expected;
    expected.get_as<toml::table>("plugins")->insert_or_assign(kPlugin, merged);
    draft.notes.push_back((was_empty ? "fill the empty [" : "update [") + section_name() +
                          "] for pool " + config.pool_name);
    std::optional<std::string> text;
    const auto parsed = current(draft);
    const auto* now = parsed ? parsed->at_path("plugins").as_table() : nullptr;
    const auto* now_section = now ? now->get_as<toml::table>(kPlugin) : nullptr;
    // The marker lets teardown give the section back empty, as containerd's default file has it.
    const std::string marked =
        was_empty ? section_header(syntax) + kEmptiedMarker + section.substr(section.find('\n'))
                  : section;
    if (was_empty && now_section)
        text = fill_in_place(*draft.text, *now_section, ours);
    if (text && !holds(*text, expected))
        text.reset();
    if (const auto extras = extra_lines(table, ours); !text && extras && now_section)
        text = splice(*draft.text, now_section->source().begin.line, marked + *extras);
    if (!try_text(draft, text, expected))
        draft.text.reset();
    draft.expected = std::move(expected);
}

/// Where the CRI plugin keeps its default snapshotter, in the file's syntax.
struct CriPath {
    std::vector<std::string> tables;  ///< from `plugins` down
    std::string header;               ///< the table's header line
};

CriPath cri_path(ContainerdSyntax syntax) {
    if (syntax == ContainerdSyntax::v3)
        return {{"plugins", "io.containerd.cri.v1.images"},
                "[plugins.'io.containerd.cri.v1.images']"};
    return {{"plugins", "io.containerd.grpc.v1.cri", "containerd"},
            "[plugins.\"io.containerd.grpc.v1.cri\".containerd]"};
}

std::string cri_name(ContainerdSyntax syntax) {
    const std::string header = cri_path(syntax).header;
    return header.substr(1, header.size() - 2);
}

/// The table at @p path in @p document, created (as tables) when @p create; nullptr when a
/// part of the path is not a table.
toml::table* table_at(toml::table& document, const std::vector<std::string>& path, bool create) {
    toml::table* table = &document;
    for (const auto& part : path) {
        toml::node* next = table->get(part);
        if (!next) {
            if (!create)
                return nullptr;
            next = &table->insert(part, toml::table{}).first->second;
        }
        table = next->as_table();
        if (!table)
            return nullptr;
    }
    return table;
}

std::string insert_after_line(const std::string& text, std::size_t line, const std::string& what) {
    auto lines = split_lines(text);
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i];
        if (i + 1 == line) {
            if (out.back() != '\n')
                out += '\n';
            out += what;
        }
    }
    return out;
}

/// `disabled_plugins` naming the devmapper snapshotter: containerd would not load it, and the pool
/// would go unused. Refused, or with replace the entry is taken out of the list.
void merge_disabled_plugins(Draft& draft, OnConflict on_conflict) {
    const auto* list = draft.expected.get_as<toml::array>("disabled_plugins");
    if (!list)
        return;
    toml::array kept;
    bool listed = false;
    for (const auto& entry : *list) {
        const auto name = entry.value<std::string>();
        if (name && (*name == kPlugin || *name == "devmapper"))
            listed = true;
        else
            kept.push_back(entry);
    }
    if (!listed)
        return;
    if (on_conflict == OnConflict::refuse)
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    std::string("disabled_plugins lists ") + kPlugin +
                        ": containerd would not load the devmapper snapshotter and nothing would "
                        "use the pool (remove it from the list, or pass OnConflict::replace to "
                        "re-enable it)");
    toml::table expected = draft.expected;
    expected.insert_or_assign("disabled_plugins", kept);
    draft.notes.push_back(std::string("re-enable the devmapper snapshotter: take ") + kPlugin +
                          " out of disabled_plugins");
    std::optional<std::string> text;
    if (const auto parsed = current(draft))
        if (const auto* node = parsed->get("disabled_plugins")) {
            const std::size_t line = node->source().begin.line;
            std::ostringstream value;
            value << toml::toml_formatter(kept);
            if (node->source().end.line == line &&
                line_is_key(*draft.text, line, "disabled_plugins"))
                text = replace_line(*draft.text, line, "disabled_plugins = " + value.str() + "\n");
        }
    if (!try_text(draft, text, expected))
        draft.text.reset();
    draft.expected = std::move(expected);
}

/// `imports` pulls in other files that may set the same sections again; lvmkit edits this one.
void note_imports(Draft& draft) {
    const auto* list = draft.expected.get_as<toml::array>("imports");
    if (list && !list->empty())
        draft.notes.push_back(
            "config.toml imports " + std::to_string(list->size()) +
            " other file(s); a devmapper or CRI section there overrides this file's: check them");
}

constexpr const char* kSnapshotterLine = "  snapshotter = \"devmapper\"\n";

/// The value a `# lvmkit: was "X"` comment on line @p line keeps, if the line has one.
std::optional<std::string> was_value(const std::string& text, std::size_t line) {
    const auto lines = split_lines(text);
    if (line == 0 || line > lines.size())
        return std::nullopt;
    const std::string& l = lines[line - 1];
    const auto at = l.find(std::string(kWasMarker) + "\"");
    if (at == std::string::npos)
        return std::nullopt;
    const auto start = at + std::string(kWasMarker).size() + 1;
    const auto end = l.find('"', start);
    if (end == std::string::npos)
        return std::nullopt;
    return l.substr(start, end - start);
}

/// Candidate texts for setting the CRI default, most layout-keeping first.
std::vector<std::string> cri_candidates(const Draft& draft, const CriPath& path,
                                        const std::string& previous) {
    std::vector<std::string> out;
    auto parsed = current(draft);  // not copied: a copy has no source lines
    if (!parsed)
        return out;
    const toml::table* table = table_at(*parsed, path.tables, false);
    if (table) {
        if (const auto* value = table->get("snapshotter")) {
            const std::size_t line = value->source().begin.line;
            if (line_is_key(*draft.text, line, "snapshotter"))
                out.push_back(replace_line(*draft.text, line,
                                           indent_of(*draft.text, line) +
                                               "snapshotter = \"devmapper\"" + kWasMarker +
                                               quoted(previous) + "\n"));
        } else {
            out.push_back(
                insert_after_line(*draft.text, table->source().begin.line, kSnapshotterLine));
        }
    }
    out.push_back(append_section(*draft.text, path.header + "\n" + kSnapshotterLine));
    return out;
}

void merge_cri_default(Draft& draft, ContainerdSyntax syntax, OnConflict on_conflict) {
    const CriPath path = cri_path(syntax);
    toml::table expected = draft.expected;
    toml::table* table = table_at(expected, path.tables, true);
    if (!table)
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    cri_name(syntax) + " is not a table; lvmkit will not replace it");
    const auto have = (*table)["snapshotter"].value<std::string>();
    if (have && *have == "devmapper") {
        draft.notes.push_back("[" + cri_name(syntax) + "] snapshotter already devmapper");
        return;
    }
    // overlayfs is containerd's own default, written out by `containerd config default`: taking
    // it over is what --cri-default asks. Another snapshotter was someone's choice.
    if (have && !have->empty() && *have != "overlayfs" && on_conflict == OnConflict::refuse)
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    "[" + cri_name(syntax) + "] has snapshotter = " + quoted(*have) +
                        "; making devmapper the CRI default hides the images and containers "
                        "Kubernetes has in it (pass OnConflict::replace to do it anyway)");
    draft.notes.push_back(have && !have->empty()
                              ? "replace the CRI default snapshotter " + quoted(*have) +
                                    " with \"devmapper\" in [" + cri_name(syntax) + "]"
                              : "make devmapper the CRI default snapshotter in [" +
                                    cri_name(syntax) + "]");
    table->insert_or_assign("snapshotter", "devmapper");
    bool taken = false;
    for (auto& candidate : cri_candidates(draft, path, have.value_or("")))
        if ((taken = try_text(draft, std::move(candidate), expected)))
            break;
    if (!taken)
        draft.text.reset();
    draft.expected = std::move(expected);
}

/// Removes `snapshotter = "devmapper"` from the CRI table, and the table's header when that
/// leaves it empty (it is then the one lvmkit appended).
void remove_cri_default(Draft& draft, ContainerdSyntax syntax) {
    const CriPath path = cri_path(syntax);
    toml::table expected = draft.expected;
    toml::table* table = table_at(expected, path.tables, false);
    if (!table || (*table)["snapshotter"].value<std::string>() != "devmapper") {
        draft.notes.push_back("[" + cri_name(syntax) +
                              "] does not make devmapper the default; left as it is");
        return;
    }
    table->erase("snapshotter");
    const bool now_empty = table->empty();
    draft.notes.push_back("remove snapshotter = \"devmapper\" from [" + cri_name(syntax) + "]");
    std::optional<std::string> text;
    if (auto parsed = current(draft)) {
        const toml::table* now = table_at(*parsed, path.tables, false);
        const std::size_t line = now ? (*now)["snapshotter"].node()->source().begin.line : 0;
        if (now && line_is_key(*draft.text, line, "snapshotter")) {
            if (const auto previous = was_value(*draft.text, line)) {
                // setup replaced this value in place: give it back, same place.
                table->insert_or_assign("snapshotter", *previous);
                draft.notes.back() = "give [" + cri_name(syntax) +
                                     "] its snapshotter = " + quoted(*previous) + " back";
                if (try_text(draft,
                             replace_line(*draft.text, line,
                                          indent_of(*draft.text, line) + "snapshotter = " +
                                              quoted_in(syntax, *previous) + "\n"),
                             expected)) {
                    draft.expected = std::move(expected);
                    return;
                }
                table->erase("snapshotter");
            }
            text = replace_line(*draft.text, line, "");
            const std::size_t header = now->source().begin.line;
            if (now_empty && header < line) {
                // Drop the emptied table the way a setup appended it, when its text allows.
                toml::table pruned = expected;
                // The table and every ancestor it leaves empty (its header made them implicitly).
                for (std::size_t depth = path.tables.size(); depth > 1; --depth) {
                    std::vector<std::string> parent(
                        path.tables.begin(),
                        path.tables.begin() + static_cast<std::ptrdiff_t>(depth - 1));
                    auto* up = table_at(pruned, parent, false);
                    auto* child = up ? up->get_as<toml::table>(path.tables[depth - 1]) : nullptr;
                    if (!child || !child->empty())
                        break;
                    up->erase(path.tables[depth - 1]);
                }
                drop_empty_plugins(pruned);
                if (auto spliced = splice(*text, header, ""); spliced && holds(*spliced, pruned)) {
                    draft.text = std::move(spliced);
                    draft.expected = std::move(pruned);
                    return;
                }
            }
        }
    }
    if (!try_text(draft, text, expected))
        draft.text.reset();
    draft.expected = std::move(expected);
}

/// A section setup filled from containerd's empty default (marked on its header): emptied again,
/// the other keys kept. False when there is no marker or the text edit fails.
bool restore_empty_section(Draft& draft, const toml::table& table, ContainerdSyntax syntax) {
    const auto parsed = current(draft);
    const auto* now = parsed ? parsed->at_path("plugins").as_table() : nullptr;
    const auto* section = now ? now->get_as<toml::table>(kPlugin) : nullptr;
    if (!section)
        return false;
    const std::size_t header = section->source().begin.line;
    const auto lines = split_lines(*draft.text);
    if (header == 0 || header > lines.size() ||
        lines[header - 1].find(kEmptiedMarker) == std::string::npos)
        return false;
    toml::table emptied = table;
    // containerd 2's `config default` writes '' (version 3), 1.x's "".
    const std::string empty = syntax == ContainerdSyntax::v3 ? "''" : "\"\"";
    std::string text =
        replace_line(*draft.text, header,
                     lines[header - 1].substr(0, lines[header - 1].find(kEmptiedMarker)) + "\n");
    for (const char* key : {"pool_name", "root_path", "base_image_size"}) {
        const toml::node* have = section->get(key);
        if (!have)
            continue;
        const std::size_t line = have->source().begin.line;
        if (!line_is_key(text, line, key))
            return false;
        emptied.insert_or_assign(key, "");
        text = replace_line(text, line, indent_of(text, line) + key + " = " + empty + "\n");
    }
    toml::table expected = draft.expected;
    expected.get_as<toml::table>("plugins")->insert_or_assign(kPlugin, emptied);
    if (!try_text(draft, text, expected))
        return false;
    draft.expected = std::move(expected);
    draft.notes.push_back("empty [" + section_name() + "] again, as it was before setup");
    return true;
}

constexpr const char* kTransfer = "io.containerd.transfer.v1.local";
constexpr const char* kAddedMarker = "  # lvmkit: added";

std::string unpack_header(ContainerdSyntax syntax) {
    return syntax == ContainerdSyntax::v3
               ? "[[plugins.'" + std::string(kTransfer) + "'.unpack_config]]"
               : "[[plugins.\"" + std::string(kTransfer) + "\".unpack_config]]";
}

toml::table unpack_entry(const std::string& platform, const char* snapshotter) {
    return toml::table{{"platform", platform}, {"snapshotter", snapshotter}};
}

/// containerd 2 unpacks through its transfer service: devmapper joins its unpack_config. A list
/// replaces containerd's default (overlayfs), so a new list keeps overlayfs first.
void merge_unpack_config(Draft& draft, const ContainerdDevmapperConfig& config,
                         ContainerdSyntax syntax) {
    toml::table expected = draft.expected;
    toml::table* transfer = table_at(expected, {"plugins", kTransfer}, true);
    if (!transfer)
        throw Error(Errc::conflict, "merge", std::string(kFile),
                    std::string("plugins.\"") + kTransfer + "\" is not a table");
    toml::node* node = transfer->get("unpack_config");
    if (node && !node->is_array_of_tables())
        throw Error(
            Errc::conflict, "merge", std::string(kFile),
            std::string("plugins.\"") + kTransfer + "\".unpack_config is not an array of tables");
    std::vector<const char*> add;
    if (!node) {
        add = {"overlayfs", "devmapper"};
        transfer->insert("unpack_config", toml::array{});
        node = transfer->get("unpack_config");
    } else {
        for (const auto& entry : *node->as_array())
            if ((*entry.as_table())["snapshotter"].value<std::string>() == "devmapper") {
                draft.notes.push_back("the transfer service already unpacks into devmapper");
                return;
            }
        add = {"devmapper"};
    }
    std::string block;
    for (const char* snapshotter : add) {
        node->as_array()->push_back(unpack_entry(config.platform, snapshotter));
        block += unpack_header(syntax) + kAddedMarker +
                 "\n  platform = " + quoted(config.platform) +
                 "\n  snapshotter = " + quoted(snapshotter) + "\n";
    }
    draft.notes.push_back("add devmapper to [" + unpack_header(syntax).substr(1) +
                          " for containerd 2 (ctr and the CRI plugin unpack there)");
    if (!try_text(draft,
                  draft.text ? std::optional(append_section(*draft.text, block)) : std::nullopt,
                  expected))
        draft.text.reset();
    draft.expected = std::move(expected);
}

/// Removes the unpack_config entries setup added (marked), and the list and table they leave empty.
void remove_unpack_config(Draft& draft) {
    const auto parsed = current(draft);
    if (!parsed)
        return;
    const auto* list = parsed->at_path("plugins").as_table()
                           ? parsed->at_path("plugins").as_table()->get(kTransfer)
                           : nullptr;
    const auto* entries =
        list && list->as_table() ? list->as_table()->get_as<toml::array>("unpack_config") : nullptr;
    if (!entries)
        return;
    const auto lines = split_lines(*draft.text);
    std::vector<std::size_t> marked;  // header lines, top to bottom
    toml::array kept;
    for (const auto& entry : *entries) {
        const std::size_t line = entry.source().begin.line;
        if (line > 0 && line <= lines.size() &&
            lines[line - 1].find(kAddedMarker) != std::string::npos)
            marked.push_back(line);
        else
            kept.push_back(entry);
    }
    if (marked.empty())
        return;
    toml::table expected = draft.expected;
    toml::table* transfer = table_at(expected, {"plugins", kTransfer}, false);
    if (kept.empty())
        transfer->erase("unpack_config");
    else
        transfer->insert_or_assign("unpack_config", kept);
    if (transfer->empty())
        expected.get_as<toml::table>("plugins")->erase(kTransfer);
    drop_empty_plugins(expected);
    std::optional<std::string> text = *draft.text;
    for (auto it = marked.rbegin(); it != marked.rend() && text; ++it)
        text = splice(*text, *it, "");
    if (!try_text(draft, text, expected))
        draft.text.reset();
    draft.expected = std::move(expected);
    draft.notes.push_back("remove the unpack_config entries setup added for devmapper");
}

ConfigEdit finish(const std::string& original, const toml::table& document, Draft draft) {
    if (draft.expected == document)
        return {original, false, std::move(draft.notes)};
    return edited(original, std::move(draft.text), draft.expected, std::move(draft.notes));
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

ContainerdVersion containerd_config_version(std::optional<std::string_view> existing) {
    if (!existing)
        return {ContainerdSyntax::v2, true, "a new config.toml gets version = 2"};
    const toml::table document = parse_toml(*existing);
    const toml::node* version = document.get("version");
    if (version) {
        const auto number = version->value<std::int64_t>();
        if (number == 2)
            return {ContainerdSyntax::v2, false, "config.toml has version = 2"};
        if (number == 3)
            return {ContainerdSyntax::v3, false, "config.toml has version = 3"};
        if (number == 1)
            refuse_version_1("config.toml has version = 1");
        throw Error(Errc::unsupported, "merge", std::string(kFile),
                    "version is " + value_text(*version) +
                        "; lvmkit writes containerd configs of version 2 and 3");
    }
    if (const auto name = short_plugin_name(document))
        refuse_version_1("config.toml has no version line and names plugin \"" + *name +
                         "\" by its short, version-1 id ([plugins." + *name + "])");
    if (existing->find_first_not_of(" \t\r\n") == std::string_view::npos)
        return {ContainerdSyntax::v2, true, "a new config.toml gets version = 2"};
    return {ContainerdSyntax::v2, true,
            "add version = 2: containerd reads a config.toml without a version line as version 1, "
            "where the devmapper section is ignored (the file holds nothing version-1-specific)"};
}

ConfigEdit merge_containerd_config(std::optional<std::string_view> existing,
                                   const ContainerdDevmapperConfig& config,
                                   OnConflict on_conflict) {
    validate(config);
    const std::string original(existing.value_or(""));
    const toml::table document = parse_toml(original);
    ContainerdVersion version = containerd_config_version(existing);
    // A new file for containerd 2 in its own syntax; containerd 1.x does not read version 3.
    if (version.add_version_line && config.containerd_major >= 2 &&
        (!existing || existing->find_first_not_of(" \t\r\n") == std::string_view::npos)) {
        version.syntax = ContainerdSyntax::v3;
        version.reason = "a new config.toml for containerd 2 gets version = 3";
    }
    Draft draft{original, document, {}};
    if (!existing)
        draft.notes.push_back("create config.toml");
    merge_disabled_plugins(draft, on_conflict);
    note_imports(draft);
    merge_devmapper(draft, config, version.syntax, on_conflict);
    if (config.cri_default)
        merge_cri_default(draft, version.syntax, on_conflict);
    if (config.containerd_major >= 2)
        merge_unpack_config(draft, config, version.syntax);
    if (version.add_version_line) {
        const int number = static_cast<int>(version.syntax);
        draft.expected.insert("version", number);
        // A top-level key must come before the first table: the file's first line.
        if (draft.text)
            draft.text = "version = " + std::to_string(number) + "\n\n" + *draft.text;
        if (existing)
            draft.notes.push_back(version.reason);
    }
    return finish(original, document, std::move(draft));
}

ConfigEdit remove_from_containerd_config(std::string_view existing,
                                         const ContainerdDevmapperConfig& config) {
    const std::string original(existing);
    const toml::table document = parse_toml(original);
    const ContainerdSyntax syntax = document["version"].value<std::int64_t>() == 3
                                        ? ContainerdSyntax::v3
                                        : ContainerdSyntax::v2;
    Draft draft{original, document, {}};
    remove_unpack_config(draft);
    if (config.cri_default)
        remove_cri_default(draft, syntax);
    const auto* plugins = draft.expected.get_as<toml::table>("plugins");
    const toml::table* table = plugins ? plugins->get_as<toml::table>(kPlugin) : nullptr;
    if (!table) {
        draft.notes.push_back("config.toml has no [" + section_name() + "]; left as it is");
    } else if ((*table)["pool_name"].value<std::string>() != config.pool_name) {
        draft.notes.push_back("[" + section_name() + "] names another pool; left as it is");
    } else if (restore_empty_section(draft, *table, syntax)) {
    } else {
        toml::table expected = draft.expected;
        expected.get_as<toml::table>("plugins")->erase(kPlugin);
        drop_empty_plugins(expected);
        std::optional<std::string> text;
        if (const auto parsed = current(draft))
            if (const auto* now = parsed->at_path("plugins").as_table())
                if (const auto* section = now->get_as<toml::table>(kPlugin))
                    text = splice(*draft.text, section->source().begin.line, "");
        if (!try_text(draft, text, expected))
            draft.text.reset();
        draft.expected = std::move(expected);
        draft.notes.push_back("remove [" + section_name() + "]");
    }
    return finish(original, document, std::move(draft));
}

}  // namespace lvmkit
