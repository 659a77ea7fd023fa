// Checks on a file or directory lvmkit will open, made before any disk is touched. Shared by the
// file writer, the consumers (the runtimes' config files) and the setup facade (the LVM profile,
// the graph directory); defined in lib/config.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace lvmkit::internal {

/// Refuses (Errc::permission_denied, insufficient_space) a file setup will write on a
/// read-only or full filesystem, before anything is written.
void check_writable(const std::string& host_path, std::size_t content_size);

/// Refuses (Errc::conflict, naming the path and what it is) @p host_path unless it is absent or
/// a regular file (a symlink counts as what it points to), or when a directory on the way to it
/// is something else. Only stat(2): nothing is opened, so a FIFO, a socket or a device can
/// neither block the caller nor be acted on. For every file lvmkit reads or writes on the
/// caller's say (config files, their backups, the LVM profile, LVM's devices file).
void check_regular_file(const std::string& host_path, const std::string& operation);

/// The same for a path that must be absent or a directory (the profile directory, the graph
/// directory and its backup).
void check_directory(const std::string& host_path, const std::string& operation);

/// Throws Error(Errc::conflict, @p operation, @p host_path) "is <kind>, not <wanted>".
[[noreturn]] void refuse_file_kind(const std::string& host_path, mode_t mode,
                                   const std::string& wanted, const std::string& operation);

}  // namespace lvmkit::internal
