#include "lvm/lvm_command.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace lvmkit::lvm {
namespace {

bool is_lvm_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '_' || c == '.' ||
           c == '-';
}

[[noreturn]] void refuse(const std::string& operation, std::string_view object,
                         const std::string& message) {
    throw Error(Errc::invalid_argument, operation, std::string(object), message);
}

}  // namespace

DevicePath::DevicePath(std::string_view path) : path_(path) {
    const std::string op = "check device path";
    if (path_.empty() || path_.front() != '/')
        refuse(op, path_, "a device path must be absolute");
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR)
            throw Error(Errc::not_found, op, path_, "no such device", {}, err);
        throw Error(Errc::io_error, op, path_, "can not stat the device", {}, err);
    }
    if (!S_ISBLK(st.st_mode))
        refuse(op, path_, "not a block device");
}

ProfileName::ProfileName(std::string_view text) : name_(text) {
    const std::string op = "validate profile name";
    if (text.empty())
        refuse(op, text, "a profile name can not be empty");
    if (text.size() > kMaxLvmNameLength)
        refuse(op, text, "a profile name can have at most 127 characters");
    if (text.front() == '-' || text == "." || text == "..")
        refuse(op, text, "a profile name can not start with '-' or be '.' or '..'");
    for (char c : text)
        if (!is_lvm_name_char(c))
            refuse(op, text, "only A-Z a-z 0-9 + _ . - are allowed in a profile name");
}

ConfigOverride& ConfigOverride::set(std::string_view key, ConfigValue value) {
    const std::string op = "set LVM configuration";
    const auto slash = key.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size() ||
        key.find('/', slash + 1) != std::string_view::npos)
        refuse(op, key, "a key is 'section/name'");
    for (char c : key)
        if (c != '/' && c != '_' && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
            refuse(op, key, "a key uses only a-z 0-9 _ and one '/'");
    auto check_text = [&](const std::string& text) {
        for (char c : text)
            if (c == '"' || c == '\'' || c == '\\' || std::iscntrl(static_cast<unsigned char>(c)))
                refuse(op, key,
                       "a value can not contain quotes, backslashes or control characters");
    };
    if (auto* text = std::get_if<std::string>(&value))
        check_text(*text);
    if (auto* list = std::get_if<std::vector<std::string>>(&value))
        for (const auto& item : *list)
            check_text(item);
    for (auto& entry : entries_) {
        if (entry.first == key) {
            entry.second = std::move(value);
            return *this;
        }
    }
    entries_.emplace_back(std::string(key), std::move(value));
    return *this;
}

void check_chunk_size(Bytes chunk) {
    constexpr std::uint64_t min = 64ull << 10;  // DM_THIN_MIN_DATA_BLOCK_SIZE, 128 sectors
    constexpr std::uint64_t max = 1ull << 30;   // DM_THIN_MAX_DATA_BLOCK_SIZE, 2097152 sectors
    const std::string op = "check thin pool chunk size";
    const std::string shown = format_human(chunk);
    if (chunk.count() < min || chunk.count() > max)
        refuse(op, shown, "a thin pool chunk size must be between 64 KiB and 1 GiB (dm-thin)");
    if (chunk.count() % min != 0)
        refuse(op, shown, "a thin pool chunk size must be a multiple of 64 KiB (dm-thin)");
}

void check_metadata_size(Bytes size) {
    constexpr std::uint64_t min = 2ull << 20;  // DM_THIN_MIN_METADATA_SIZE, 4096 sectors
    // DM_THIN_MAX_METADATA_SIZE: 255 * 2^14 * 8 - 256 * 1024 sectors (libdevmapper.h) = 15.81 GiB.
    constexpr std::uint64_t max = (255ull * (1u << 14) * 8 - 256 * 1024) * 512;
    if (size.count() < min || size.count() > max)
        refuse("check thin pool metadata size", format_human(size),
               "thin pool metadata must be between 2 MiB and 15.81 GiB (lvm2's "
               "DM_THIN_MIN_METADATA_SIZE and DM_THIN_MAX_METADATA_SIZE)");
}

const char* to_string(Discards discards) noexcept {
    switch (discards) {
        case Discards::ignore:
            return "ignore";
        case Discards::nopassdown:
            return "nopassdown";
        case Discards::passdown:
            return "passdown";
    }
    return "passdown";
}

