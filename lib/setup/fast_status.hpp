// The read-only hot path (issue 27): the VG and LVs status() needs, read from the PVs' metadata
// areas, the kernel and dmeventd instead of a liblvm2cmd report. Whatever is not the plain case
// (an LVM setting that changes which devices or metadata LVM would use, a devices file, an
// inactive pool, a VG spread over devices the spec does not name, dmeventd not running, any
// checksum or parse problem) gives nullopt, and the caller asks LVM as before.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lvmkit/files.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {

/// What LVM's `vgs`/`lvs -a` would report for the spec's VG, as far as status() reads them.
struct FastReports {
    lvm::VgReport vg;
    std::vector<lvm::LvReport> lvs;
    std::string profile_dir;     ///< LVM_SYSTEM_DIR/profile (lvm.conf sets no other)
    lvm::PvsAndVgs pvs_and_vgs;  ///< `pvs` of the spec's devices with their VG
};

/// The reports, or nullopt (with the reason in the setup log at debug) to take the full path.
std::optional<FastReports> fast_reports(const ThinPoolSpec& spec);

/// Why LVM's configuration sends the hot path to LVM, or empty when it does not: the devices
/// file, filters, a profile_dir, lvmlockd, system IDs, monitoring off, dmeventd settings, read
/// from @p system_dir's lvm.conf and lvmlocal.conf. @p own_filter: the session sets
/// devices/filter itself (scan_only), so lvm.conf's does not count.
std::string lvm_config_blocks_fast_path(const std::string& system_dir, bool own_filter);

/// status() as LVM's reports give it (liblvm2cmd): always available, the reference.
PoolStatus full_status(const ThinPoolSpec& spec);

/// The system state of a re-run with nothing to do, read through fast_reports() (no liblvm2cmd),
/// or nullopt: the fast path does not answer, or the plan it gives has a step to do, or any
/// check refuses (the full path then reads LVM's view and refuses or plans from that).
/// @p plan, when given, receives the plan built from that state (so the caller does not build it
/// a second time).
std::optional<SystemState> fast_noop_state(const ThinPoolSpec& spec, const FileWriter& writer,
                                           Plan* plan = nullptr);

/// status() from fast_reports(), or nullopt when the fast path does not answer. status() is
/// fast_status(), else full_status(); the [system] tests compare the two.
std::optional<PoolStatus> fast_status(const ThinPoolSpec& spec);

}  // namespace lvmkit::setup::internal
