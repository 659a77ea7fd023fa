// Typed LVM operations: each builds its command line from validated values only, runs it on the
// shared liblvm2cmd handle and turns a failure into a specific Error.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "lvm/lvm_command.hpp"
#include "lvm/lvm_session.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"

namespace lvmkit::lvm {
namespace {

using internal::CommandLine;
using internal::RunResult;

std::string full_name(const VgName& vg, const LvName& lv) {
    return vg.str() + "/" + lv.str();
}

std::string return_code_text(int rc) {
    switch (rc) {
        case 2:
            return "no such command";
        case 3:
            return "invalid parameters";
        case 4:
            return "initialisation failed";
        case 5:
            return "processing failed";
        default:
            return "code " + std::to_string(rc);
    }
}

// The first line of LVM's own explanation, or a generic sentence.
std::string summary(const RunResult& result, const std::string& command) {
    std::string first;
    for (const auto& line : result.errors) {
        if (!line.empty()) {
            first = line;
            break;
        }
    }
    const std::string rc = " (lvm2_run " + command + " returned " +
                           std::to_string(result.return_code) + ": " +
                           return_code_text(result.return_code) + ")";
    return (first.empty() ? "LVM refused the command" : first) + rc;
}

}  // namespace

Session::Session(SessionOptions options) : options_(std::move(options)) {
    // Renders once to refuse bad settings when the session is built, not at the first command.
    (void)internal::render_config(internal::session_config(options_));
}

namespace {

CommandLine start(const SessionOptions& options, std::string_view command) {
    CommandLine line(command);
    line.add("--config", internal::render_config(internal::session_config(options)));
    return line;
}

RunResult run_checked(const CommandLine& line, const std::string& operation,
                      const std::string& object) {
    RunResult result = internal::run_lvm(line.str());
    if (result.return_code != internal::kLvmSucceeded) {
        const Errc code = internal::map_lvm_error(result.errors, result.return_code);
        throw Error(code, operation, object, summary(result, line.command()), result.errors);
    }
    return result;
}

void add_devices(CommandLine& line, const std::vector<DevicePath>& devices, const char* what) {
    if (devices.empty())
        throw Error(Errc::invalid_argument, what, "", "at least one device is needed");
    for (const auto& device : devices)
        line.add(device.str());
}

std::string device_list(const std::vector<DevicePath>& devices) {
    std::string text;
    for (const auto& device : devices)
        text += (text.empty() ? "" : " ") + device.str();
    return text;
}

void add_size(CommandLine& line, const SizeSpec& size, bool relative = false) {
    const auto words = internal::size_words(size, relative);
    line.add(words[0], words[1]);
}

void add_thin_pool_options(CommandLine& line, const ThinPoolOptions& options) {
    if (options.chunk_size) {
        check_chunk_size(*options.chunk_size);
        line.add("-c", to_lvm_string(*options.chunk_size));
    }
    if (options.zeroing)
        line.add("--zero", *options.zeroing ? "y" : "n");
    if (options.discards)
        line.add("--discards", to_string(*options.discards));
    if (options.profile)
        line.add("--metadataprofile", options.profile->str());
    if (options.error_when_full)
        line.add("--errorwhenfull", *options.error_when_full ? "y" : "n");
}

bool same_device(const std::string& a, const std::string& b) {
    struct stat sa {
    }, sb{};
    if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0)
        return a == b;
    return sa.st_rdev == sb.st_rdev;
}

// The JSON of a report; LVM's warnings mixed into it go to the log as warnings.
std::string report_text(const RunResult& result) {
    auto report = internal::split_report_output(result.output);
    for (const auto& message : report.messages)
        log(LogCategory::lvm, LogLevel::warning, message);
    return std::move(report.json);
}

// The PVs among @p all that are one of @p devices (by device number: names may differ).
std::vector<PvReport> only_devices(std::vector<PvReport> all,
                                   const std::vector<DevicePath>& devices) {
    std::vector<PvReport> wanted;
    for (auto& pv : all)
        for (const auto& device : devices)
            if (same_device(pv.name, device.str()))
                wanted.push_back(pv);
    return wanted;
}

}  // namespace

void Session::create_pv(const DevicePath& device, const PvCreateOptions& options) {
    CommandLine line = start(options_, "pvcreate");
    if (options.data_alignment)
        line.add("--dataalignment", to_lvm_string(*options.data_alignment));
    if (options.metadata_size)
        line.add("--metadatasize", to_lvm_string(*options.metadata_size));
    if (options.metadata_copies) {
        if (*options.metadata_copies > 2)
            throw Error(Errc::invalid_argument, "create PV", device.str(),
                        "metadata copies must be 0, 1 or 2 (pvcreate --pvmetadatacopies)");
        line.add("--pvmetadatacopies", std::to_string(*options.metadata_copies));
    }
    if (options.overwrite_stranded_label) {
        line.add("-ff");
        line.add("--yes");
    }
    line.add(device.str());
    run_checked(line, "create PV", device.str());
}