namespace internal {

const char* const kPvFields = "pv_name,vg_name,pv_size,pv_free,pv_uuid";
const char* const kVgFields =
    "vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,"
    "lv_count,vg_attr";
const char* const kPvWithVgFields =
    "pv_name,vg_name,pv_size,pv_free,pv_uuid,vg_uuid,vg_size,vg_free,vg_extent_size,"
    "vg_extent_count,vg_free_count,pv_count,lv_count,vg_attr";
const char* const kLvFields =
    "lv_name,vg_name,lv_full_name,lv_uuid,lv_attr,lv_active,lv_size,segtype,pool_lv,data_lv,"
    "metadata_lv,data_percent,metadata_percent,chunk_size,zero,discards,lv_profile,seg_monitor,"
    "transaction_id,lv_when_full,thin_id";

std::string quote_word(std::string_view word) {
    const std::string op = "build LVM command line";
    if (word.empty())
        refuse(op, word, "an empty word can not be passed to liblvm2cmd");
    bool has_space = false;
    for (char c : word) {
        if (c == '\n' || c == '\t' || c == ' ' || c == '\v' || c == '\f' || c == '\r')
            has_space = true;
        else if (std::iscntrl(static_cast<unsigned char>(c)))
            refuse(op, word, "control characters can not be passed to liblvm2cmd");
    }
    const bool has_single = word.find('\'') != std::string_view::npos;
    const bool has_double = word.find('"') != std::string_view::npos;
    const char first = word.front();
    const bool bare_ok = !has_space && first != '\'' && first != '"' && first != '#';
    if (bare_ok)
        return std::string(word);
    if (has_single && has_double)
        refuse(op, word, "liblvm2cmd's splitter has no escapes: a word can not hold both ' and \"");
    const char quote = has_single ? '"' : '\'';
    return quote + std::string(word) + quote;
}

CommandLine::CommandLine(std::string_view command) : command_(command) {}

CommandLine& CommandLine::add(std::string_view word) {
    words_.push_back(quote_word(word));
    return *this;
}

CommandLine& CommandLine::add(std::string_view option, std::string_view value) {
    add(option);
    return add(value);
}

std::string CommandLine::str() const {
    if (words_.size() + 1 > kMaxArguments)
        refuse("build LVM command line", command_,
               "liblvm2cmd takes at most " + std::to_string(kMaxArguments) + " words, this has " +
                   std::to_string(words_.size() + 1));
    std::string text = command_;
    for (const auto& word : words_)
        text += ' ' + word;
    return text;
}

std::vector<std::string> device_filter(const std::vector<DevicePath>& devices) {
    std::vector<std::string> filter;
    for (const auto& device : devices) {
        std::string regex = "a|^";
        for (char c : device.str()) {
            const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' ||
                               c == '_' || c == '-' || c == ':';
            if (plain)
                regex += c;
            else if (c == '.' || c == '+')
                regex += std::string("[") + c + "]";  // a class, so no backslash is needed
            else
                refuse("restrict LVM scan", device.str(),
                       "only paths made of A-Z a-z 0-9 / _ . + : - can be used in a device "
                       "filter; use a /dev/disk/by-id link");
        }
        filter.push_back(regex + "$|");
    }
    filter.emplace_back("r|.*|");
    return filter;
}

namespace {

void check_extra_key(const SessionOptions& options, const std::string& key) {
    const std::string op = "set LVM configuration";
    auto refuse_key = [&](const std::string& why) {
        throw Error(Errc::invalid_argument, op, key,
                    "SessionOptions::extra can not set " + key + ": " + why);
    };
    // Every report/ setting shapes the output lvmkit parses (binary_values_as_numeric and
    // mark_hidden_devices are pinned below; compact_output drops empty columns, prefixes
    // renames them...), and nothing but that output depends on them.
    if (key.rfind("report/", 0) == 0)
        refuse_key(
            "lvmkit owns the report/ section: it pins report settings to parse LVM's JSON "
            "reports, and any report/ setting can change what it reads");
    // The command log report adds LVM's messages to the JSON documents lvmkit parses.
    if (key == "log/report_command_log")
        refuse_key("it adds LVM's command log to the JSON reports lvmkit parses");
    if ((key == "devices/filter" || key == "devices/use_devicesfile") && !options.scan_only.empty())
        refuse_key("scan_only sets the device filter of this session; give one or the other");
    if (key == "activation/monitoring" && options.monitoring)
        refuse_key("monitoring sets it for this session; give one or the other");
}

}  // namespace

ReportOutput split_report_output(const std::vector<std::string>& lines) {
    ReportOutput out;
    for (const auto& line : lines) {
        const auto first = line.find_first_not_of(" \t");
        // Since lvm2 2.03.26 a line holding only "," separates "report" from the "log" section.
        const bool report_line = first == std::string::npos ||
                                 std::string_view("{}[]\",").find(line[first]) != std::string::npos;
        if (report_line)
            out.json += line + '\n';
        else
            out.messages.push_back(line);
    }
    return out;
}

ConfigOverride session_config(const SessionOptions& options) {
    for (const auto& entry : options.extra.entries())
        check_extra_key(options, entry.first);
    ConfigOverride config;
    // Binary fields as 0/1 and hidden LVs without brackets, whatever lvm.conf says.
    config.set("report/binary_values_as_numeric", true);
    config.set("report/mark_hidden_devices", false);
    // LVM's messages through the log callback, not into the report: lvm2 >= 2.03.26 moves a JSON
    // report command's errors into a "log" section, where lvmkit's error mapping never sees them.
    config.set("log/report_command_log", false);
    if (!options.scan_only.empty()) {
        // With a devices file in use LVM skips devices/filter (dev-cache.c), so the filter alone
        // restricts nothing and pvcreate/vgcreate may create a file listing only what they saw.
        // The file off for this session makes the filter the restriction; lvmkit records its
        // PVs in the file itself (internal/devices_file.hpp). Not --devices: its flag stays set
        // on the liblvm2cmd handle for the commands after it.
        config.set("devices/use_devicesfile", false);
        config.set("devices/filter", device_filter(options.scan_only));
    }
    if (options.monitoring)
        config.set("activation/monitoring", *options.monitoring);
    for (const auto& [key, value] : options.extra.entries())
        config.set(key, value);
    return config;
}

std::string render_config(const ConfigOverride& config) {
    std::string text;
    for (const auto& [key, value] : config.entries()) {
        if (!text.empty())
            text += ' ';
        text += key + '=';
        if (auto* flag = std::get_if<bool>(&value))
            text += *flag ? "1" : "0";
        else if (auto* number = std::get_if<std::int64_t>(&value))
            text += std::to_string(*number);
        else if (auto* str = std::get_if<std::string>(&value))
            text += '"' + *str + '"';
        else {
            const auto& list = std::get<std::vector<std::string>>(value);
            text += '[';
            for (std::size_t i = 0; i < list.size(); ++i)
                text += (i ? ",\"" : "\"") + list[i] + '"';
            text += ']';
        }
    }
    return text;
}

std::vector<std::string> size_words(const SizeSpec& size, bool relative) {
    const std::string sign = relative ? "+" : "";
    if (auto* bytes = std::get_if<Bytes>(&size)) {
        if (bytes->count() == 0)
            refuse("build LVM size", "0", "a size must be larger than zero");
        return {"-L", sign + to_lvm_string(*bytes)};
    }
    if (auto* extents = std::get_if<Extents>(&size)) {
        if (extents->count == 0)
            refuse("build LVM size", "0 extents", "a size must be larger than zero");
        return {"-l", sign + std::to_string(extents->count)};
    }
    const auto& percent = std::get<Percent>(size);
    if (percent.value < 1 || percent.value > 100)
        refuse("build LVM size", std::to_string(percent.value) + "%",
               "a percentage must be between 1 and 100");
    return {"-l", sign + std::to_string(percent.value) + "%" + lvmkit::to_string(percent.of)};
}

namespace {

bool contains(const std::string& text, std::string_view what) {
    return text.find(what) != std::string::npos;
}

bool any_contains(const std::vector<std::string>& lines,
                  std::initializer_list<std::string_view> what) {
    for (const auto& line : lines)
        for (auto w : what)
            if (contains(line, w))
                return true;
    return false;
}

}  // namespace

Errc map_lvm_error(const std::vector<std::string>& errors, int return_code) {
    // Order matters: "already in volume group" is followed by "not initialized" lines.
    if (any_contains(errors, {"is already in volume group", "is used by VG", "still in use",
                              "in use", "Can't open"}))
        return Errc::device_in_use;
    if (any_contains(errors, {"already exists"}))
        return Errc::already_exists;
    if (any_contains(errors, {"insufficient free space", "Insufficient free space",
                              "Insufficient suitable", "Needs to be larger"}))
        return Errc::insufficient_space;
    if (any_contains(errors, {"Permission denied", "Operation not permitted", "must be root"}))
        return Errc::permission_denied;
    if (any_contains(errors, {"not found", "Failed to find", "No device found",
                              "No such file or directory"}))
        return Errc::not_found;
    if (return_code == 3 ||
        any_contains(errors, {"is invalid", "Invalid argument", "Invalid ", "must be"}))
        return Errc::invalid_argument;
    return Errc::lvm_failed;
}

LogLevel map_lvm_level(int level) noexcept {
    if (level <= 3)
        return LogLevel::error;
    if (level == 4)
        return LogLevel::info;
    if (level == 5)
        return LogLevel::info;
    return LogLevel::debug;
}

namespace {

using nlohmann::json;

[[noreturn]] void bad_report(const std::string& what) {
    throw Error(Errc::parse_error, "parse LVM report", "", what);
}

const json& report_rows(const json& doc, const char* kind) {
    if (!doc.is_object() || !doc.contains("report") || !doc["report"].is_array() ||
        doc["report"].empty())
        bad_report("no \"report\" array in the JSON");
    const json& first = doc["report"][0];
    if (!first.contains(kind) || !first[kind].is_array())
        bad_report(std::string("no \"") + kind + "\" array in the report");
    return first[kind];
}

std::string text_field(const json& row, const char* name) {
    if (!row.contains(name) || !row[name].is_string())
        bad_report(std::string("field \"") + name + "\" missing or not a string");
    return row[name].get<std::string>();
}

std::uint64_t number_field(const json& row, const char* name) {
    const std::string text = text_field(row, name);
    if (text.empty())
        return 0;
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || text.front() == '-')
        bad_report(std::string("field \"") + name + "\" is not a number: '" + text + "'");
    return value;
}

std::optional<std::uint64_t> optional_number(const json& row, const char* name) {
    if (text_field(row, name).empty())
        return std::nullopt;
    return number_field(row, name);
}

std::optional<double> percent_field(const json& row, const char* name) {
    const std::string text = text_field(row, name);
    if (text.empty())
        return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0')
        bad_report(std::string("field \"") + name + "\" is not a percentage: '" + text + "'");
    return value;
}

// Binary fields: "1"/"0" with binary_values_as_numeric, else the field name or "".
std::optional<bool> binary_field(const json& row, const char* name) {
    const std::string text = text_field(row, name);
    if (text == "1" || text == name)
        return true;
    if (text == "0" || text.empty())
        return false;
    return std::nullopt;  // "unknown", "-1"
}

// lv_active: "active" or "" in lvm2 2.03.16; a binary field in 2.03.31 ("1"/"0" here, as
// binary_values_as_numeric asks). Both forms are read; anything else is not active.
bool active_field(const json& row) {
    const std::string text = text_field(row, "lv_active");
    return text == "active" || text == "1";
}

// LVM puts hidden LVs in brackets unless report/mark_hidden_devices=0.
std::string strip_brackets(const std::string& name) {
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
        return name.substr(1, name.size() - 2);
    return name;
}

json parse_document(std::string_view text) {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        bad_report(std::string("invalid JSON: ") + e.what());
    }
}

}  // namespace

