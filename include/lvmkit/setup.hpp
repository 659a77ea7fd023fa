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

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lvmkit/names.hpp"
#include "lvmkit/pool_contents.hpp"
#include "lvmkit/size.hpp"

namespace lvmkit::setup {

/// Which container runtime configuration setup writes.
enum class Consumer {
    docker,      ///< `daemon.json` with the devicemapper storage driver (Docker < 25)
    containerd,  ///< containerd's devmapper snapshotter section in `config.toml`
    none,        ///< only the pool and its LVM profile
};

/// How Docker keeps its images on the pool (consumer `docker`).
enum class DockerStorage {
    /// Chosen from `docker_version` when given, else from the Docker installed inside
    /// `target_root` (find_installed_docker()): 25 and later `snapshotter`, older
    /// `devicemapper`; no Docker found: `snapshotter` when `daemon_json` already names
    /// containerd's devmapper snapshotter, else `devicemapper`. The plan says which and why.
    automatic,
    devicemapper,  ///< the devicemapper graph driver: daemon.json only (Docker 24 and older)
    /// containerd's image store with its devmapper snapshotter (Docker 25 and later):
    /// daemon.json and the system containerd's config.toml (`containerd_config`)
    snapshotter,
};

/// Whether Docker's `dm.use_deferred_deletion` is written.
enum class DeferredDeletionChoice {
    automatic,  ///< when the running kernel is 3.18 or later
    enable,     ///< the caller knows the kernel has it (distribution backports)
    disable,    ///< never written, whatever the kernel
};

/// What thin pool discards do (`--discards`); unset keeps LVM's default (passdown).
enum class PoolDiscards {
    ignore,      ///< discards are ignored
    nopassdown,  ///< the pool frees blocks but does not pass discards down
    passdown     ///< the pool frees blocks and passes discards to the data device
};

/// How setup sizes the pool's data and metadata.
enum class Layout {
    /// The manual procedure's: `data_size` and `metadata_size` as given (95%VG / 1%VG), the
    /// chunk as given. A percentage of metadata above the kernel's limit (15.81 GiB) is capped
    /// at the limit and the plan says so; an exact size above it is refused.
    seed,
    /// sizing::recommended_layout(): metadata from LVM's estimate with headroom, room kept for
    /// the metadata spare and for autoextend, the chunk by LVM's policy for large pools unless
    /// `fixed_chunk_size`. `data_size` and `metadata_size` are not used.
    recommended,
};

/// What the pool does with writes when its data space is full (`--errorwhenfull`).
enum class WhenFull {
    /// LVM's default: writes wait for autoextend or an administrator to add space, for up to
    /// dm-thin's `no_space_timeout` (60 s by default), then fail.
    queue,
    /// Writes fail at once with an I/O error (`--errorwhenfull y`): no hung writers, and the
    /// runtime sees the failure immediately, but autoextend gets no grace period.
    error,
};

/// Everything setup needs. The defaults are the manual procedure's (seed-procedure.md).
struct ThinPoolSpec {
    /// Block devices to turn into PVs of the VG. May be empty when `use_existing_vg` is set.
    std::vector<std::string> devices;
    /// Take the pool's space from the existing VG `vg` (plus any `devices` added to it).
    bool use_existing_vg = false;
    VgName vg{"docker"};      ///< the volume group (created unless `use_existing_vg`)
    LvName pool{"thinpool"};  ///< the thin pool LV; its metadata LV is `<pool>meta`
    /// Data LV size: `95%VG` as in the seed, `N%FREE`, `N%PVS` (of the free space on `devices`,
    /// where LVM then allocates it), or an exact size.
    SizeSpec data_size = Percent{95, PercentOf::VG};
    /// Metadata LV size: `1%VG` as in the seed, or an exact size (2 MiB .. 15.81 GiB).
    SizeSpec metadata_size = Percent{1, PercentOf::VG};
    /// Pool chunk size: 64 KiB .. 1 GiB, a multiple of 64 KiB. With Layout::recommended the
    /// smallest chunk: LVM's policy doubles it for pools that can grow beyond 1 TiB, unless
    /// `fixed_chunk_size`.
    Bytes chunk_size = Bytes::KiB(512);
    /// Which sizes setup picks (Layout::seed: the manual procedure's).
    Layout layout = Layout::seed;
    /// With Layout::recommended: use `chunk_size` as it is, not LVM's chunk policy.
    bool fixed_chunk_size = false;
    /// The pool's behaviour when its data space is full (LVM's default: queue).
    WhenFull when_full = WhenFull::queue;
    /// Zero new blocks before first use (off in the seed: Docker zeroes what it needs).
    bool zero = false;
    std::optional<PoolDiscards> discards;  ///< `--discards`; unset keeps LVM's default
    /// `thin_pool_autoextend_threshold` (50..100; 100 turns autoextend off).
    unsigned autoextend_threshold = 80;
    /// `thin_pool_autoextend_percent`.
    unsigned autoextend_percent = 20;
    /// The LVM metadata profile written and attached to the pool (`<name>.profile`).
    std::string profile_name = "docker-thinpool";
    /// Register the pool with dmeventd; without monitoring autoextend never happens.
    bool monitor = true;
    /// Permission to erase existing signatures (filesystems, partition tables) on the devices.
    /// Never used on a device that is mounted, active swap, or held by another device.
    bool wipe_signatures = false;
    Consumer consumer = Consumer::docker;  ///< which runtime configuration to write
    /// Docker's config file (consumer `docker`), inside `target_root`.
    std::string daemon_json = "/etc/docker/daemon.json";
    /// containerd's config file (consumer `containerd`, and consumer `docker` in snapshotter
    /// mode: the system containerd that dockerd connects to), inside `target_root`.
    std::string containerd_config = "/etc/containerd/config.toml";
    /// Docker's graph driver or containerd's snapshotter (consumer `docker`).
    DockerStorage docker_storage = DockerStorage::automatic;
    /// Make devmapper the CRI plugin's default snapshotter in `containerd_config` (Kubernetes
    /// nodes); teardown takes it out again. Not with Docker's devicemapper graph driver.
    bool cri_default_snapshotter = false;
    /// Docker's `dm.use_deferred_deletion` (consumer `docker`).
    DeferredDeletionChoice deferred_deletion = DeferredDeletionChoice::automatic;
    /// The Docker version that will use the pool (e.g. "24.0.7"), for the deprecation warning.
    std::optional<std::string> docker_version;
    /// Replace a conflicting storage driver / thin pool in an existing daemon config.
    bool replace_conflicting_config = false;
    /// Configuration files are written below this root (an installer's `/mnt/sysimage`).
    std::string target_root = "/";
    /// Move the contents of `graph_dir` to `<graph_dir>.backup`, as the manual procedure does.
    bool backup_graph_dir = false;
    std::string graph_dir = "/var/lib/docker";  ///< Docker's data root, for `backup_graph_dir`
    /// Turn headroom warnings into preflight errors.
    bool strict = false;
};

/// The steps of a setup, in order, then the steps of a teardown, in order. A new kind goes into
/// all_step_kinds too.
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
    write_daemon_config,  ///< the consumer's files: daemon.json and/or containerd's config.toml
    backup_graph_dir,     ///< `/var/lib/docker/*` to `/var/lib/docker.backup/`
    /// Teardown: `lvremove` the pool (its thin volumes first, when forced) and the metadata LV
    /// of a setup stopped before the conversion.
    remove_pool,
    /// Teardown: take the devices file entries lvmkit added (its VG tags say which) out of
    /// LVM's devices file, then `vgremove` the VG, unless it was an existing VG or holds other
    /// LVs.
    remove_vg,
    /// Teardown: `pvremove` the devices that are no longer in any VG.
    remove_pv_labels,
    /// Teardown: delete the LVM profile file, when it still says what lvmkit wrote.
    remove_profile,
    /// Teardown: take lvmkit's entries out of daemon.json or containerd's config.toml, keeping
    /// the user's other settings (the file itself stays).
    remove_daemon_config,
    /// Grow (grow.hpp): `lvextend --poolmetadatasize +N` (LVM grows the metadata spare along).
    grow_metadata,
    /// Grow (grow.hpp): `lvextend -l +N` of the pool's data.
    grow_data,
    /// `lvmdevices --adddev` the pool's PVs when LVM's devices file is on (first
    /// `vgimportdevices -a` when there is no file yet, so no VG of the host disappears). An
    /// apply() step, planned right after create_vg; last here because the values are an
    /// interface (append only).
    record_devices_file,
    /// Setup in a snapshotter mode on a pool that holds thin devices (Docker's graph driver's
    /// leftovers): containerd's devmapper snapshotter numbers its devices from 1 without asking
    /// the pool, so before its first start setup creates its database, empty, with the id
    /// counter at the pool's highest thin id. Planned last; done when the database exists (an
    /// existing one is containerd's and never changed).
    reserve_snapshotter_ids,
};

