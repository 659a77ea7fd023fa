// Private to the blockdev layer: file descriptors, path resolution, sysfs and /proc readers.
// The parsers take text so unit tests can feed them without a device.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lvmkit/blockdev.hpp"

namespace lvmkit::blockdev::internal {

/// A file descriptor that closes itself; move-only.
class UniqueFd {
  public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd();
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

  private:
    int fd_ = -1;
};

/// A path resolved to the device (or image file) it names.
struct ResolvedPath {
    std::string path;      // as given
    std::string resolved;  // canonical
    bool is_block_device = false;
    dev_t rdev = 0;      // block devices
    dev_t file_dev = 0;  // image files: st_dev / st_ino identify them in /proc/swaps
    ino_t file_ino = 0;
    std::string kernel_name;  // block devices: name under /sys/class/block
};

/// Resolves symlinks and checks the type.
/// @throws Error(not_found | invalid_argument | io_error), operation @p operation.
ResolvedPath resolve_path(const std::string& path, bool allow_regular_file,
                          const std::string& operation);

/// True when the kernel marks the device read-only (sysfs `ro`, or BLKROGET).
bool is_read_only(const ResolvedPath& target);

/// One line of /proc/self/mountinfo that matters here.
struct MountEntry {
    unsigned major = 0;
    unsigned minor = 0;
    std::string mount_point;
    std::string fstype;
    std::string source;
};

/// Parses /proc/self/mountinfo text. @throws Error(parse_error) on a malformed line.
std::vector<MountEntry> parse_mountinfo(std::string_view text);

/// Parses /proc/swaps text into the (unescaped) file names. @throws Error(parse_error).
std::vector<std::string> parse_swaps(std::string_view text);

/// Undoes the kernel's octal escapes (`\040` for a space) in /proc files.
std::string unescape_proc_field(std::string_view field);

/// Reads a whole small file (sysfs, /proc). @throws Error(io_error) naming it.
std::string read_text_file(const std::string& path, const std::string& operation);

/// Partitions the kernel created for @p kernel_name (sysfs), in number order.
std::vector<Partition> kernel_partitions(const std::string& kernel_name,
                                         const std::string& operation);

/// Holders of one block device (kernel name), e.g. dm-0 over loop3.
std::vector<Holder> holders_of(const std::string& kernel_name, const std::string& operation);

/// Everything that uses the device: mounts, swaps, holders of it and of its kernel partitions.
struct Users {
    std::vector<Mount> mounts;
    std::vector<Swap> swaps;
    std::vector<Holder> holders;
};
/// @throws Error(io_error | parse_error) when /proc or sysfs can not be read.
Users find_users(const ResolvedPath& target, const std::vector<Partition>& partitions,
                 const std::string& operation);

/// Sentences naming each user, for refusals and verdicts.
std::vector<std::string> describe_users(const Users& users);

}  // namespace lvmkit::blockdev::internal
