/// @file files.hpp
/// @brief The one place lvmkit writes files: atomic replace under a target root, with a backup.
///
/// Everything else in lvmkit's config layer is pure (values in, text out). The setup facade hands
/// the rendered text to a FileWriter, and on rollback calls FileWriter::undo() with the
/// WriteResult it got back.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvmkit {

class Error;

/// A directory that every path is resolved under, the way an installer writes into
/// `/mnt/sysimage`. Symlinks met while resolving are followed *inside* the root (an absolute link
/// target is taken relative to the root); a path or link that would climb above the root through
/// `..` is refused, never clamped silently.
class TargetRoot {
  public:
    /// @param root an existing directory; `/` (the default) means the running system.
    /// @throws Error(Errc::invalid_argument) when @p root is empty or relative,
    ///         Error(Errc::not_found) when it does not exist or is not a directory (the message
    ///         says what it is: a FIFO, a socket, a device, a regular file).
    explicit TargetRoot(std::string root = "/");

    /// The root's canonical host path (symlinks resolved, e.g. `/mnt/sysimage`).
    const std::string& path() const noexcept { return root_; }

    /// The host path of @p path (absolute, as seen from inside the root).
    /// @param path an absolute path inside the root.
    /// @param follow_final also follow a symlink in the last component.
    /// @throws Error(Errc::invalid_argument) for a relative path, an escape above the root or a
    ///         symlink loop (more than 40 links); Error(Errc::conflict) when a directory on the
    ///         way is something else (a FIFO, a device, a file), naming it and what it is.
    std::string resolve(std::string_view path, bool follow_final = false) const;

  private:
    std::string root_;
};

/// The steps of an atomic write, where a test may inject a failure.
enum class FileStep {
    create_directory,  ///< mkdir of a missing parent
    create_temp,       ///< open(O_CREAT|O_EXCL|O_NOFOLLOW) of the temporary file
    write,             ///< write(2) of the content
    set_owner,         ///< fchmod/fchown of the temporary file
    fsync,             ///< fsync of the temporary file
    backup,            ///< keeping the previous file as the backup
    rename,            ///< rename(2) of the temporary file over the target
    fsync_directory,   ///< fsync of the containing directory
    remove,            ///< unlink of a file lvmkit created (undo, remove)
};

/// The step's enumerator name, e.g. "create_temp" or "fsync_directory".
const char* to_string(FileStep step) noexcept;

/// Test seam: called before each step with the host path it acts on; a non-zero return is taken
/// as the errno of that step failing. Production code leaves it empty.
using FileFaultHook = std::function<int(FileStep step, const std::string& host_path)>;

/// How to write one file.
struct WriteOptions {
    /// Where the previous content goes; empty means `<target>.lvmkit-backup`. Resolved under the
    /// target root like the target. An existing backup is never overwritten: it holds the
    /// content from before lvmkit's first change.
    std::string backup_path;
    /// Keep a backup at all (default yes).
    bool keep_backup = true;
    /// Write through a symlink at the target (resolved inside the root) instead of refusing.
    bool follow_symlink = false;
    /// Mode of a new file; an existing file keeps its own mode and owner.
    unsigned new_file_mode = 0644;
    /// Create the file only: refuse (Errc::conflict) when it exists, and when another program
    /// creates it while lvmkit writes, leave theirs (the move into place never replaces).
    bool create_only = false;
};

/// What a write did, enough to undo it exactly.
struct WriteResult {
    std::string path;       ///< the path as given (inside the root)
    std::string host_path;  ///< where it was written on this host
    bool changed = false;   ///< false when the file already had this content (nothing written)
    bool created = false;   ///< the file did not exist before
    std::string backup_host_path;  ///< the backup's host path, empty when none was kept
    bool backup_created = false;   ///< this write made the backup (so undo may remove it)
    std::optional<std::string> previous_content;  ///< content before the write, if it existed
    std::string written_content;  ///< what lvmkit wrote (undo refuses if the file differs now)
    std::vector<std::string> created_directories;  ///< host paths of parents made, outermost first
};

/// Writes files atomically under a TargetRoot: a temporary file in the same directory (created
/// with O_EXCL|O_NOFOLLOW), write, fsync, rename over the target, fsync the directory. The
/// previous file is kept as a backup; mode and owner of an existing file are kept (new files get
/// WriteOptions::new_file_mode, set explicitly so the process umask — liblvm2cmd leaves 077 —
/// does not matter); missing parent directories are created with mode 0755.
/// On any failure the previous file is left as it was and the temporary file is removed.
class FileWriter {
  public:
    /// A writer for files under @p root (default: the running system, `/`); @p fault_hook is
    /// the test seam (see FileFaultHook), empty in production.
    explicit FileWriter(TargetRoot root = TargetRoot(), FileFaultHook fault_hook = {});

    /// The root every path is resolved under.
    const TargetRoot& root() const noexcept { return root_; }

    /// Replaces @p path (absolute, inside the root) with @p content. Writing the content the file
    /// already has changes nothing (no write, no new backup, mtime kept).
    /// @throws Error(Errc::invalid_argument) for a bad path or a symlink at the target when
    ///         WriteOptions::follow_symlink is off; Error(Errc::conflict) when the target, or an
    ///         existing backup, is not a regular file (a FIFO, a socket, a device, a directory:
    ///         the message says which); Error(Errc::permission_denied) on EACCES/EPERM/EROFS;
    ///         Error(Errc::insufficient_space) on ENOSPC/EDQUOT; Error(Errc::io_error) otherwise.
    WriteResult write(std::string_view path, std::string_view content,
                      const WriteOptions& options = {}) const;

    /// Reads @p path under the root; std::nullopt when it does not exist. With @p follow_symlink
    /// off, a symlink at @p path is refused. Never blocks: anything but a regular file is refused
    /// by its lstat before any open, and the open itself is non-blocking (O_NONBLOCK, O_NOCTTY)
    /// with fstat checked again before the first read.
    /// @throws Error(Errc::io_error) when it exists but can not be read (permission_denied etc.
    ///         as write() maps errno), Error(Errc::conflict) when it is not a regular
    ///         file (a FIFO, a socket, a block or character device, a directory: the message
    ///         names it), Error(Errc::invalid_argument) for a bad path, a file over 64 MiB or (with
    ///         @p follow_symlink off) a symlink.
    std::optional<std::string> read(std::string_view path, bool follow_symlink = false) const;

    /// Puts back what @p result replaced: removes a file it created (and the directories it
    /// made, when empty), or atomically rewrites the previous content (keeping mode and owner)
    /// and removes a backup that write made. Does nothing for an unchanged result.
    /// @throws Error as write() does; Error(Errc::mismatch) when the file no longer holds what
    ///         lvmkit wrote (someone edited, replaced or removed it since): their change is kept.
    void undo(const WriteResult& result) const;

    /// Restores @p path from its backup (the default name or @p backup_path) by renaming the
    /// backup over it (the backup is consumed), then fsyncs the directory. Used by teardown.
    /// @throws Error(Errc::not_found) when there is no backup; Error as write() does.
    void restore_backup(std::string_view path, std::string_view backup_path = {}) const;

    /// Removes @p path; a missing file is fine. @return true when a file was removed.
    /// @throws Error as write() does.
    bool remove(std::string_view path) const;

  private:
    [[noreturn]] void undo_after_late_failure(WriteResult result, const Error& failure) const;

    TargetRoot root_;
    FileFaultHook fault_hook_;
};

/// `<path>.lvmkit-backup`, the default backup name.
std::string default_backup_path(std::string_view path);

}  // namespace lvmkit
