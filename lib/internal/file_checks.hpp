// Checks on a file lvmkit will write, made before any disk is touched. Shared by the consumers
// (the runtimes' config files) and the setup facade (the LVM profile); defined in lib/config.
#pragma once

#include <cstddef>
#include <string>

namespace lvmkit::internal {

/// Refuses (Errc::permission_denied, insufficient_space) a file setup will write on a
/// read-only or full filesystem, before anything is written.
void check_writable(const std::string& host_path, std::size_t content_size);

}  // namespace lvmkit::internal
