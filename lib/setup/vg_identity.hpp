// The spec's VG by identity: a VG of that name on other disks is refused before anything is
// written, however the spec's devices are named today.
#pragma once

#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {

/// When the spec's VG was not found on the spec's devices (and the spec does not take space from
/// an existing VG), looks at every device LVM can see: a VG of that name there means the devices
/// given are not its PVs (after a reboot `/dev/sdX` names shift), and vgcreate would fail after
/// pvcreate wrote. Compares by device number and PV UUID, not by name.
/// @throws Error(Errc::already_exists, "preflight") naming where the VG lives and stable names.
void check_vg_not_elsewhere(const ThinPoolSpec& spec, const SystemState& state);

}  // namespace lvmkit::setup::internal
