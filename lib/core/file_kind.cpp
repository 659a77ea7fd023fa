#include "internal/file_kind.hpp"

#include <sys/stat.h>

namespace lvmkit::internal {

std::string file_kind(mode_t mode) {
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISLNK(mode))
        return "a symlink";
    return "a special file";
}

}  // namespace lvmkit::internal