LvAttributes decode_lv_attributes(std::string_view attr) {
    if (attr.size() < 6)
        bad_report("lv_attr '" + std::string(attr) + "' is shorter than 6 characters");
    LvAttributes out;
    out.raw = std::string(attr);
    switch (attr[0]) {
        case '-':
            out.type = LvType::plain;
            break;
        case 't':
            out.type = LvType::thin_pool;
            break;
        case 'V':
            out.type = LvType::thin_volume;
            break;
        case 'T':
            out.type = LvType::thin_pool_data;
            break;
        case 'e':
            out.type = LvType::pool_metadata;
            break;
        default:
            out.type = LvType::other;
            break;
    }
    out.active = attr[4] == 'a';
    out.open = attr[5] == 'o';
    return out;
}

namespace {

PvReport pv_of_row(const json& row) {
    PvReport pv;
    pv.name = text_field(row, "pv_name");
    pv.vg = text_field(row, "vg_name");
    pv.size = Bytes(number_field(row, "pv_size"));
    pv.free = Bytes(number_field(row, "pv_free"));
    pv.uuid = text_field(row, "pv_uuid");
    return pv;
}

VgReport vg_of_row(const json& row) {
    VgReport vg;
    vg.name = text_field(row, "vg_name");
    vg.uuid = text_field(row, "vg_uuid");
    vg.size = Bytes(number_field(row, "vg_size"));
    vg.free = Bytes(number_field(row, "vg_free"));
    vg.extent_size = Bytes(number_field(row, "vg_extent_size"));
    vg.extent_count = number_field(row, "vg_extent_count");
    vg.free_extents = number_field(row, "vg_free_count");
    vg.pv_count = number_field(row, "pv_count");
    vg.lv_count = number_field(row, "lv_count");
    vg.attributes = text_field(row, "vg_attr");
    return vg;
}

}  // namespace

