/// @file docker_config.hpp
/// @brief Docker's devicemapper settings in `/etc/docker/daemon.json`: what to set, the kernel and
/// Docker version checks that decide it, and a merge (and its inverse) that keeps the user's keys.
///
/// All functions here are pure: text and values in, text and values out. FileWriter writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lvmkit/config_edit.hpp"
#include "lvmkit/names.hpp"

namespace lvmkit {

/// A kernel version as `uname -r` starts it.
struct KernelVersion {
    unsigned major = 0;  ///< e.g. 6 in `6.1.0-57-amd64`.
    unsigned minor = 0;  ///< e.g. 1 in `6.1.0-57-amd64`.
    unsigned patch = 0;  ///< e.g. 0 in `6.1.0-57-amd64`; 0 when the release has none.

    /// Orders by major, then minor, then patch.
    friend bool operator<(const KernelVersion& a, const KernelVersion& b) {
        if (a.major != b.major)
            return a.major < b.major;
        if (a.minor != b.minor)
            return a.minor < b.minor;
        return a.patch < b.patch;
    }
    /// Same major, minor and patch.
    friend bool operator==(const KernelVersion& a, const KernelVersion& b) {
        return a.major == b.major && a.minor == b.minor && a.patch == b.patch;
    }
};

/// Parses the leading `major.minor[.patch]` of a kernel release such as
/// `3.10.0-1160.el7.x86_64` or `6.1.0-57-amd64`.
/// @throws Error(Errc::parse_error) naming the text.
KernelVersion parse_kernel_version(std::string_view release);

/// The running kernel's release (`uname -r`).
/// @throws Error(Errc::io_error) when uname(2) fails.
std::string running_kernel_release();

/// The caller's word on `dm.use_deferred_deletion`, for distribution kernels with backports
/// (CentOS 7's 3.10 kernels have it).
enum class DeferredDeletion {
    automatic,  ///< decide from the kernel version: 3.18 or later
    enable,     ///< the caller knows the kernel has it
    disable,    ///< leave it out whatever the kernel
};

/// A decision and the sentence that explains it, for the plan.
struct KernelDecision {
    bool deferred_deletion = false;  ///< Whether to set `dm.use_deferred_deletion=true`.
    std::string reason;              ///< Why, one sentence naming the kernel or the choice.
};

/// Decides `dm.use_deferred_deletion`. An unreadable release in automatic mode leaves the option
/// out (Docker works without it) and says why; it does not throw.
KernelDecision decide_deferred_deletion(std::string_view kernel_release,
                                        DeferredDeletion choice = DeferredDeletion::automatic);

/// How Docker's version stands with the devicemapper driver.
enum class DockerSupport {
    supported,   ///< before 18.09
    deprecated,  ///< 18.09 .. 24.x: works, deprecated, warns at start
    removed,     ///< 25.0 and later: the driver is gone; use containerd's devmapper snapshotter
    unknown,     ///< no version given, or not understood
};

/// The enumerator's name: "supported", "deprecated", "removed" or "unknown".
const char* to_string(DockerSupport support) noexcept;

/// The verdict on a Docker version and a sentence for the plan.
struct DockerVersionAdvice {
    DockerSupport support = DockerSupport::unknown;  ///< Where the version stands.
    std::string message;  ///< A sentence for the plan, naming the version and what to do.
};

/// The forms of a Docker version lvmkit reads, for messages: `28`, `v28`, `28.5`, `28.5.2`,
/// `28.5.2+dfsg1`, `5:28.5.2-1~debian.12` (dpkg's), `Docker version 28.5.2, build 8f5b9b0`.
extern const char* const kDockerVersionForms;

/// Reads a Docker version as people write it (see kDockerVersionForms): a missing minor or patch
/// is 0 (`28` is 28.0.0). std::nullopt for anything else (`banana`, `latest`, `28x`, empty).
std::optional<KernelVersion> parse_docker_version(std::string_view text);

/// Checks a Docker version string (`24.0.7`, `18.09.1`, `20.10.24+dfsg1`, `v25.0.3`,
/// `17.03.2-ce`, `28`; see parse_docker_version()); std::nullopt or unreadable text gives
/// DockerSupport::unknown with a warning that names both limits. Never throws.
DockerVersionAdvice check_docker_version(std::optional<std::string_view> docker_version);

/// What lvmkit puts in daemon.json for a pool.
struct DockerDevicemapperConfig {
    /// `/dev/mapper/<dm name>`, LVM's name mangling applied (`-` doubled inside names).
    std::string thinpool_device;
    /// `dm.use_deferred_removal`, always written (`=true` or `=false`).
    bool deferred_removal = true;
    /// `dm.use_deferred_deletion=true` when set; when not set the entry is left out, and a merge
    /// drops an existing `=true` entry.
    bool deferred_deletion = false;
    /// Further `dm.*` options passed through, e.g. {"dm.basesize", "20G"}; checked by
    /// validate_docker_dm_option().
    std::vector<std::pair<std::string, std::string>> extra_options;
};

/// Builds the settings for pool @p vg/@p pool with the kernel decision's deferred deletion.
/// @throws Error(Errc::invalid_argument) for an extra option Docker's devicemapper driver does
///         not accept, one lvmkit sets itself, or a bad value.
DockerDevicemapperConfig docker_devicemapper_config(
    const VgName& vg, const LvName& pool, const KernelDecision& kernel,
    std::vector<std::pair<std::string, std::string>> extra_options = {});

/// Checks one pass-through option: a name Docker's devicemapper driver knows (`dm.basesize`,
/// `dm.fs`, `dm.mkfsarg`, `dm.mountopt`, `dm.blkdiscard`, `dm.blocksize`, `dm.min_free_space`,
/// `dm.xfs_nospace_max_retries`, `dm.libdm_log_level`, `dm.override_udev_sync_check`) with a
/// value it would accept. Options that lvmkit sets (`dm.thinpooldev`, `dm.use_deferred_*`) or
/// that select another setup (loop files, raw devices, `dm.directlvm_*`, `dm.thinp_*`) are refused.
/// @throws Error(Errc::invalid_argument) naming the option and the rule.
void validate_docker_dm_option(std::string_view name, std::string_view value);

/// The `storage-opts` entries, in order: thinpooldev, deferred removal, deferred deletion (when
/// decided), extras.
std::vector<std::string> storage_opts(const DockerDevicemapperConfig& config);

/// Merges @p config into daemon.json text (std::nullopt: the file does not exist).
///
/// Every key the user has stays, in order, with its value; `storage-driver` and our
/// `storage-opts` entries are set (added at the end when new, updated in place); other
/// `storage-opts` entries stay. When nothing needs to change the text is returned byte for byte
/// (changed = false), so a re-run on the result is a no-op. Output is 2-space indented JSON with
/// a final newline; a UTF-8 BOM is kept.
/// @throws Error(Errc::parse_error) for malformed JSON, comments, trailing commas, a duplicate
///         key, a top level that is not an object, nesting deeper than 512, or a `storage-opts`
///         that is not a list of strings — naming line and column;
///         Error(Errc::conflict) for another `storage-driver`, a `dm.thinpooldev` naming another
///         pool, or another driver's options, unless @p on_conflict is replace.
ConfigEdit merge_daemon_json(std::optional<std::string_view> existing,
                             const DockerDevicemapperConfig& config,
                             OnConflict on_conflict = OnConflict::refuse);

/// The inverse, for teardown without a backup: when daemon.json uses our pool, removes
/// `storage-driver` and every `dm.*` entry of `storage-opts` (they only mean something to the
/// devicemapper driver, and would stop Docker with any other), then `storage-opts` if it ends up
/// empty. Every other key stays. A file that uses another pool or driver is left as it is
/// (changed = false, with a note).
/// @throws Error(Errc::parse_error) as merge_daemon_json() does.
ConfigEdit remove_from_daemon_json(std::string_view existing,
                                   const DockerDevicemapperConfig& config);

/// Docker 25 and later with containerd's image store: `"storage-driver": "devmapper"` names
/// containerd's devmapper snapshotter, which the system containerd's config.toml points at the
/// pool (merge_containerd_config()).
struct DockerSnapshotterConfig {
    /// The pool's `/dev/mapper/<dm name>`: a devicemapper graph-driver setup naming it is
    /// lvmkit's own earlier one, which the merge converts without asking.
    std::string thinpool_device;
};

/// Merges the snapshotter mode into daemon.json text (std::nullopt: the file does not exist):
/// `"storage-driver": "devmapper"` and `"features": {"containerd-snapshotter": true}` are set,
/// every `dm.*` entry of `storage-opts` (the removed graph driver's, invalid in this mode) is
/// dropped, and every other key stays. The text is kept byte for byte when nothing changes.
/// @throws Error(Errc::parse_error) as merge_daemon_json() does;
///         Error(Errc::conflict) for another storage-driver (the devicemapper graph driver on
///         another pool included), `containerd-snapshotter` set to false, or `features` that is
///         not an object, unless @p on_conflict is replace (`features` never is replaced).
ConfigEdit merge_daemon_json_snapshotter(std::optional<std::string_view> existing,
                                         const DockerSnapshotterConfig& config,
                                         OnConflict on_conflict = OnConflict::refuse);

/// The inverse, for teardown: when daemon.json has `"storage-driver": "devmapper"` with
/// `containerd-snapshotter` on, removes both (and `features` when it ends up empty); anything
/// else is left as it is (changed = false, with a note).
/// @throws Error(Errc::parse_error) as merge_daemon_json() does.
ConfigEdit remove_snapshotter_from_daemon_json(std::string_view existing);

}  // namespace lvmkit