void Session::remove_pv(const DevicePath& device, const PvRemoveOptions& options) {
    CommandLine line = start(options_, "pvremove");
    if (options.remove_stranded_label) {
        line.add("-ff");
        line.add("--yes");
    }
    line.add(device.str());
    run_checked(line, "remove PV", device.str());
}

void Session::resize_pv(const DevicePath& device, std::optional<Bytes> size) {
    CommandLine line = start(options_, "pvresize");
    if (size)
        line.add("--setphysicalvolumesize", to_lvm_string(*size)).add("--yes");
    line.add(device.str());
    run_checked(line, "resize PV", device.str());
}

void Session::create_vg(const VgName& vg, const std::vector<DevicePath>& devices,
                        std::optional<Bytes> extent_size) {
    CommandLine line = start(options_, "vgcreate");
    if (extent_size)
        line.add("-s", to_lvm_string(*extent_size));
    line.add(vg.str());
    add_devices(line, devices, "create VG");
    run_checked(line, "create VG", vg.str());
}

void Session::extend_vg(const VgName& vg, const std::vector<DevicePath>& devices) {
    CommandLine line = start(options_, "vgextend");
    line.add(vg.str());
    add_devices(line, devices, "extend VG");
    run_checked(line, "extend VG", vg.str() + " with " + device_list(devices));
}

void Session::reduce_vg(const VgName& vg, const std::vector<DevicePath>& devices) {
    CommandLine line = start(options_, "vgreduce");
    line.add(vg.str());
    add_devices(line, devices, "reduce VG");
    run_checked(line, "reduce VG", vg.str() + " by " + device_list(devices));
}

void Session::remove_vg(const VgName& vg, VgRemoveMode mode) {
    if (mode == VgRemoveMode::only_if_empty) {
        // vgremove would prompt (reading stdin) for a VG with LVs: refuse before it can.
        const auto found = vgs(vg);
        if (found.empty())
            throw Error(Errc::not_found, "remove VG", vg.str(), "no such volume group");
        if (found.front().lv_count != 0)
            throw Error(Errc::busy, "remove VG", vg.str(),
                        "the volume group still has " + std::to_string(found.front().lv_count) +
                            " logical volume(s); remove them first or use VgRemoveMode::with_lvs");
    }
    CommandLine line = start(options_, "vgremove");
    if (mode == VgRemoveMode::with_lvs)
        line.add("--yes").add("--force");
    line.add(vg.str());
    run_checked(line, "remove VG", vg.str());
}

void Session::activate_vg(const VgName& vg, bool active) {
    CommandLine line = start(options_, "vgchange");
    line.add("-a", active ? "y" : "n").add(vg.str());
    run_checked(line, active ? "activate VG" : "deactivate VG", vg.str());
}

void Session::create_linear_lv(const VgName& vg, const LvName& lv, const SizeSpec& size,
                               const LinearLvOptions& options) {
    CommandLine line = start(options_, "lvcreate");
    line.add("--type", "linear");
    if (options.wipe_signatures) {
        line.add("--wipesignatures", *options.wipe_signatures ? "y" : "n");
        if (*options.wipe_signatures)
            line.add("--yes");  // the caller chose to wipe; never let LVM prompt on stdin
    }
    line.add("-n", lv.str());
    add_size(line, size);
    line.add(vg.str());
    for (const auto& pv : options.pvs)
        line.add(pv.str());
    run_checked(line, "create LV", full_name(vg, lv));
}

void Session::create_thin_pool(const VgName& vg, const LvName& pool, const SizeSpec& data_size,
                               std::optional<Bytes> metadata_size, const ThinPoolOptions& options) {
    CommandLine line = start(options_, "lvcreate");
    line.add("--type", "thin-pool").add("-n", pool.str());
    add_size(line, data_size);
    if (metadata_size) {
        check_metadata_size(*metadata_size);
        line.add("--poolmetadatasize", to_lvm_string(*metadata_size));
    }
    add_thin_pool_options(line, options);
    line.add(vg.str());
    run_checked(line, "create thin pool", full_name(vg, pool));
}

void Session::convert_to_thin_pool(const VgName& vg, const LvName& data, const LvName& metadata,
                                   const ThinPoolOptions& options) {
    if (data == metadata)
        throw Error(Errc::invalid_argument, "convert to thin pool", full_name(vg, data),
                    "the data and metadata LVs must differ");
    CommandLine line = start(options_, "lvconvert");
    line.add("--yes");  // the conversion wipes the metadata LV: the caller asked for exactly that
    add_thin_pool_options(line, options);
    line.add("--thinpool", full_name(vg, data)).add("--poolmetadata", full_name(vg, metadata));
    run_checked(line, "convert to thin pool", full_name(vg, data));
}

