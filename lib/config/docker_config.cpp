#include "lvmkit/docker_config.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <regex>

#include "internal/json_document.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit {
namespace {

using internal::Json;

constexpr const char* kDaemonJson = "daemon.json";
constexpr const char* kDriver = "devicemapper";
constexpr const char* kThinPoolDev = "dm.thinpooldev";
constexpr const char* kDeferredRemoval = "dm.use_deferred_removal";
constexpr const char* kDeferredDeletion = "dm.use_deferred_deletion";
constexpr KernelVersion kDeferredDeletionKernel{3, 18, 0};

/// Leading `major.minor[.patch]` of @p text; std::nullopt when it does not start that way.
std::optional<KernelVersion> leading_version(std::string_view text) {
    static const std::regex pattern(R"(^(\d+)\.(\d+)(?:\.(\d+))?(?:$|\D))");
    std::match_results<std::string_view::const_iterator> match;
    if (!std::regex_search(text.begin(), text.end(), match, pattern))
        return std::nullopt;
    for (std::size_t i = 1; i <= 3; ++i)
        if (match[i].length() > 9)
            return std::nullopt;
    KernelVersion version;
    version.major = static_cast<unsigned>(std::stoul(match[1].str()));
    version.minor = static_cast<unsigned>(std::stoul(match[2].str()));
    version.patch = match[3].matched ? static_cast<unsigned>(std::stoul(match[3].str())) : 0;
    return version;
}

std::string version_text(const KernelVersion& v) {
    return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

// --- option checks -------------------------------------------------------------------------

bool is_go_bool(std::string_view v) {
    for (const char* ok :
         {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"})
        if (v == ok)
            return true;
    return false;
}

bool go_bool_true(std::string_view v) {
    return v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True";
}

bool is_docker_size(std::string_view v) {
    // github.com/docker/go-units RAMInBytes: binary units, optional i and b.
    static const std::regex pattern(R"(^\d+(\.\d+)* ?[kKmMgGtTpP]?[iI]?[bB]?$)");
    return std::regex_match(v.begin(), v.end(), pattern);
}

bool is_uint(std::string_view v, std::size_t max_digits = 19) {
    return !v.empty() && v.size() <= max_digits &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

[[noreturn]] void bad_option(std::string_view name, const std::string& why) {
    throw Error(Errc::invalid_argument, "check Docker option", std::string(name), why);
}

void check_option_value(std::string_view name, std::string_view value) {
    if (name == "dm.basesize" || name == "dm.blocksize") {
        if (!is_docker_size(value))
            bad_option(name, "'" + std::string(value) +
                                 "' is not a size Docker reads (e.g. 20G, 512K, 10GiB)");
    } else if (name == "dm.fs") {
        if (value != "ext4" && value != "xfs")
            bad_option(name, "'" + std::string(value) + "' is not ext4 or xfs");
    } else if (name == "dm.blkdiscard" || name == "dm.override_udev_sync_check") {
        if (!is_go_bool(value))
            bad_option(name, "'" + std::string(value) + "' is not true or false");
    } else if (name == "dm.min_free_space") {
        const std::string_view number = value.substr(0, value.empty() ? 0 : value.size() - 1);
        if (value.empty() || value.back() != '%' || !is_uint(number, 2))
            bad_option(name, "'" + std::string(value) + "' is not a percentage 0%..99%");
    } else if (name == "dm.xfs_nospace_max_retries") {
        if (!is_uint(value))
            bad_option(name, "'" + std::string(value) + "' is not a whole number");
    } else if (name == "dm.libdm_log_level") {
        if (value.size() != 1 || value[0] < '2' || value[0] > '7')
            bad_option(name, "'" + std::string(value) + "' is not a level 2..7");
    } else if (value.empty()) {  // dm.mkfsarg, dm.mountopt
        bad_option(name, "the value is empty");
    }
}

/// `name=value` split the way Docker's ParseKeyValueOpt does, name lowercased as Docker does.
std::pair<std::string, std::string> split_option(const std::string& entry) {
    auto trim = [](const std::string& s) {
        const auto first = s.find_first_not_of(" \t");
        const auto last = s.find_last_not_of(" \t");
        return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
    };
    const auto eq = entry.find('=');
    std::string name = trim(entry.substr(0, eq));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return {name, eq == std::string::npos ? std::string() : trim(entry.substr(eq + 1))};
}

std::string pool_of(const std::string& thinpooldev) {
    // Docker trims this prefix itself, so both spellings name the same pool.
    const std::string prefix = "/dev/mapper/";
    return thinpooldev.rfind(prefix, 0) == 0 ? thinpooldev.substr(prefix.size()) : thinpooldev;
}

bool same_value(const std::string& name, const std::string& a, const std::string& b) {
    if (name == kThinPoolDev)
        return pool_of(a) == pool_of(b);
    if ((name == kDeferredRemoval || name == kDeferredDeletion || name == "dm.blkdiscard" ||
         name == "dm.override_udev_sync_check") &&
        is_go_bool(a) && is_go_bool(b))
        return go_bool_true(a) == go_bool_true(b);
    return a == b;
}

// --- daemon.json editing -------------------------------------------------------------------

/// `storage-opts` as strings.
/// @throws Error(Errc::parse_error) when it is not a list of strings.
std::vector<std::string> read_storage_opts(const Json& doc) {
    std::vector<std::string> opts;
    const auto it = doc.find("storage-opts");
    if (it == doc.end())
        return opts;
    if (!it->is_array())
        throw Error(
            Errc::parse_error, "read", kDaemonJson,
            "\"storage-opts\" is " + std::string(it->type_name()) + ", not a list of strings");
    for (const auto& entry : *it) {
        if (!entry.is_string())
            throw Error(Errc::parse_error, "read", kDaemonJson,
                        "\"storage-opts\" holds " + std::string(entry.type_name()) + " " +
                            entry.dump() + "; Docker wants strings \"name=value\"");
        opts.push_back(entry.get<std::string>());
    }
    return opts;
}

void set_storage_driver(Json& doc, OnConflict on_conflict, std::vector<std::string>& notes) {
    const auto it = doc.find("storage-driver");
    if (it == doc.end()) {
        doc["storage-driver"] = kDriver;
        notes.push_back("set storage-driver to devicemapper");
        return;
    }
    if (it->is_string() && it->get<std::string>() == kDriver)
        return;
    if (on_conflict == OnConflict::refuse)
        throw Error(Errc::conflict, "merge", kDaemonJson,
                    "storage-driver is " + it->dump() +
                        "; switching Docker to devicemapper hides its existing images and "
                        "containers (pass OnConflict::replace to do it anyway)");
    notes.push_back("replaced storage-driver " + it->dump() + " with devicemapper");
    *it = kDriver;
}

/// Drops entries of other storage drivers (anything not `dm.*`).
void drop_foreign_options(std::vector<std::string>& opts, OnConflict on_conflict,
                          std::vector<std::string>& notes) {
    for (auto it = opts.begin(); it != opts.end();) {
        if (split_option(*it).first.rfind("dm.", 0) == 0) {
            ++it;
            continue;
        }
        if (on_conflict == OnConflict::refuse)
            throw Error(Errc::conflict, "merge", kDaemonJson,
                        "storage-opts holds \"" + *it +
                            "\", an option of another storage driver; Docker's devicemapper "
                            "driver would refuse to start (pass OnConflict::replace to drop it)");
        notes.push_back("dropped storage-opts entry \"" + *it + "\" (not a devicemapper option)");
        it = opts.erase(it);
    }
}

void set_option(std::vector<std::string>& opts, const std::string& name, const std::string& value,
                OnConflict on_conflict, std::vector<std::string>& notes) {
    const std::string wanted = name + "=" + value;
    bool found = false;
    for (auto it = opts.begin(); it != opts.end();) {
        const auto [existing_name, existing_value] = split_option(*it);
        if (existing_name != name) {
            ++it;
            continue;
        }
        if (found) {  // Docker takes the last one; keep a single, ours
            notes.push_back("dropped repeated storage-opts entry \"" + *it + "\"");
            it = opts.erase(it);
            continue;
        }
        found = true;
        if (!same_value(name, existing_value, value)) {
            if (name == kThinPoolDev && on_conflict == OnConflict::refuse)
                throw Error(Errc::conflict, "merge", kDaemonJson,
                            "dm.thinpooldev is \"" + existing_value +
                                "\", another pool than " +  // NOLINT
                                value + " (pass OnConflict::replace to point Docker at ours)");
            notes.push_back("changed storage-opts \"" + *it + "\" to \"" + wanted + "\"");
            *it = wanted;
        }
        ++it;
    }
    if (!found) {
        opts.push_back(wanted);
        notes.push_back("added storage-opts \"" + wanted + "\"");
    }
}

void drop_true_option(std::vector<std::string>& opts, const std::string& name,
                      const std::string& why, std::vector<std::string>& notes) {
    for (auto it = opts.begin(); it != opts.end();) {
        const auto [existing_name, existing_value] = split_option(*it);
        if (existing_name == name && go_bool_true(existing_value)) {
            notes.push_back("dropped storage-opts \"" + *it + "\": " + why);
            it = opts.erase(it);
        } else {
            ++it;
        }
    }
}

void store_storage_opts(Json& doc, const std::vector<std::string>& opts) {
    Json array = Json::array();
    for (const auto& entry : opts)
        array.push_back(entry);
    doc["storage-opts"] = std::move(array);
}

ConfigEdit finish(const internal::JsonDocument& document, const Json& value,
                  std::vector<std::string> notes) {
    ConfigEdit edit;
    edit.notes = std::move(notes);
    if (!document.was_empty && value == document.value) {
        edit.text = document.original;  // byte for byte: nothing to change
        return edit;
    }
    edit.text = internal::dump_json(document, value);
    edit.changed = edit.text != document.original;
    for (const auto& number : document.respelled_numbers)
        edit.notes.push_back("number " + number);
    return edit;
}

// --- Docker >= 25: containerd's image store with the devmapper snapshotter ---------------

constexpr const char* kSnapshotterDriver = "devmapper";
constexpr const char* kFeatures = "features";
constexpr const char* kSnapshotterFeature = "containerd-snapshotter";

/// The legacy driver's `dm.thinpooldev` names @p thinpool_device (lvmkit's own earlier setup).
bool legacy_setup_is_ours(const Json& doc, const std::string& thinpool_device) {
    for (const auto& entry : read_storage_opts(doc)) {
        const auto [name, value] = split_option(entry);
        if (name == kThinPoolDev && same_value(name, value, thinpool_device))
            return true;
    }
    return false;
}

void set_snapshotter_driver(Json& doc, const std::string& thinpool_device, OnConflict on_conflict,
                            std::vector<std::string>& notes) {
    const auto it = doc.find("storage-driver");
    if (it == doc.end()) {
        doc["storage-driver"] = kSnapshotterDriver;
        notes.push_back("set storage-driver to devmapper (containerd's snapshotter)");
        return;
    }
    if (it->is_string() && it->get<std::string>() == kSnapshotterDriver)
        return;
    if (it->is_string() && it->get<std::string>() == kDriver &&
        legacy_setup_is_ours(doc, thinpool_device)) {
        notes.push_back(
            "replaced storage-driver devicemapper (the graph driver Docker 25 removed) with "
            "devmapper, containerd's snapshotter on the same pool");
        *it = kSnapshotterDriver;
        return;
    }
    if (on_conflict == OnConflict::refuse)
        throw Error(Errc::conflict, "merge", kDaemonJson,
                    "storage-driver is " + it->dump() +
                        "; switching Docker to containerd's devmapper snapshotter hides its "
                        "existing images and containers (pass OnConflict::replace to do it "
                        "anyway)");
    notes.push_back("replaced storage-driver " + it->dump() + " with devmapper");
    *it = kSnapshotterDriver;
}

void set_snapshotter_feature(Json& doc, OnConflict on_conflict, std::vector<std::string>& notes) {
    auto features = doc.find(kFeatures);
    if (features == doc.end()) {
        doc[kFeatures] = Json::object();
        features = doc.find(kFeatures);
    }
    if (!features->is_object())
        throw Error(Errc::conflict, "merge", kDaemonJson,
                    "\"features\" is " + std::string(features->type_name()) +
                        ", not an object; lvmkit will not replace it");
    const auto flag = features->find(kSnapshotterFeature);
    if (flag != features->end() && flag->is_boolean() && flag->get<bool>())
        return;
    if (flag != features->end() && on_conflict == OnConflict::refuse)
        throw Error(Errc::conflict, "merge", kDaemonJson,
                    "features.containerd-snapshotter is " + flag->dump() +
                        "; the devmapper snapshotter needs containerd's image store (pass "
                        "OnConflict::replace to turn it on)");
    (*features)[kSnapshotterFeature] = true;
    notes.push_back("set features.containerd-snapshotter to true");
}

bool snapshotter_feature_on(const Json& features) {
    const auto flag = features.find(kSnapshotterFeature);
    return flag != features.end() && *flag == Json(true);
}

/// `dm.*` entries belong to the removed graph driver; dockerd refuses them in this mode.
void drop_graph_driver_options(Json& doc, std::vector<std::string>& notes) {
    if (doc.find("storage-opts") == doc.end())
        return;
    std::vector<std::string> opts = read_storage_opts(doc);
    const auto kept = std::remove_if(opts.begin(), opts.end(), [&](const std::string& entry) {
        if (split_option(entry).first.rfind("dm.", 0) != 0)
            return false;
        notes.push_back("removed storage-opts \"" + entry +
                        "\" (an option of the devicemapper graph driver, invalid with "
                        "containerd's snapshotter)");
        return true;
    });
    if (kept == opts.end())
        return;
    opts.erase(kept, opts.end());
    if (opts.empty())
        doc.erase("storage-opts");
    else
        store_storage_opts(doc, opts);
}

}  // namespace

KernelVersion parse_kernel_version(std::string_view release) {
    const auto version = leading_version(release);
    if (!version)
        throw Error(Errc::parse_error, "read kernel version", std::string(release),
                    "is not a kernel release such as 6.1.0-57-amd64");
    return *version;
}

std::string running_kernel_release() {
    struct utsname name {};
    if (::uname(&name) != 0)
        throw Error(Errc::io_error, "read kernel version", "uname", "uname(2) failed", {}, errno);
    return name.release;
}

KernelDecision decide_deferred_deletion(std::string_view kernel_release, DeferredDeletion choice) {
    const std::string release(kernel_release);
    switch (choice) {
        case DeferredDeletion::enable:
            return {true, "dm.use_deferred_deletion on: the caller says kernel " + release +
                              " supports it (a distribution backport)"};
        case DeferredDeletion::disable:
            return {false, "dm.use_deferred_deletion left out: the caller asked"};
        case DeferredDeletion::automatic:
            break;
    }
    const auto version = leading_version(kernel_release);
    if (!version)
        return {false, "dm.use_deferred_deletion left out: kernel release '" + release +
                           "' is not a version lvmkit understands (enable it explicitly if the "
                           "kernel supports it)"};
    if (*version < kDeferredDeletionKernel)
        return {false, "dm.use_deferred_deletion left out: kernel " + release + " (" +
                           version_text(*version) +
                           ") is older than 3.18; distribution kernels with the backport "
                           "(CentOS 7's 3.10) can enable it explicitly"};
    return {true, "dm.use_deferred_deletion on: kernel " + release + " is 3.18 or later"};
}

const char* to_string(DockerSupport support) noexcept {
    switch (support) {
        case DockerSupport::supported:
            return "supported";
        case DockerSupport::deprecated:
            return "deprecated";
        case DockerSupport::removed:
            return "removed";
        case DockerSupport::unknown:
            return "unknown";
    }
    return "unknown";
}

const char* const kDockerVersionForms =
    "28, v28, 28.5, 28.5.2, 28.5.2+dfsg1 or `dockerd --version`'s line, "
    "\"Docker version 28.5.2, build 8f5b9b0\"";

std::optional<KernelVersion> parse_docker_version(std::string_view text) {
    // `dockerd --version` / `docker --version`: the version sits between the prefix and ", build".
    static const std::regex line(R"(^\s*Docker version\s+([^,\s]+)(?:,.*)?\s*$)");
    // dpkg's epoch, a `v`, 1 to 3 numbers, then nothing or a suffix after + - ~ (`+dfsg1`, `-ce`).
    static const std::regex version(
        R"(^\s*(?:\d+:)?[vV]?(\d{1,9})(?:\.(\d{1,9})(?:\.(\d{1,9}))?)?(?:[-+~][0-9A-Za-z.+~-]*)?\s*$)");
    std::string candidate(text);
    std::smatch match;
    if (std::regex_match(candidate, match, line))
        candidate = match[1].str();
    if (!std::regex_match(candidate, match, version))
        return std::nullopt;
    KernelVersion parsed;
    parsed.major = static_cast<unsigned>(std::stoul(match[1].str()));
    parsed.minor = match[2].matched ? static_cast<unsigned>(std::stoul(match[2].str())) : 0;
    parsed.patch = match[3].matched ? static_cast<unsigned>(std::stoul(match[3].str())) : 0;
    return parsed;
}

DockerVersionAdvice check_docker_version(std::optional<std::string_view> docker_version) {
    constexpr const char* limits =
        "Docker deprecated the devicemapper storage driver in 18.09 and removed it in 25.0";
    if (!docker_version)
        return {DockerSupport::unknown, std::string("Docker version not given: ") + limits +
                                            "; check `docker version` before restarting Docker, "
                                            "or use containerd's devmapper snapshotter"};
    const auto version = parse_docker_version(*docker_version);
    const std::string given(*docker_version);
    if (!version)
        return {DockerSupport::unknown, "Docker version '" + given +
                                            "' not understood (give it as " + kDockerVersionForms +
                                            "): " + limits};
    if (!(*version < KernelVersion{25, 0, 0}))
        return {DockerSupport::removed,
                "Docker " + given +
                    " has no devicemapper storage driver (removed in 25.0) and will not start "
                    "with this daemon.json; use containerd's devmapper snapshotter instead"};
    if (!(*version < KernelVersion{18, 9, 0}))
        return {DockerSupport::deprecated,
                "Docker " + given +
                    ": the devicemapper storage driver is deprecated since 18.09 and removed "
                    "in 25.0; plan a move to containerd's devmapper snapshotter"};
    return {DockerSupport::supported, "Docker " + given +
                                          " supports the devicemapper storage "
                                          "driver (deprecated from 18.09)"};
}

void validate_docker_dm_option(std::string_view name, std::string_view value) {
    const std::string n(name);
    if (n == kThinPoolDev || n == kDeferredRemoval || n == kDeferredDeletion)
        bad_option(name, "lvmkit sets this option itself");
    for (const char* other :
         {"dm.loopdatasize", "dm.loopmetadatasize", "dm.datadev", "dm.metadatadev"})
        if (n == other)
            bad_option(name,
                       "selects Docker's loop or raw-device mode, which conflicts with an "
                       "LVM thin pool");
    if (n.rfind("dm.directlvm_", 0) == 0 || n.rfind("dm.thinp_", 0) == 0)
        bad_option(name, "belongs to Docker's own direct-lvm setup, which lvmkit replaces");
    static const char* const known[] = {"dm.basesize",
                                        "dm.blocksize",
                                        "dm.fs",
                                        "dm.mkfsarg",
                                        "dm.mountopt",
                                        "dm.blkdiscard",
                                        "dm.min_free_space",
                                        "dm.xfs_nospace_max_retries",
                                        "dm.libdm_log_level",
                                        "dm.override_udev_sync_check"};
    if (std::find(std::begin(known), std::end(known), n) == std::end(known))
        bad_option(name,
                   "is not an option of Docker's devicemapper driver (names are "
                   "lowercase, e.g. dm.basesize, dm.fs, dm.min_free_space)");
    if (value.find_first_of("\n\r") != std::string_view::npos)
        bad_option(name, "the value holds a line break");
    check_option_value(name, value);
}

DockerDevicemapperConfig docker_devicemapper_config(
    const VgName& vg, const LvName& pool, const KernelDecision& kernel,
    std::vector<std::pair<std::string, std::string>> extra_options) {
    for (const auto& [name, value] : extra_options)
        validate_docker_dm_option(name, value);
    DockerDevicemapperConfig config;
    config.thinpool_device = dm_path(vg, pool);
    config.deferred_deletion = kernel.deferred_deletion;
    config.extra_options = std::move(extra_options);
    return config;
}

std::vector<std::string> storage_opts(const DockerDevicemapperConfig& config) {
    std::vector<std::string> opts{std::string(kThinPoolDev) + "=" + config.thinpool_device};
    opts.push_back(std::string(kDeferredRemoval) + "=" +
                   (config.deferred_removal ? "true" : "false"));
    if (config.deferred_deletion)
        opts.push_back(std::string(kDeferredDeletion) + "=true");
    for (const auto& [name, value] : config.extra_options)
        opts.push_back(name + '=' + value);  // NOLINT(performance-inefficient-string-concatenation)
    return opts;
}

ConfigEdit merge_daemon_json(std::optional<std::string_view> existing,
                             const DockerDevicemapperConfig& config, OnConflict on_conflict) {
    const auto document = internal::load_json_object(existing, kDaemonJson);
    Json doc = document.value;
    std::vector<std::string> notes;
    if (!existing)
        notes.push_back("create daemon.json");
    set_storage_driver(doc, on_conflict, notes);
    std::vector<std::string> opts = read_storage_opts(doc);
    drop_foreign_options(opts, on_conflict, notes);
    for (const auto& entry : storage_opts(config)) {
        const auto [name, value] = split_option(entry);
        set_option(opts, name, value, on_conflict, notes);
    }
    if (!config.deferred_deletion)
        drop_true_option(opts, kDeferredDeletion, "the kernel decision leaves it out", notes);
    if (opts != read_storage_opts(document.value) || doc.find("storage-opts") == doc.end())
        store_storage_opts(doc, opts);
    return finish(document, doc, std::move(notes));
}

ConfigEdit remove_from_daemon_json(std::string_view existing,
                                   const DockerDevicemapperConfig& config) {
    const auto document = internal::load_json_object(existing, kDaemonJson);
    Json doc = document.value;
    std::vector<std::string> notes;
    const auto driver = doc.find("storage-driver");
    if (driver == doc.end() || !driver->is_string() || driver->get<std::string>() != kDriver) {
        notes.push_back("daemon.json does not use devicemapper; left as it is");
        return finish(document, doc, std::move(notes));
    }
    std::vector<std::string> opts = read_storage_opts(doc);
    const auto ours = std::find_if(opts.begin(), opts.end(), [&](const std::string& entry) {
        const auto [name, value] = split_option(entry);
        return name == kThinPoolDev && same_value(name, value, config.thinpool_device);
    });
    if (ours == opts.end()) {
        notes.push_back("daemon.json uses another devicemapper pool; left as it is");
        return finish(document, doc, std::move(notes));
    }
    doc.erase("storage-driver");
    notes.push_back("removed storage-driver devicemapper");
    opts.erase(std::remove_if(opts.begin(), opts.end(),
                              [&](const std::string& entry) {
                                  if (split_option(entry).first.rfind("dm.", 0) != 0)
                                      return false;
                                  notes.push_back("removed storage-opts \"" + entry + "\"");
                                  return true;
                              }),
               opts.end());
    if (opts.empty())
        doc.erase("storage-opts");
    else
        store_storage_opts(doc, opts);
    return finish(document, doc, std::move(notes));
}

ConfigEdit merge_daemon_json_snapshotter(std::optional<std::string_view> existing,
                                         const DockerSnapshotterConfig& config,
                                         OnConflict on_conflict) {
    const auto document = internal::load_json_object(existing, kDaemonJson);
    Json doc = document.value;
    std::vector<std::string> notes;
    if (!existing)
        notes.push_back("create daemon.json");
    set_snapshotter_driver(doc, config.thinpool_device, on_conflict, notes);
    set_snapshotter_feature(doc, on_conflict, notes);
    drop_graph_driver_options(doc, notes);
    return finish(document, doc, std::move(notes));
}

ConfigEdit remove_snapshotter_from_daemon_json(std::string_view existing) {
    const auto document = internal::load_json_object(existing, kDaemonJson);
    Json doc = document.value;
    std::vector<std::string> notes;
    const auto driver = doc.find("storage-driver");
    const auto features = doc.find(kFeatures);
    const bool ours = driver != doc.end() && driver->is_string() &&
                      driver->get<std::string>() == kSnapshotterDriver && features != doc.end() &&
                      features->is_object() && snapshotter_feature_on(*features);
    if (!ours) {
        notes.push_back(
            "daemon.json does not use containerd's devmapper snapshotter; left as it is");
        return finish(document, doc, std::move(notes));
    }
    // Erasing from an ordered_json moves its other members: no iterator is used after it.
    features->erase(kSnapshotterFeature);
    if (features->empty())
        doc.erase(kFeatures);
    doc.erase("storage-driver");
    notes.push_back("removed storage-driver devmapper");
    notes.push_back("removed features.containerd-snapshotter");
    return finish(document, doc, std::move(notes));
}

}  // namespace lvmkit
