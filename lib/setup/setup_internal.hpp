// Shared by the setup facade's sources: the system state setup reads, size arithmetic, and the
// context one run works in.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "internal/devices_file.hpp"
#include "lvmkit/blockdev.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/profile.hpp"
#include "lvmkit/setup.hpp"

namespace lvmkit::setup::internal {

// LVM's defaults for a new VG: 4 MiB extents, data starting 1 MiB into each PV.
inline constexpr Bytes kDefaultExtentSize = Bytes::MiB(4);
inline constexpr Bytes kDefaultPeStart = Bytes::MiB(1);
// Below this a pool is no use to a container runtime.
inline constexpr Bytes kMinimumPoolData = Bytes::MiB(64);
// dm-thin needs at least this much metadata per mapped data block (btree leaf entry + overhead).
inline constexpr std::uint64_t kMetadataBytesPerChunk = 64;

/// What one device holds, as preflight judged it.
struct DeviceState {
    std::string path;
    Bytes size;
    bool is_pv = false;       // an LVM label is on it
    std::string vg;           // its VG when known
    Bytes pv_free;            // unallocated space, when it is a PV in a VG
    bool needs_wipe = false;  // signatures other than our own PV label
    // A PV label marked in use by a VG whose metadata never reached it (LVM shows the VG as
    // `[unknown]`, its metadata area holds none): an interrupted vgcreate. create_pv relabels it.
    bool stranded_label = false;
    std::vector<std::string> signatures;  // described, for the plan
    std::string pv_uuid;                  // from its LVM label, without dashes; empty if none
};

/// Everything setup reads from the system before deciding.
struct SystemState {
    std::vector<DeviceState> devices;
    std::optional<lvm::VgReport> vg;
    std::vector<lvm::LvReport> lvs;  // of the VG
    std::string profile_dir;         // where LVM reads profiles (host)
    // LVM's devices file: mode, path and content, read once per run (off in a default state).
    lvmkit::internal::DevicesFileState devices_file;
    std::string pool_name;

