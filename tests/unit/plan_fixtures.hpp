// Shared by the unit tests of the facade's pure parts (setup_test, sizing_test).
#pragma once

#include "setup/setup_internal.hpp"

namespace lvmkit::test {

/// The system state read_state() would give for one blank /dev/sdb of @p size and no VG.
inline setup::internal::SystemState blank_disk(Bytes size) {
    setup::internal::SystemState state;
    state.pool_name = "thinpool";
    setup::internal::DeviceState device;
    device.path = "/dev/sdb";
    device.size = size;
    state.devices.push_back(device);
    return state;
}

}  // namespace lvmkit::test