/// Every StepKind, in declaration order: apply()'s steps (`probe` .. `backup_graph_dir`), then
/// teardown()'s (`remove_pool` .. `remove_daemon_config`), then grow()'s own (`grow_metadata`,
/// `grow_data`; grow also runs `probe` .. `create_vg`), then `record_devices_file` and
/// `reserve_snapshotter_ids` (apply's, added later). For looking a step up by its name.
inline constexpr std::array<StepKind, 21> all_step_kinds{
    StepKind::probe,
    StepKind::wipe,
    StepKind::create_pv,
    StepKind::create_vg,
    StepKind::create_data_lv,
    StepKind::create_metadata_lv,
    StepKind::convert_to_pool,
    StepKind::write_profile,
    StepKind::attach_profile,
    StepKind::enable_monitoring,
    StepKind::write_daemon_config,
    StepKind::backup_graph_dir,
    StepKind::remove_pool,
    StepKind::remove_vg,
    StepKind::remove_pv_labels,
    StepKind::remove_profile,
    StepKind::remove_daemon_config,
    StepKind::grow_metadata,
    StepKind::grow_data,
    StepKind::record_devices_file,
    StepKind::reserve_snapshotter_ids,
};

/// Whether @p kind is one of teardown()'s steps rather than one of apply()'s or grow()'s.
constexpr bool is_teardown_step(StepKind kind) noexcept {
    return static_cast<int>(kind) >= static_cast<int>(StepKind::remove_pool) &&
           static_cast<int>(kind) <= static_cast<int>(StepKind::remove_daemon_config);
}

