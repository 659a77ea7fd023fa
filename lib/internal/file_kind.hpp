/// What a stat(2) mode is, in words for messages ("a FIFO (named pipe)", "a directory", ...).
// Shared by blockdev (a device path that is no block device) and config (a file path that is
// no regular file); defined in lib/core.
#pragma once

#include <sys/types.h>

#include <string>

namespace lvmkit::internal {

std::string file_kind(mode_t mode);

}  // namespace lvmkit::internal
