/// @file setup.hpp
/// @brief The facade: one spec to a ready thin pool for Docker or containerd.
///
/// `preflight()` checks the environment and the devices and refuses before anything is written;
/// `plan()` lists the ordered steps, each marked done or to do, read from the system itself (LVM
/// metadata, dm tables, files), never from a private journal; `apply()` runs the steps still to
/// do, reports progress, verifies the result and, on failure, undoes what this run created;
/// `status()` reads a pool's state; `teardown()` removes what setup made.
///
/// Every entry point that touches devices takes a process-wide lock and a host-wide lock file
/// (`/run/lock/lvmkit.lock`, flock), so two setups never interleave.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lvmkit/names.hpp"
#include "lvmkit/size.hpp"

namespace lvmkit::setup {

/// Which container runtime configuration setup writes.
enum class Consumer {
    docker,      ///< `daemon.json` with the devicemapper storage driver (Docker < 25)
    containerd,  ///< containerd's devmapper snapshotter section in `config.toml`
    none,        ///< only the pool and its LVM profile
};

/// Whether Docker's `dm.use_deferred_deletion` is written.
enum class DeferredDeletionChoice {
    automatic,  ///< when the running kernel is 3.18 or later
    enable,     ///< the caller knows the kernel has it (distribution backports)
    disable,
};

/// What thin pool discards do (`--discards`); unset keeps LVM's default (passdown).
enum class PoolDiscards { ignore, nopassdown, passdown };

/// Everything setup needs. The defaults are the manual procedure's (seed-procedure.md).
struct ThinPoolSpec {
    /// Block devices to turn into PVs of the VG. May be empty when `use_existing_vg` is set.
    std::vector<std::string> devices;
    /// Take the pool's space from the existing VG `vg` (plus any `devices` added to it).
    bool use_existing_vg = false;
    VgName vg{"docker"};
    LvName pool{"thinpool"};
    /// Data LV size: `95%VG` as in the seed, or an exact size.
    SizeSpec data_size = Percent{95, PercentOf::VG};
    /// Metadata LV size: `1%VG` as in the seed, or an exact size (2 MiB .. 15.81 GiB).
    SizeSpec metadata_size = Percent{1, PercentOf::VG};
    /// Pool chunk size: 64 KiB .. 1 GiB, a multiple of 64 KiB.
    Bytes chunk_size = Bytes::KiB(512);
    /// Zero new blocks before first use (off in the seed: Docker zeroes what it needs).
    bool zero = false;
    std::optional<PoolDiscards> discards;
    /// `thin_pool_autoextend_threshold` (50..100; 100 turns autoextend off).
    unsigned autoextend_threshold = 80;
    /// `thin_pool_autoextend_percent`.
    unsigned autoextend_percent = 20;
    std::string profile_name = "docker-thinpool";
    /// Register the pool with dmeventd; without monitoring autoextend never happens.
    bool monitor = true;
    /// Permission to erase existing signatures (filesystems, partition tables) on the devices.
    /// Never used on a device that is mounted, active swap, or held by another device.
    bool wipe_signatures = false;
    Consumer consumer = Consumer::docker;
    std::string daemon_json = "/etc/docker/daemon.json";
    std::string containerd_config = "/etc/containerd/config.toml";
    DeferredDeletionChoice deferred_deletion = DeferredDeletionChoice::automatic;
    /// The Docker version that will use the pool (e.g. "24.0.7"), for the deprecation warning.
    std::optional<std::string> docker_version;
    /// Replace a conflicting storage driver / thin pool in an existing daemon config.
    bool replace_conflicting_config = false;
    /// Configuration files are written below this root (an installer's `/mnt/sysimage`).
    std::string target_root = "/";
    /// Move the contents of `graph_dir` to `<graph_dir>.backup`, as the manual procedure does.
    bool backup_graph_dir = false;
    std::string graph_dir = "/var/lib/docker";
    /// Turn headroom warnings into preflight errors.
    bool strict = false;
};

/// The steps of a setup, in order.
enum class StepKind {
    probe,                ///< inspect the devices (always runs; never writes)
    wipe,                 ///< erase signatures (only with permission)
    create_pv,            ///< `pvcreate` each device
    create_vg,            ///< `vgcreate` (or `vgextend` an existing VG)
    create_data_lv,       ///< `lvcreate -n <pool> -l 95%VG`
    create_metadata_lv,   ///< `lvcreate -n <pool>meta -l 1%VG`
    convert_to_pool,      ///< `lvconvert --thinpool ... --poolmetadata ...`
    write_profile,        ///< the LVM metadata profile file
    attach_profile,       ///< `lvchange --metadataprofile`
    enable_monitoring,    ///< `lvchange --monitor y`
    write_daemon_config,  ///< daemon.json or containerd's config.toml
    backup_graph_dir,     ///< `/var/lib/docker/*` to `/var/lib/docker.backup/`
};

/// Short stable identifier of a step, e.g. "create_pv".
const char* to_string(StepKind kind) noexcept;

/// One planned step.
struct Step {
    StepKind kind;
    std::string description;  ///< one human sentence with the exact names and sizes
    bool done = false;        ///< already in place on the system: apply skips it
};

/// Sizes setup resolved against the real devices (estimates until the VG exists).
struct ResolvedSizes {
    Bytes extent_size;
    std::uint64_t vg_extents = 0;
    std::uint64_t data_extents = 0;
    std::uint64_t metadata_extents = 0;
    /// LVM adds a pool-metadata spare LV the size of the metadata LV (once per VG).
    std::uint64_t spare_extents = 0;
    std::uint64_t free_extents_after = 0;
};

/// Whether the VG keeps room for autoextend.
struct Headroom {
    std::uint64_t data_step_extents = 0;      ///< one data autoextend step
    std::uint64_t metadata_step_extents = 0;  ///< one metadata autoextend step
    unsigned data_steps_possible = 0;         ///< how many data steps the free space allows
    bool metadata_step_possible = false;
    bool autoextend_enabled = true;
};

/// The ordered steps and what setup decided on the way.
struct Plan {
    std::vector<Step> steps;
    ResolvedSizes sizes;
    Headroom headroom;
    std::vector<std::string> decisions;  ///< e.g. why deferred deletion is (not) written
    std::vector<std::string> warnings;   ///< e.g. no room for a data autoextend step
    bool nothing_to_do() const noexcept;
    /// Human-readable, one line a step: "[done] 3. Create VG docker on /dev/sdb".
    std::string to_text() const;
    /// The same as a JSON document (steps, sizes, headroom, decisions, warnings).
    std::string to_json() const;
};

/// Checks root, device-mapper with thin-pool, thin_check, dmeventd (when monitoring), the spec's
/// values, and every device; writes nothing.
/// @throws Error with the specific Errc (permission_denied, unsupported, invalid_argument,
///         has_signatures, device_in_use, insufficient_space, mismatch...) naming the problem.
void preflight(const ThinPoolSpec& spec);

/// preflight() then the ordered steps, each marked done when the system already has it.
/// @throws Error as preflight(), and Errc::mismatch when an existing pool differs from the spec.
Plan plan(const ThinPoolSpec& spec);

/// A step's progress, as apply() and teardown() report it.
struct Progress {
    enum class Phase { started, finished, skipped, failed, rolling_back, rolled_back };
    std::size_t index = 0;  ///< 1-based
    std::size_t total = 0;
    StepKind kind = StepKind::probe;
    std::string description;
    Phase phase = Phase::started;
    std::chrono::milliseconds elapsed{0};  ///< since this step started
};

const char* to_string(Progress::Phase phase) noexcept;

/// Options for apply().
struct ApplyOptions {
    std::function<void(const Progress&)> on_progress;
    /// Called before each step that will run; a throw from it fails that step (and rolls back),
    /// exactly as a failure of the step itself would. A test seam, and a way to stop a run.
    std::function<void(StepKind)> before_step;
};

/// What one step did.
struct StepOutcome {
    StepKind kind;
    std::string description;
    bool skipped = false;  ///< already done
    std::chrono::milliseconds duration{0};
};

/// The result of a successful apply().
struct ApplyResult {
    Plan plan;
    std::vector<StepOutcome> steps;
    bool nothing_to_do = false;
    std::chrono::milliseconds duration{0};
};

/// Runs the plan's steps that are not done yet, then verifies everything.
/// On failure, undoes what this run created, in reverse order, and throws: the Error names the
/// failed step and carries the LVM/dm messages; Errc::rollback_incomplete when the undo itself
/// failed, with what is left listed in the details.
/// @throws Error
ApplyResult apply(const ThinPoolSpec& spec, const ApplyOptions& options = {});

/// Reads everything back (LVs, chunk size, zeroing, profile, monitoring, dm table, config files)
/// and lists every difference from the spec; empty means the pool is as specified.
std::vector<std::string> verify(const ThinPoolSpec& spec);

/// The state of a pool.
struct PoolStatus {
    bool exists = false;
    std::string dm_name;
    std::string mode;  ///< rw, ro, out_of_data_space, needs_check, fail, error, inactive
    double data_percent = 0;
    double metadata_percent = 0;
    Bytes data_used, data_total, metadata_used, metadata_total;
    bool monitored = false;
    std::string profile;
    unsigned autoextend_threshold = 100;
    unsigned autoextend_percent = 0;
    Bytes vg_free;
    Headroom headroom;
    /// One line per configuration file: whether it points at this pool.
    std::vector<std::string> config_agreement;
    bool config_agrees = true;
    std::string to_text() const;
    std::string to_json() const;
};

/// Reads a pool's usage from the kernel's dm status, and its LVM attributes, profile, headroom
/// and config files. A missing pool gives `exists == false`, not an error.
/// @throws Error when the state can not be read.
PoolStatus status(const ThinPoolSpec& spec);

/// Options for teardown().
struct TeardownOptions {
    /// Remove the pool even while it has thin volumes (their data is lost).
    bool force = false;
    std::function<void(const Progress&)> on_progress;
};

/// Removes the pool, the VG, the PV labels, the profile, and lvmkit's entries in the daemon
/// config (restoring the user's other keys). Refuses (Errc::busy) while the pool has thin volumes
/// unless forced. Objects already gone are skipped.
/// @throws Error
void teardown(const ThinPoolSpec& spec, const TeardownOptions& options = {});

}  // namespace lvmkit::setup