/// Short stable identifier of a step, e.g. "create_pv" or "remove_vg".
const char* to_string(StepKind kind) noexcept;

/// `seed` or `recommended`.
const char* to_string(Layout layout) noexcept;

/// `queue` or `error`, as lvs shows `lv_when_full`.
const char* to_string(WhenFull when_full) noexcept;

/// One planned step.
struct Step {
    StepKind kind;            ///< what the step does
    std::string description;  ///< one human sentence with the exact names and sizes
    bool done = false;        ///< already in place on the system: apply skips it
};

/// Sizes setup resolved against the real devices (estimates until the VG exists).
struct ResolvedSizes {
    Bytes extent_size;               ///< the VG's extent size (LVM's default 4 MiB for a new VG)
    std::uint64_t vg_extents = 0;    ///< extents in the VG, counting devices still to add
    std::uint64_t data_extents = 0;  ///< the data LV (the pool's size once it exists)
    std::uint64_t metadata_extents = 0;  ///< the metadata LV
    /// LVM adds a pool-metadata spare LV the size of the metadata LV (once per VG).
    std::uint64_t spare_extents = 0;
    /// Extents left free in the VG after setup (the metadata spare subtracted).
    std::uint64_t free_extents_after = 0;
    /// The pool's chunk size (the spec's, or the one LVM's policy picked, or the existing pool's).
    Bytes chunk_size;
    /// The metadata asked for was above the kernel's limit and was capped at it.
    bool metadata_capped = false;
};

/// Whether the VG keeps room for autoextend.
struct Headroom {
    std::uint64_t data_step_extents = 0;      ///< one data autoextend step
    std::uint64_t metadata_step_extents = 0;  ///< one metadata autoextend step
    unsigned data_steps_possible = 0;         ///< how many data steps the free space allows
    bool metadata_step_possible = false;      ///< the free space allows one metadata step
    bool autoextend_enabled = true;           ///< threshold below 100 and percent above 0
};

/// The ordered steps and what setup decided on the way.
struct Plan {
    std::vector<Step> steps;             ///< in order; the first is always the probe
    ResolvedSizes sizes;                 ///< the sizes the steps use
    Headroom headroom;                   ///< room for autoextend after setup
    std::vector<std::string> decisions;  ///< e.g. why deferred deletion is (not) written
    std::vector<std::string> warnings;   ///< e.g. no room for a data autoextend step
    /// LVM's devices file as the plan found it: `off`, `on, no file yet` or `on`.
    std::string devices_file_mode = "off";
    std::string devices_file_path;  ///< the file LVM would use (whether or not it exists)
    /// What apply does to it: `none`, `add_entries` or `import_then_add`.
    std::string devices_file_action = "none";
    /// True when every step but the probe is already done: apply() would change nothing.
    bool nothing_to_do() const noexcept;
    /// Human-readable, one line a step: "[done] 3. Create VG docker on /dev/sdb".
    std::string to_text() const;
    /// The same as a JSON document (steps, sizes, headroom, decisions, warnings).
    std::string to_json() const;
};