std::vector<PvReport> parse_pvs(std::string_view text) {
    std::vector<PvReport> out;
    const json doc = parse_document(text);
    for (const json& row : report_rows(doc, "pv"))
        out.push_back(pv_of_row(row));
    return out;
}

std::vector<VgReport> parse_vgs(std::string_view text) {
    std::vector<VgReport> out;
    const json doc = parse_document(text);
    for (const json& row : report_rows(doc, "vg"))
        out.push_back(vg_of_row(row));
    return out;
}

PvsAndVgs parse_pvs_with_vgs(std::string_view text) {
    PvsAndVgs out;
    const json doc = parse_document(text);
    for (const json& row : report_rows(doc, "pv")) {
        out.pvs.push_back(pv_of_row(row));
        // An orphan PV's VG fields are empty, and a PV whose VG LVM can not find ([unknown])
        // has a name but no VG behind it: neither is a VG.
        if (text_field(row, "vg_uuid").empty() || text_field(row, "vg_extent_count").empty())
            continue;
        VgReport vg = vg_of_row(row);
        const bool seen = std::any_of(out.vgs.begin(), out.vgs.end(),
                                      [&](const VgReport& v) { return v.uuid == vg.uuid; });
        if (!seen)
            out.vgs.push_back(std::move(vg));
    }
    return out;
}

