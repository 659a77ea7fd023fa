// A VG is known by its PVs' identity (device number, PV UUID), not by the names on the command
// line: a shifted /dev/sdX name must not make setup label a stranger's disk.
#include "setup/vg_identity.hpp"

#include <sys/stat.h>

#include "internal/device_identity.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit::setup::internal {
namespace {

dev_t number_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode) ? st.st_rdev : 0;
}

std::string without_dashes(const std::string& uuid) {
    std::string out;
    for (char c : uuid)
        if (c != '-')
            out += c;
    return out;
}

// The PV UUID lvmkit read from the label of one of the spec's devices, if it carries one.
bool spec_device_is(const SystemState& state, const lvm::PvReport& pv) {
    const dev_t number = number_of(pv.name);
    for (const auto& device : state.devices) {
        if (number != 0 && number_of(device.path) == number)
            return true;
        if (!device.pv_uuid.empty() && device.pv_uuid == without_dashes(pv.uuid))
            return true;
    }
    return false;
}

std::string with_stable_name(const std::string& path) {
    const std::string stable = stable_name(path);
    return stable.empty() || stable == path ? path : path + " (" + stable + ")";
}

}  // namespace

void check_vg_not_elsewhere(const ThinPoolSpec& spec, const SystemState& state) {
    if (state.vg || spec.use_existing_vg || spec.devices.empty())
        return;
    // Every device LVM sees, not only the spec's: that is where the VG would be.
    lvm::Session everywhere{lvm::SessionOptions{}};
    std::vector<std::string> where;
    for (const auto& pv : everywhere.pvs()) {
        if (pv.vg != spec.vg.str() || spec_device_is(state, pv))
            continue;
        where.push_back(with_stable_name(pv.name));
    }
    if (where.empty())
        return;
    std::string list;
    for (const auto& place : where)
        list += (list.empty() ? "" : ", ") + place;
    std::vector<std::string> given;
    for (const auto& device : spec.devices)
        given.push_back("given: " + with_stable_name(device));
    throw Error(Errc::already_exists, "preflight", "VG " + spec.vg.str(),
                "the volume group already exists on " + list +
                    ", not on the device(s) given; after a reboot a disk can come back under "
                    "another /dev/sdX name, so name disks by /dev/disk/by-id/ (or use "
                    "--existing-vg to take space from that VG)",
                given);
}

}  // namespace lvmkit::setup::internal
