#include "internal/file_checks.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdint>

#include "lvmkit/error.hpp"

namespace lvmkit::internal {
namespace {
constexpr const char* kPreflight = "preflight";
}  // namespace

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