std::vector<LvReport> parse_lvs(std::string_view text) {
    std::vector<LvReport> out;
    const json doc = parse_document(text);
    for (const json& row : report_rows(doc, "lv")) {
        LvReport lv;
        const std::string raw_name = text_field(row, "lv_name");
        lv.name = strip_brackets(raw_name);
        lv.vg = text_field(row, "vg_name");
        lv.full_name = text_field(row, "lv_full_name");
        lv.uuid = text_field(row, "lv_uuid");
        lv.attributes = decode_lv_attributes(text_field(row, "lv_attr"));
        lv.active = active_field(row);
        // User LV names can not hold these suffixes (names.hpp), so they mark LVM's own sub-LVs.
        lv.hidden = raw_name != lv.name || lv.name.find("_tdata") != std::string::npos ||
                    lv.name.find("_tmeta") != std::string::npos ||
                    lv.name.find("_pmspare") != std::string::npos;
        lv.size = Bytes(number_field(row, "lv_size"));
        lv.segment_type = text_field(row, "segtype");
        lv.pool = strip_brackets(text_field(row, "pool_lv"));
        lv.data_lv = strip_brackets(text_field(row, "data_lv"));
        lv.metadata_lv = strip_brackets(text_field(row, "metadata_lv"));
        lv.data_percent = percent_field(row, "data_percent");
        lv.metadata_percent = percent_field(row, "metadata_percent");
        lv.chunk_size = Bytes(number_field(row, "chunk_size"));
        lv.zeroing = binary_field(row, "zero");
        lv.discards = text_field(row, "discards");
        lv.profile = text_field(row, "lv_profile");
        lv.seg_monitor = text_field(row, "seg_monitor");
        lv.monitored = lv.seg_monitor == "monitored";
        lv.transaction_id = optional_number(row, "transaction_id");
        // Reports saved before lvmkit asked for them have no lv_when_full / thin_id: unknown.
        if (row.contains("lv_when_full"))
            lv.when_full = text_field(row, "lv_when_full");
        if (row.contains("thin_id"))
            lv.thin_id = optional_number(row, "thin_id");
        out.push_back(std::move(lv));
    }
    return out;
}

}  // namespace internal
}  // namespace lvmkit::lvm
