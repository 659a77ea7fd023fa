// libdevmapper keeps process-wide state (log hook, udev sync switch, control fd) and liblvm2cmd
// shares the same libdevmapper.so. lvmkit calls either library only while holding this lock, and
// each layer (re)installs the libdevmapper settings it needs after taking it.
#pragma once

#include <mutex>

namespace lvmkit::internal {

std::recursive_mutex& libdm_mutex();

}  // namespace lvmkit::internal
