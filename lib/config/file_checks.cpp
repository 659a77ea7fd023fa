#include "internal/file_checks.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdint>

#include "internal/file_kind.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit::internal {
namespace {
constexpr const char* kPreflight = "preflight";

bool is_special(mode_t mode) {
    return S_ISFIFO(mode) || S_ISSOCK(mode) || S_ISBLK(mode) || S_ISCHR(mode);
}

// The first existing directory on the way to @p host_path that is not one (stat follows
// symlinks, as open would); empty when every existing one is a directory.
std::string first_non_directory(const std::string& host_path, struct stat& st) {
    for (auto slash = host_path.find('/', 1); slash != std::string::npos;
         slash = host_path.find('/', slash + 1)) {
        const std::string prefix = host_path.substr(0, slash);
        if (::stat(prefix.c_str(), &st) != 0)
            return {};  // missing: everything below it is missing too
        if (!S_ISDIR(st.st_mode))
            return prefix;
    }
    return {};
}

// stat(2) of @p host_path: false when it does not exist. A directory on the way that is not one
// is refused; other errors (EACCES, ELOOP) are left to the open, which names them.
bool stat_existing(const std::string& host_path, const std::string& operation, struct stat& st) {
    if (::stat(host_path.c_str(), &st) == 0)
        return true;
    if (errno == ENOTDIR) {
        struct stat blocker_st {};
        const std::string blocker = first_non_directory(host_path, blocker_st);
        if (!blocker.empty())
            refuse_file_kind(blocker, blocker_st.st_mode, "a directory", operation);
    }
    return false;
}
}  // namespace

void refuse_file_kind(const std::string& host_path, mode_t mode, const std::string& wanted,
                      const std::string& operation) {
    // Opening a FIFO waits for a writer; a device's open or read can wait or act on the device.
    throw Error(Errc::conflict, operation, host_path,
                "is " + file_kind(mode) + ", not " + wanted +
                    (is_special(mode) ? "; lvmkit does not open it (that could block, or act on "
                                        "a device)"
                                      : ""));
}

void check_regular_file(const std::string& host_path, const std::string& operation) {
    struct stat st {};
    if (stat_existing(host_path, operation, st) && !S_ISREG(st.st_mode))
        refuse_file_kind(host_path, st.st_mode, "a regular file", operation);
}

void check_directory(const std::string& host_path, const std::string& operation) {
    struct stat st {};
    if (stat_existing(host_path, operation, st) && !S_ISDIR(st.st_mode))
        refuse_file_kind(host_path, st.st_mode, "a directory", operation);
}

// A file setup will write must be writable now: finding a read-only or full filesystem only at
// the last step would cost a whole setup and its rollback, and the rollback can not make the
// device byte-identical again. Checks the nearest existing directory on the way to @p host_path.
void check_writable(const std::string& host_path, std::size_t content_size) {
    std::string dir = host_path.substr(0, host_path.find_last_of('/'));
    struct statvfs fs {};
    while (::statvfs(dir.empty() ? "/" : dir.c_str(), &fs) != 0) {
        if (errno != ENOENT || dir.empty())
            return;  // the write itself will report what is wrong
        dir = dir.substr(0, dir.find_last_of('/'));
    }
    if ((fs.f_flag & ST_RDONLY) != 0)
        throw Error(Errc::permission_denied, kPreflight, host_path,
                    "the file is on a read-only filesystem (" + (dir.empty() ? "/" : dir) + ")");
    // The temporary copy, a backup of the old file and a directory block, with room to spare.
    const std::uint64_t needed = 2 * static_cast<std::uint64_t>(content_size) + 16384;
    const std::uint64_t available = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (available < needed)
        throw Error(Errc::insufficient_space, kPreflight, host_path,
                    "not enough space on the filesystem to write the file (" +
                        std::to_string(available) + " bytes free, " + std::to_string(needed) +
                        " needed)");
}

}  // namespace lvmkit::internal