    const lvm::LvReport* find_lv(const std::string& name) const;
    const lvm::LvReport* pool() const;
    bool pool_is_thin_pool() const;
};

/// What LVM itself says about @p devices' PVs (authoritative for VG membership).
std::vector<lvm::PvReport> pvs_of(lvm::Session& session, const std::vector<std::string>& devices);

/// How pvs names the VG of a PV marked in use when no VG that uses it can be found.
inline constexpr const char* kUnknownVg = "[unknown]";

/// lvmkit's own reading of the LVM label in @p verdict: every metadata area on it is readable and
/// empty, so no VG metadata was ever committed to it. For a label LVM shows as `[unknown]` this
/// means a vgcreate/vgextend lost its power before the commit: no LV can live on the device.
bool label_holds_no_vg_metadata(const blockdev::Verdict& verdict);

/// The metadata LV's name before conversion: `<pool>meta`, as in the seed.
LvName metadata_lv_name(const ThinPoolSpec& spec);

/// The profile setup writes.
LvmProfile profile_of(const ThinPoolSpec& spec);

/// Validates the values of a spec alone (names, sizes, percents, paths).
/// @throws Error(Errc::invalid_argument)
void validate_spec(const ThinPoolSpec& spec);

/// What a percentage size is taken of, in extents, as lvcreate counts them.
struct PercentBases {
    std::uint64_t vg = 0;    ///< %VG: every extent of the VG
    std::uint64_t free = 0;  ///< %FREE: the VG's free extents
    std::uint64_t pvs = 0;   ///< %PVS: the free extents on the PVs named to lvcreate
};

/// Extents of a spec'd size (rounded as LVM does: percentages down, bytes up to an extent).
std::uint64_t extents_of(const SizeSpec& size, Bytes extent_size, const PercentBases& bases);

/// Whether @p size is a percentage of the PVs (`N%PVS`): lvcreate then gets the spec's devices.
bool is_percent_of_pvs(const SizeSpec& size);

/// Resolves the pool's sizes against the VG as it is or will be.
ResolvedSizes resolve_sizes(const ThinPoolSpec& spec, const SystemState& state);

/// Applies the spec's layout (setup_layout.cpp) to the sizes resolve_sizes() took from the spec:
/// the recommended layout's numbers, or the seed's metadata capped at the kernel's limit; sets
/// the chunk; adds one line to @p decisions per number it decided.
void apply_layout(const ThinPoolSpec& spec, const SystemState& state, ResolvedSizes& sizes,
                  std::vector<std::string>& decisions);

/// The size lvcreate gets for the data LV / the metadata LV.
SizeSpec data_request(const ThinPoolSpec& spec, const ResolvedSizes& sizes);
SizeSpec metadata_request(const ThinPoolSpec& spec, const ResolvedSizes& sizes);

/// Whether an existing pool's chunk is one the spec asks for, and the spec's chunk in words.
bool chunk_matches(const ThinPoolSpec& spec, Bytes chunk);
std::string wanted_chunk_text(const ThinPoolSpec& spec);

/// The plan's line on what the pool does when full.
std::string when_full_decision(const ThinPoolSpec& spec);

/// Whether a process whose `comm` is @p name runs on this host (scans /proc). dmeventd: LVM's
/// seg_monitor only says the pool is registered; dockerd: a running Docker holds the pool.
bool process_running(const std::string& name);

/// process_running("dmeventd"), first through dmeventd's pid file (/run/dmeventd.pid, its
/// process's comm): two reads instead of a scan of /proc on the hot paths; the scan otherwise.
bool dmeventd_running();

/// status()'s advice (setup_advice.cpp): what each state that needs an administrator means,
/// and the command that fixes it.
std::vector<Advice> advice_for(const ThinPoolSpec& spec, const PoolStatus& status);

/// Autoextend headroom for resolved sizes.
Headroom compute_headroom(const ResolvedSizes& sizes, unsigned threshold, unsigned percent);

/// The LVM session for a spec: scans only the spec's devices when it names any, unless it takes
/// space from an existing VG (whose other PVs LVM must see too).
lvm::Session session_for(const ThinPoolSpec& spec);

/// The VG's report, or nothing when it does not exist (LVM's own `vgs NAME` fails then).
std::optional<lvm::VgReport> find_vg(lvm::Session& session, const VgName& vg);

/// The plan's devices-file step and note (devices_file_plan.cpp): the mode, and what apply does.
void add_devices_file_step(const ThinPoolSpec& spec, const SystemState& state, Plan& plan);

/// The pool's PVs (PVs of the spec's VG among what @p session sees) that a devices file in use
/// does not list; empty unless @p state is on with a file. @throws Error
std::vector<std::string> pvs_not_in_devices_file(lvm::Session& session, const ThinPoolSpec& spec,
                                                 const lvmkit::internal::DevicesFileState& state);

/// What LVM does without the PVs in its devices file, and the fix, for status()'s advice.
Advice devices_file_advice(const std::vector<std::string>& pvs, const std::string& path);

/// Reads devices, VG, LVs and the profile directory.
SystemState read_state(lvm::Session& session, const ThinPoolSpec& spec);

/// Where read_state_from() gets LVM's view: the session's reports, or the hot path's
/// (fast_status.hpp) that say what those reports would.
struct StateSource {
    std::function<lvm::PvsAndVgs(const std::vector<lvm::DevicePath>&)> pvs_with_vgs;
    std::function<std::vector<lvm::LvReport>()> lvs;
    std::function<std::string()> profile_dir;
    /// LVM's devices-file mode and file (read through LVM; the hot path knows it is off).
    std::function<lvmkit::internal::DevicesFileState()> devices_file;
};

/// read_state() with LVM's view from @p source; the devices are probed the same way.
SystemState read_state_from(const ThinPoolSpec& spec, const StateSource& source);

/// status() from a state read_state() or the hot path read (its VG, LVs, profile directory and
/// devices file), without reading them again: apply()'s closing status when nothing was to do.
PoolStatus status_of_state(const ThinPoolSpec& spec, lvm::Session& session,
                           const SystemState& state);

/// Checks root, device-mapper, the thin-pool target, thin_check and dmeventd.
void check_environment(const ThinPoolSpec& spec);

/// The pool's dm device that carries the thin-pool target (`vg-pool` or `vg-pool-tpool`).
std::string pool_dm_device(const ThinPoolSpec& spec);

/// teardown()'s steps, in order: kinds and descriptions (`done` is never set).
std::vector<Step> teardown_steps(const ThinPoolSpec& spec);

/// The directories and files setup and teardown open: the consumer's files the spec names
/// (daemon.json, containerd's config.toml when the spec alone decides it is used; the mode
/// Docker's detection picks is checked with its unit, check_consumer_paths()) and their backups,
/// LVM's profile directory and the profile in it, the graph directory and its backup. Each must
/// be absent or of the kind expected; stat(2) alone, before LVM scans the devices, so a FIFO or
/// a device is neither opened nor waited on.
/// @throws Error(Errc::conflict) naming the path and what it is.
void check_file_kinds(const ThinPoolSpec& spec, const std::string& profile_dir,
                      const FileWriter& writer);

/// An existing pool's chunk, zeroing, when-full and profile against the spec.
/// @throws Error(Errc::mismatch) listing the differences.
void check_pool_matches(const ThinPoolSpec& spec, const SystemState& state);

/// Plan building, given the state (runs the file-kind, device and size checks).
Plan build_plan(const ThinPoolSpec& spec, const SystemState& state, const FileWriter& writer);

/// A host-wide exclusive lock (flock on /run/lock/lvmkit.lock) held for a scope.
class SetupLock {
  public:
    explicit SetupLock(const char* operation);
    ~SetupLock();
    SetupLock(const SetupLock&) = delete;
    SetupLock& operator=(const SetupLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace lvmkit::setup::internal
