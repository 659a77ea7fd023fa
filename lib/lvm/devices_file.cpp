// LVM's devices file: its mode, its content and the commands that edit it (see
// internal/devices_file.hpp for what lvm2's source says and lvmkit relies on).
#include "internal/devices_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lvm/lvm_command.hpp"
#include "lvm/lvm_session.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"

namespace lvmkit::internal {
namespace {

constexpr std::string_view kTagPrefix = "lvmkit_devices_file_";

std::string without_dashes(std::string_view text) {
    std::string out;
    for (char c : text)
        if (c != '-')
            out += c;
    return out;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

std::string unquote(std::string text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        return text.substr(1, text.size() - 2);
    return text;
}

[[noreturn]] void parse_failure(const std::string& object, const std::string& why) {
    throw Error(Errc::parse_error, "read LVM's devices file", object, why);
}

// `KEY=value KEY=value ...` on one device line (device_id.c writes exactly this shape).
DevicesFileEntry parse_entry(const std::string& line) {
    DevicesFileEntry entry;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
        const auto eq = word.find('=');
        if (eq == std::string::npos)
            parse_failure(line, "a word without '=' on a device line");
        const std::string key = word.substr(0, eq);
        const std::string value = word.substr(eq + 1);
        if (key == "IDTYPE")
            entry.idtype = value;
        else if (key == "IDNAME")
            entry.idname = value;
        else if (key == "DEVNAME")
            entry.devname = value;
        else if (key == "PVID")
            entry.pvid = value == "." ? std::string() : value;
        else if (key == "PART")
            entry.part = value;
    }
    if (entry.idtype.empty())
        parse_failure(line, "a device line without IDTYPE");
    return entry;
}

// lvmconfig prints to stdout by fprintf, which liblvm2cmd's log callback never sees; --file
// makes it write the same text to a file lvmkit reads back.
std::string run_lvmconfig() {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/lvmkit-lvmconfig-XXXXXX";
    const int fd = ::mkstemp(path.data());
    if (fd < 0)
        throw Error(Errc::io_error, "read LVM's devices file setting", path,
                    "can not create a temporary file", {}, errno);
    ::close(fd);
    lvm::internal::CommandLine line("lvmconfig");
    line.add("--typeconfig", "full").add("--file", path);
    line.add("devices/use_devicesfile").add("devices/devicesfile");
    const auto result = lvm::internal::run_lvm(line.str());
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    ::unlink(path.c_str());
    // lvm2 before 2.03.12 has no such settings ("Configuration node ... not found"): no file.
    const bool unknown =
        std::any_of(result.errors.begin(), result.errors.end(),
                    [](const std::string& e) { return e.find("not found") != std::string::npos; });
    if (result.return_code != lvm::internal::kLvmSucceeded && unknown)
        return {};
    if (result.return_code != lvm::internal::kLvmSucceeded)
        throw Error(lvm::internal::map_lvm_error(result.errors, result.return_code),
                    "read LVM's devices file setting", "lvmconfig",
                    "lvmconfig devices/use_devicesfile failed", result.errors);
    return text.str();
}

void run_or_throw(const lvm::internal::CommandLine& line, const std::string& operation,
                  const std::string& object) {
    const auto result = lvm::internal::run_lvm(line.str());
    if (result.return_code != lvm::internal::kLvmSucceeded) {
        std::string why = line.command() + " failed";
        if (!result.errors.empty())
            why += ": " + result.errors.back();
        throw Error(lvm::internal::map_lvm_error(result.errors, result.return_code), operation,
                    object, why, result.errors);
    }
}

lvm::internal::CommandLine restricted(const lvm::SessionOptions& options, const char* command) {
    lvm::internal::CommandLine line(command);
    line.add("--config", lvm::internal::render_config(lvm::internal::session_config(options)));
    return line;
}

}  // namespace

bool DevicesFileContent::lists_pvid(std::string_view pvid) const {
    const std::string wanted = without_dashes(pvid);
    if (wanted.empty())
        return false;
    return std::any_of(entries.begin(), entries.end(),
                       [&](const DevicesFileEntry& entry) { return entry.pvid == wanted; });
}

DevicesFileContent parse_devices_file(std::string_view text) {
    DevicesFileContent content;
    std::istringstream lines{std::string(text)};
    std::string raw;
    while (std::getline(lines, raw)) {
        const std::string line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        if (line.rfind("VERSION=", 0) == 0)
            content.version = line.substr(8);
        else if (line.rfind("IDTYPE=", 0) == 0 || line.find(" IDTYPE=") != std::string::npos)
            content.entries.push_back(parse_entry(line));
        else if (line.find('=') == std::string::npos)
            parse_failure(line, "not a KEY=value line");
        // SYSTEMID=, HASH= and other header keys: not needed here.
    }
    return content;
}

DevicesFileSetting parse_devices_file_setting(std::string_view lvmconfig_output) {
    DevicesFileSetting setting;
    std::istringstream lines{std::string(lvmconfig_output)};
    std::string raw;
    while (std::getline(lines, raw)) {
        const std::string line = trim(raw);
        const auto eq = line.find('=');
        if (line.empty() || line.front() == '#' || eq == std::string::npos)
            continue;
        const std::string key = trim(line.substr(0, eq));
        const std::string value = unquote(trim(line.substr(eq + 1)));
        if (key == "use_devicesfile") {
            if (value != "0" && value != "1")
                throw Error(Errc::parse_error, "read LVM's devices file setting", line,
                            "devices/use_devicesfile is neither 0 nor 1");
            setting.enabled = value == "1";
        } else if (key == "devicesfile") {
            if (value.empty() || value.find('/') != std::string::npos)
                throw Error(Errc::parse_error, "read LVM's devices file setting", line,
                            "devices/devicesfile must be a file name in LVM's devices directory");
            setting.name = value;
        }
    }
    return setting;
}

std::string devices_file_path(std::string_view system_dir, std::string_view name) {
    return std::string(system_dir) + "/devices/" + std::string(name);
}

const char* to_string(DevicesFileMode mode) noexcept {
    switch (mode) {
        case DevicesFileMode::off:
            return "off";
        case DevicesFileMode::on_no_file:
            return "on, no file yet";
        case DevicesFileMode::on_file:
            return "on";
    }
    return "off";
}

DevicesFileState devices_file_state(const DevicesFileSetting& setting, const std::string& path) {
    DevicesFileState state;
    state.path = path;
    if (!setting.enabled)
        return state;
    std::ifstream in(path);
    if (!in) {
        if (::access(path.c_str(), F_OK) == 0)
            throw Error(Errc::io_error, "read LVM's devices file", path,
                        "the devices file exists but can not be read", {}, errno);
        state.mode = DevicesFileMode::on_no_file;
        return state;
    }
    std::stringstream text;
    text << in.rdbuf();
    state.mode = DevicesFileMode::on_file;
    state.content = parse_devices_file(text.str());
    return state;
}

namespace {

// LVM's cmd->system_dir: LVM_SYSTEM_DIR, else the built-in /etc/lvm.
std::string lvm_system_dir() {
    const char* dir = std::getenv("LVM_SYSTEM_DIR");
    return dir && *dir ? dir : "/etc/lvm";
}

}  // namespace

DevicesFileState read_devices_file_state() {
    const auto setting = parse_devices_file_setting(run_lvmconfig());
    return devices_file_state(setting, devices_file_path(lvm_system_dir(), setting.name));
}

DevicesFileState devices_file_off_state() {
    const DevicesFileSetting off;
    return devices_file_state(off, devices_file_path(lvm_system_dir(), off.name));
}

DevicesFileAction devices_file_action(const DevicesFileState& state,
                                      const std::vector<std::string>& pool_pvids) {
    if (state.mode == DevicesFileMode::off)
        return DevicesFileAction::none;
    if (state.mode == DevicesFileMode::on_no_file)
        return DevicesFileAction::import_then_add;
    const bool all_listed =
        std::all_of(pool_pvids.begin(), pool_pvids.end(),
                    [&](const std::string& pvid) { return state.content.lists_pvid(pvid); });
    return all_listed ? DevicesFileAction::none : DevicesFileAction::add_entries;
}

std::string describe_devices_file_plan(const DevicesFileState& state, DevicesFileAction action,
                                       const std::vector<std::string>& devices) {
    std::string list;
    for (const auto& device : devices)
        list += (list.empty() ? "" : ", ") + device;
    const std::string head =
        std::string("LVM devices file: ") + to_string(state.mode) + " (" + state.path + "): ";
    switch (state.mode) {
        case DevicesFileMode::off:
            return head +
                   "LVM uses its filters; lvmkit restricts its commands with a device filter "
                   "and leaves the file alone";
        case DevicesFileMode::on_no_file:
            return head +
                   "lvmkit creates it with vgimportdevices -a, listing every VG LVM sees now, so "
                   "none of the host's VGs disappears, then records " +
                   list + " (lvmdevices --adddev)";
        case DevicesFileMode::on_file:
            break;
    }
    if (action == DevicesFileAction::none)
        return head + "it lists " + list + " already; lvmkit leaves it alone";
    return head + "LVM uses only the devices listed; lvmkit records " + list +
           " in it (lvmdevices --adddev) and takes out at teardown only what it added";
}

std::string devices_file_tag(std::string_view pvid) {
    return std::string(kTagPrefix) + without_dashes(pvid);
}

std::string pvid_of_devices_file_tag(std::string_view tag) {
    if (tag.substr(0, kTagPrefix.size()) != kTagPrefix || tag.size() == kTagPrefix.size())
        return {};
    return std::string(tag.substr(kTagPrefix.size()));
}

void add_to_devices_file(const std::string& device) {
    lvm::internal::CommandLine line("lvmdevices");
    line.add("--adddev", device);
    run_or_throw(line, "record a PV in LVM's devices file", device);
}

void remove_from_devices_file(const std::string& pvid) {
    // --yes: lvm2 >= 2.03.2x asks before removing a device an active LV uses (a rollback runs
    // with the LVs still active), and liblvm2cmd has no terminal to answer.
    lvm::internal::CommandLine line("lvmdevices");
    line.add("--yes").add("--delpvid", pvid);
    run_or_throw(line, "take a PV out of LVM's devices file", pvid);
}

void import_all_vgs_to_devices_file() {
    lvm::internal::CommandLine line("vgimportdevices");
    line.add("-a");
    run_or_throw(line, "create LVM's devices file", "vgimportdevices -a");
}

std::vector<std::string> vg_tags(const lvm::SessionOptions& options, const std::string& vg) {
    auto line = restricted(options, "vgs");
    line.add("--reportformat", "json").add("-o", "vg_tags").add(vg);
    const auto result = lvm::internal::run_lvm(line.str());
    if (result.return_code != lvm::internal::kLvmSucceeded)
        throw Error(lvm::internal::map_lvm_error(result.errors, result.return_code), "read VG tags",
                    vg, "vgs -o vg_tags failed", result.errors);
    const auto report = lvm::internal::split_report_output(result.output);
    std::vector<std::string> tags;
    try {
        const auto doc = nlohmann::json::parse(report.json);
        for (const auto& row : doc.at("report").at(0).at("vg")) {
            std::istringstream list(row.at("vg_tags").get<std::string>());
            std::string tag;
            while (std::getline(list, tag, ','))
                if (!tag.empty())
                    tags.push_back(tag);
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(Errc::parse_error, "read VG tags", vg, e.what());
    }
    return tags;
}

void change_vg_tag(const lvm::SessionOptions& options, const std::string& vg,
                   const std::string& tag, bool add) {
    auto line = restricted(options, "vgchange");
    line.add(add ? "--addtag" : "--deltag", tag).add(vg);
    run_or_throw(line, add ? "tag VG" : "untag VG", vg);
}

}  // namespace lvmkit::internal