/// The spec check that preflight(), plan(), apply() and teardown() start with: the spec's own
/// values, reading nothing from the system. Names, sizes and percentages (and their sum), `%PVS`
/// with devices to take it of, chunk size, metadata size, autoextend values, profile name,
/// paths, and the device list (absolute, none twice, at least one unless `use_existing_vg`).
/// A spec it accepts may still be refused by preflight() for what the system holds.
/// @throws Error(Errc::invalid_argument) naming the value and the rule it breaks.
void check_spec(const ThinPoolSpec& spec);

/// Checks root, device-mapper with thin-pool, thin_check, dmeventd (when monitoring), the spec's
/// values (check_spec()), and every device; writes nothing.
/// @throws Error with the specific Errc (permission_denied, unsupported, invalid_argument,
///         has_signatures, device_in_use, insufficient_space, mismatch...) naming the problem.
void preflight(const ThinPoolSpec& spec);

/// preflight() then the ordered steps, each marked done when the system already has it.
/// @throws Error as preflight(), and Errc::mismatch when an existing pool differs from the spec.
Plan plan(const ThinPoolSpec& spec);

/// What a pool's state means and the command that fixes it.
struct Advice {
    std::string problem;  ///< the state, e.g. "out_of_data_space" or "not_monitored"
    std::string meaning;  ///< one line on what it means for the pool's users
    std::string command;  ///< the command that fixes it (with the pool's own names)
};

/// The state of a pool.
struct PoolStatus {
    bool exists = false;  ///< the VG has a thin pool LV of that name; the rest is set only if so
    std::string dm_name;  ///< the pool's device-mapper device read (empty when inactive)
    std::string mode;     ///< rw, ro, out_of_data_space, needs_check, fail, error, inactive
    double data_percent = 0;      ///< data used, 0..100 (0 when inactive)
    double metadata_percent = 0;  ///< metadata used, 0..100 (0 when inactive)
    /// Data used, in bytes (0 when inactive).
    Bytes data_used, data_total, metadata_used, metadata_total;
    /// @var data_total
    /// Data capacity, in bytes (0 when inactive).

    /// @var metadata_used
    /// Metadata used, in bytes (0 when inactive).

    /// @var metadata_total
    /// Metadata capacity, in bytes (0 when inactive).

    /// dmeventd monitors the pool: LVM has it registered and a dmeventd process is running.
    bool monitored = false;
    /// LVM has the pool registered with dmeventd, but no dmeventd process runs.
    bool dmeventd_missing = false;
    std::string when_full;  ///< `queue` or `error` (`lv_when_full`)
    /// For every state that needs an administrator (out_of_data_space, read-only, needs_check,
    /// fail, not monitored): what it means and the command that fixes it.
    std::vector<Advice> advice;
    std::string profile;  ///< the attached metadata profile; empty when none
    /// From the profile file; 100 (off) when there is no profile or file.
    unsigned autoextend_threshold = 100;
    /// From the profile file; 0 when there is no profile or file.
    unsigned autoextend_percent = 0;
    Bytes vg_free;      ///< unallocated space in the VG
    Headroom headroom;  ///< autoextend steps the VG's free space allows
    /// One line per configuration file: whether it points at this pool.
    std::vector<std::string> config_agreement;
    bool config_agrees = true;  ///< false when the consumer's config does not point at this pool
    /// What lives in the pool: thin devices (LVM's and a runtime's), data, devices on top.
    PoolContents contents;
    /// The thin devices Docker's devicemapper graph driver left (graph_leftovers.hpp); read
    /// unless the spec is Docker's graph-driver mode, whose devices they are.
    GraphLeftovers graph_leftovers;
    /// LVM's devices file: `off`, `on, no file yet` or `on`.
    std::string devices_file_mode = "off";
    /// The pool's PVs a devices file in use does not list: LVM does not activate the pool at
    /// boot and dmeventd (lvm2 >= 2.03.23) does not extend it (advice `pv_not_in_devices_file`).
    std::vector<std::string> pvs_not_in_devices_file;
    /// Human-readable, one line per aspect (pool, data, metadata, monitor, autoextend, config).
    std::string to_text() const;
    /// The same as a JSON document (only `exists` when the pool does not exist).
    std::string to_json() const;
};