void Session::create_thin_volume(const VgName& vg, const LvName& pool, const LvName& lv,
                                 Bytes virtual_size) {
    if (virtual_size.count() == 0)
        throw Error(Errc::invalid_argument, "create thin volume", full_name(vg, lv),
                    "a thin volume needs a size larger than zero");
    CommandLine line = start(options_, "lvcreate");
    line.add("-n", lv.str())
        .add("-V", to_lvm_string(virtual_size))
        .add("--thinpool", full_name(vg, pool));
    run_checked(line, "create thin volume", full_name(vg, lv));
}

void Session::extend_lv(const VgName& vg, const LvName& lv, const SizeSpec& grow_by) {
    CommandLine line = start(options_, "lvextend");
    add_size(line, grow_by, true);
    line.add(full_name(vg, lv));
    run_checked(line, "extend LV", full_name(vg, lv));
}

void Session::extend_pool_metadata(const VgName& vg, const LvName& pool, Bytes grow_by) {
    if (grow_by.count() == 0)
        throw Error(Errc::invalid_argument, "extend pool metadata", full_name(vg, pool),
                    "a size must be larger than zero");
    CommandLine line = start(options_, "lvextend");
    line.add("--poolmetadatasize", "+" + to_lvm_string(grow_by)).add(full_name(vg, pool));
    run_checked(line, "extend pool metadata", full_name(vg, pool));
}

void Session::extend_lv_by_policy(const VgName& vg, const LvName& lv) {
    CommandLine line = start(options_, "lvextend");
    line.add("--use-policies").add(full_name(vg, lv));
    run_checked(line, "extend LV by policy", full_name(vg, lv));
}

void Session::remove_lv(const VgName& vg, const LvName& lv) {
    CommandLine line = start(options_, "lvremove");
    line.add("--yes").add(full_name(vg, lv));
    run_checked(line, "remove LV", full_name(vg, lv));
}

void Session::backup_vg_metadata(const VgName& vg, const std::string& file) {
    CommandLine line = start(options_, "vgcfgbackup");
    line.add("-f", file).add(vg.str());
    run_checked(line, "back up VG metadata", vg.str());
}

void Session::restore_vg_metadata(const VgName& vg, const std::string& file) {
    CommandLine line = start(options_, "vgcfgrestore");
    line.add("--force").add("-y").add("-f", file).add(vg.str());
    run_checked(line, "restore VG metadata", vg.str());
}

void Session::rename_lv(const VgName& vg, const LvName& from, const LvName& to) {
    CommandLine line = start(options_, "lvrename");
    line.add(vg.str()).add(from.str()).add(to.str());
    run_checked(line, "rename LV", full_name(vg, from) + " to " + to.str());
}

void Session::set_metadata_profile(const VgName& vg, const LvName& lv,
                                   const std::optional<ProfileName>& profile) {
    CommandLine line = start(options_, "lvchange");
    if (profile)
        line.add("--metadataprofile", profile->str());
    else
        line.add("--detachprofile");
    line.add(full_name(vg, lv));
    run_checked(line, profile ? "attach metadata profile" : "detach metadata profile",
                full_name(vg, lv));
}

void Session::activate_lv(const VgName& vg, const LvName& lv, bool active) {
    CommandLine line = start(options_, "lvchange");
    line.add("-a", active ? "y" : "n").add(full_name(vg, lv));
    run_checked(line, active ? "activate LV" : "deactivate LV", full_name(vg, lv));
}

void Session::set_monitoring(const VgName& vg, const LvName& lv, bool monitored) {
    CommandLine line = start(options_, "lvchange");
    line.add("--monitor", monitored ? "y" : "n").add(full_name(vg, lv));
    run_checked(line, monitored ? "start monitoring" : "stop monitoring", full_name(vg, lv));
}

namespace {

CommandLine report_command(const SessionOptions& options, const char* command, const char* fields) {
    CommandLine line = start(options, command);
    line.add("--reportformat", "json").add("--units", "b").add("--nosuffix").add("-o", fields);
    return line;
}

}  // namespace

std::vector<PvReport> Session::pvs(const std::vector<DevicePath>& devices) {
    // Devices are matched here, not named to pvs: a device that is not a PV is no error.
    CommandLine line = report_command(options_, "pvs", internal::kPvFields);
    auto all =
        internal::parse_pvs(report_text(run_checked(line, "report PVs", device_list(devices))));
    return devices.empty() ? all : only_devices(std::move(all), devices);
}

