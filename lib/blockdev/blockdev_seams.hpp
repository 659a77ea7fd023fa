// Test seams of the blockdev layer: failures that real devices can not produce on demand.
#pragma once

#include <functional>

#include "lvmkit/blockdev.hpp"

namespace lvmkit::blockdev::internal {

/// Called before each magic string is erased. A nonzero return fails that erase as if the write
/// had returned that errno. An empty function (the default) injects nothing.
using WipeFault = std::function<int(const Signature& about_to_erase)>;
void set_wipe_fault_for_testing(WipeFault fault);

/// Called before each probe; a nonzero return fails the probe as libblkid would (-1, errno).
using ProbeFault = std::function<int(const std::string& path)>;
void set_probe_fault_for_testing(ProbeFault fault);

}  // namespace lvmkit::blockdev::internal