/// A step's progress, as apply() and teardown() report it.
struct Progress {
    /// Where the step is.
    enum class Phase {
        started,       ///< the step begins
        finished,      ///< the step succeeded (`elapsed` is its duration)
        skipped,       ///< the step was already done (apply() only)
        failed,        ///< the step failed (`elapsed` is the time until it failed)
        rolling_back,  ///< apply() is undoing what this run created
        rolled_back    ///< the undo completed (not reported when it was incomplete)
    };
    std::size_t index = 0;  ///< 1-based
    std::size_t total = 0;  ///< number of steps
    /// The step: one of apply()'s kinds, or of teardown()'s (`remove_pool` ..
    /// `remove_daemon_config`).
    StepKind kind = StepKind::probe;
    std::string description;               ///< the step's sentence, as in the plan
    Phase phase = Phase::started;          ///< what happened
    std::chrono::milliseconds elapsed{0};  ///< since this step started
};

/// The enumerator's name, e.g. "rolling_back".
const char* to_string(Progress::Phase phase) noexcept;

/// Options for apply().
struct ApplyOptions {
    /// Called on each phase of each step, on the calling thread; may be empty.
    std::function<void(const Progress&)> on_progress;
    /// Called before each step that will run; a throw from it fails that step (and rolls back),
    /// exactly as a failure of the step itself would. A test seam, and a way to stop a run.
    std::function<void(StepKind)> before_step;
    /// Called once apply() has read the system and built its plan, under its lock, before any
    /// step runs; may be empty. Returning false stops apply() there: nothing is changed and the
    /// result has `stopped` set (a caller that must ask before changing anything asks, then
    /// calls apply() again). Lets a caller show the plan apply() runs without a plan() of its own.
    std::function<bool(const Plan&)> on_plan;
};

/// What one step did.
struct StepOutcome {
    StepKind kind;                          ///< the step
    std::string description;                ///< its sentence, as in the plan
    bool skipped = false;                   ///< already done
    std::chrono::milliseconds duration{0};  ///< how long it ran (0 when skipped)
};

/// The result of a successful apply().
struct ApplyResult {
    Plan plan;                              ///< the plan that was run
    std::vector<StepOutcome> steps;         ///< one per plan step, skipped ones included
    bool nothing_to_do = false;             ///< everything was in place already
    std::chrono::milliseconds duration{0};  ///< the whole run, verification included
    bool stopped = false;                   ///< on_plan returned false: no step ran
    /// The pool's status when nothing was to do, built from the state apply() read under its
    /// lock (nothing changed since): the same as status() then, without reading it again. Empty
    /// when a step ran or the run stopped: call status().
    std::optional<PoolStatus> status;
};

/// Runs the plan's steps that are not done yet, then verifies everything.
/// On failure, undoes what this run created, in reverse order, and throws: the Error names the
/// failed step and carries the LVM/dm messages; Errc::rollback_incomplete when the undo itself
/// failed, with what is left listed in the details.
/// @throws Error
ApplyResult apply(const ThinPoolSpec& spec, const ApplyOptions& options = {});

/// Reads everything back (LVs, chunk size, zeroing, profile, monitoring, dm table, config files)
/// and lists every difference from the spec; empty means the pool is as specified.
/// @throws Error when the state can not be read (LVM, device-mapper, files).
std::vector<std::string> verify(const ThinPoolSpec& spec);

/// Reads a pool's usage from the kernel's dm status, and its LVM attributes, profile, headroom
/// and config files. A missing pool gives `exists == false`, not an error. For an inactive pool,
/// `contents` is read through LVM's read-only activation of the `_tmeta` component, deactivated
/// again (while it is active, LVM refuses to activate the pool).
/// @throws Error when the state can not be read.
PoolStatus status(const ThinPoolSpec& spec);

/// Options for teardown().
struct TeardownOptions {
    /// Remove the pool even while it holds thin devices or data (their data is lost).
    bool force = false;
    /// Called as each teardown step starts and finishes or fails; may be empty.
    std::function<void(const Progress&)> on_progress;
    /// With `force`, called once before the first step when the pool holds anything (or its
    /// contents could not be read): what is about to be destroyed. May be empty.
    std::function<void(const PoolContents&)> on_forced_removal;
};

/// Removes the pool, the VG, the PV labels, the profile, and lvmkit's entries in the daemon
/// config (restoring the user's other keys). Refuses (Errc::busy) while the pool holds anything
/// (PoolContents::holds_anything(): LVM's thin LVs, a runtime's thin devices in its metadata,
/// mapped data, devices stacked on it), or while an inactive pool's metadata can not be read
/// (PoolContents::metadata_unreadable), unless forced, before its first step. An inactive pool is
/// read through LVM's read-only activation of its `_tmeta` component, deactivated again. Objects
/// already gone are skipped.
/// @throws Error
void teardown(const ThinPoolSpec& spec, const TeardownOptions& options = {});

}  // namespace lvmkit::setup