PvsAndVgs Session::pvs_with_vgs(const std::vector<DevicePath>& devices) {
    CommandLine line = report_command(options_, "pvs", internal::kPvWithVgFields);
    auto all = internal::parse_pvs_with_vgs(
        report_text(run_checked(line, "report PVs and VGs", device_list(devices))));
    if (!devices.empty())
        all.pvs = only_devices(std::move(all.pvs), devices);
    return all;
}

std::vector<VgReport> Session::vgs(const std::optional<VgName>& vg) {
    CommandLine line = report_command(options_, "vgs", internal::kVgFields);
    if (vg)
        line.add(vg->str());
    return internal::parse_vgs(report_text(run_checked(line, "report VGs", vg ? vg->str() : "")));
}

std::vector<LvReport> Session::lvs(const std::optional<VgName>& vg) {
    CommandLine line = report_command(options_, "lvs", internal::kLvFields);
    line.add("-a");
    if (vg)
        line.add(vg->str());
    return internal::parse_lvs(report_text(run_checked(line, "report LVs", vg ? vg->str() : "")));
}

namespace {

// A private directory for lvmconfig --file (lvmconfig prints to stdout, not the log callback).
class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/lvmkit-lvm-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
            throw Error(Errc::io_error, "read LVM profile_dir", pattern,
                        "can not create a temporary directory", {}, errno);
        path_ = pattern;
    }
    ~TempDir() {
        ::unlink((path_ + "/profile_dir").c_str());
        ::rmdir(path_.c_str());
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace

namespace {

// What config/profile_dir depends on: LVM_SYSTEM_DIR, lvm.conf and lvmlocal.conf there (by
// modification time and size), and the session's own settings.
std::string profile_dir_key(const SessionOptions& options) {
    const char* env = std::getenv("LVM_SYSTEM_DIR");
    const std::string system_dir = env != nullptr && *env != '\0' ? env : "/etc/lvm";
    std::string key = system_dir + '\n' + internal::render_config(options.extra);
    for (const char* file : {"/lvm.conf", "/lvmlocal.conf"}) {
        struct stat st {};
        if (::stat((system_dir + file).c_str(), &st) == 0)
            key += '\n' + std::to_string(st.st_mtim.tv_sec) + '.' +
                   std::to_string(st.st_mtim.tv_nsec) + '/' + std::to_string(st.st_size);
    }
    return key;
}

std::mutex g_profile_dir_mutex;
std::map<std::string, std::string> g_profile_dirs;  // profile_dir_key -> profile_dir

}  // namespace

std::string Session::profile_dir() {
    // Asked once per process for the same configuration: lvmconfig costs a config reload.
    const std::string key = profile_dir_key(options_);
    {
        const std::lock_guard<std::mutex> lock(g_profile_dir_mutex);
        if (const auto found = g_profile_dirs.find(key); found != g_profile_dirs.end())
            return found->second;
    }
    std::string dir = read_profile_dir();
    const std::lock_guard<std::mutex> lock(g_profile_dir_mutex);
    g_profile_dirs[key] = dir;
    return dir;
}

std::string Session::read_profile_dir() {
    TempDir dir;
    const std::string file = dir.path() + "/profile_dir";
    CommandLine line = start(options_, "lvmconfig");
    line.add("--typeconfig", "full").add("--file", file).add("config/profile_dir");
    run_checked(line, "read LVM profile_dir", "config/profile_dir");
    std::ifstream in(file);
    std::string text;
    for (std::string row; std::getline(in, row);)
        text += row + '\n';
    const std::string key = "profile_dir=\"";
    const auto start_at = text.find(key);
    const auto end_at =
        start_at == std::string::npos ? std::string::npos : text.find('"', start_at + key.size());
    if (end_at == std::string::npos)
        throw Error(Errc::parse_error, "read LVM profile_dir", file,
                    "lvmconfig wrote no profile_dir=\"...\" line", {text});
    return text.substr(start_at + key.size(), end_at - start_at - key.size());
}

void Session::activate_pool_metadata_component(const VgName& vg, const LvName& pool, bool active) {
    // A hidden LV: LvName refuses the reserved `_tmeta`, so the name is built here. --yes
    // answers LVM's "activate component LV in read-only mode?" prompt.
    const std::string component = vg.str() + "/" + pool.str() + "_tmeta";
    CommandLine line = start(options_, "lvchange");
    line.add("-a", active ? "y" : "n").add("--yes").add(component);
    // lvm2 2.03.16 sets the command context's activate_component flag here and leaves it set,
    // so every later lvchange on the same handle fails ("Cannot change LV properties when
    // activating component LVs"): a fresh handle for the next command.
    struct ReleaseAfter {
        ~ReleaseAfter() { release_session(); }
    } release_after;
    run_checked(line,
                active ? "activate pool metadata component read-only"
                       : "deactivate pool metadata component",
                component);
}

}  // namespace lvmkit::lvm
