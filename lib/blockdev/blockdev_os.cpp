// Path resolution, sysfs and /proc readers for the blockdev layer.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "blockdev/blockdev_os.hpp"
#include "internal/file_kind.hpp"
#include "lvmkit/error.hpp"

namespace fs = std::filesystem;

namespace lvmkit::blockdev::internal {

UniqueFd::~UniqueFd() {
    if (fd_ >= 0)
        ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

namespace {

std::string sys_block(const std::string& kernel_name) {
    return "/sys/class/block/" + kernel_name;
}

// The kernel name of a block device number, from the /sys/dev/block/MAJ:MIN symlink.
std::string kernel_name_of(dev_t rdev, const std::string& operation, const std::string& path) {
    const std::string link =
        "/sys/dev/block/" + std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev));
    std::error_code ec;
    const fs::path target = fs::read_symlink(link, ec);
    if (ec)
        throw Error(Errc::io_error, operation, path,
                    "cannot find the device in sysfs (" + link + ")", {}, ec.value());
    return target.filename().string();
}

bool parse_unsigned(std::string_view text, unsigned& out) {
    if (text.empty())
        return false;
    unsigned long long value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > UINT_MAX)
            return false;
    }
    out = static_cast<unsigned>(value);
    return true;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t pos = 0;
    while (pos < line.size()) {
        const std::size_t start = line.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos)
            break;
        std::size_t end = line.find_first_of(" \t", start);
        if (end == std::string_view::npos)
            end = line.size();
        fields.push_back(line.substr(start, end - start));
        pos = end;
    }
    return fields;
}

std::uint64_t read_sysfs_number(const std::string& file, const std::string& operation) {
    const std::string text = read_text_file(file, operation);
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str())
        throw Error(Errc::parse_error, operation, file, "not a number: \"" + text + "\"");
    return value;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

}  // namespace

ResolvedPath resolve_path(const std::string& path, bool allow_regular_file,
                          const std::string& operation) {
    if (path.empty())
        throw Error(Errc::invalid_argument, operation, path, "the device path is empty");
    ResolvedPath result;
    result.path = path;
    std::error_code ec;
    const fs::path canonical = fs::canonical(path, ec);
    if (ec) {
        const bool missing = ec == std::errc::no_such_file_or_directory;
        throw Error(
            missing ? Errc::not_found : Errc::io_error, operation, path,
            missing ? "no such device or file (or a dangling symlink)" : "cannot resolve the path",
            {}, missing ? 0 : ec.value());
    }
    result.resolved = canonical.string();
    struct stat st {};
    if (::stat(result.resolved.c_str(), &st) != 0)
        throw Error(errno == ENOENT ? Errc::not_found : Errc::io_error, operation, path,
                    "cannot stat " + result.resolved, {}, errno);
    if (S_ISBLK(st.st_mode)) {
        result.is_block_device = true;
        result.rdev = st.st_rdev;
        result.kernel_name = kernel_name_of(st.st_rdev, operation, path);
        return result;
    }
    if (S_ISREG(st.st_mode) && allow_regular_file) {
        result.file_dev = st.st_dev;
        result.file_ino = st.st_ino;
        return result;
    }
    throw Error(Errc::invalid_argument, operation, path,
                std::string("not a block device: ") + result.resolved + " is " +
                    lvmkit::internal::file_kind(st.st_mode));
}

bool is_read_only(const ResolvedPath& target) {
    if (!target.is_block_device)
        return ::access(target.resolved.c_str(), W_OK) != 0;
    const std::string ro = sys_block(target.kernel_name) + "/ro";
    return read_sysfs_number(ro, "check read-only") != 0;
}

std::string read_text_file(const std::string& path, const std::string& operation) {
    std::ifstream in(path);
    if (!in)
        throw Error(Errc::io_error, operation, path, "cannot open " + path, {}, errno);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw Error(Errc::io_error, operation, path, "cannot read " + path, {}, errno);
    return text.str();
}

std::string unescape_proc_field(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
        const bool octal = field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' &&
                           field[i + 1] <= '3' && field[i + 2] >= '0' && field[i + 2] <= '7' &&
                           field[i + 3] >= '0' && field[i + 3] <= '7';
        if (octal) {
            out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                     (field[i + 3] - '0'));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
    std::vector<MountEntry> entries;
    std::size_t line_start = 0;
    while (line_start < text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        if (line_end == std::string_view::npos)
            line_end = text.size();
        const std::string_view line = text.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        const auto fields = split_spaces(line);
        if (fields.empty())
            continue;
        // id parent maj:min root mount-point options [optional...] - fstype source super-options
        const auto separator = std::find(fields.begin(), fields.end(), std::string_view("-"));
        const auto bad = [&] {
            return Error(Errc::parse_error, "read mounts", "/proc/self/mountinfo",
                         "malformed line: \"" + std::string(line) + "\"");
        };
        if (fields.size() < 6 || separator == fields.end() || separator - fields.begin() < 6 ||
            fields.end() - separator < 3)
            throw bad();
        const std::string_view devno = fields[2];
        const std::size_t colon = devno.find(':');
        MountEntry entry;
        if (colon == std::string_view::npos ||
            !parse_unsigned(devno.substr(0, colon), entry.major) ||
            !parse_unsigned(devno.substr(colon + 1), entry.minor))
            throw bad();
        entry.mount_point = unescape_proc_field(fields[4]);
        entry.fstype = unescape_proc_field(*(separator + 1));
        entry.source = unescape_proc_field(*(separator + 2));
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::vector<std::string> parse_swaps(std::string_view text) {
    std::vector<std::string> files;
    std::size_t line_start = 0;
    bool header = true;
    while (line_start < text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        if (line_end == std::string_view::npos)
            line_end = text.size();
        const std::string_view line = text.substr(line_start, line_end - line_start);
        line_start = line_end + 1;
        const auto fields = split_spaces(line);
        if (fields.empty())
            continue;
        if (header) {
            if (fields[0] != "Filename")
                throw Error(Errc::parse_error, "read swaps", "/proc/swaps",
                            "unexpected header: \"" + std::string(line) + "\"");
            header = false;
            continue;
        }
        // Filename Type Size Used Priority; the name may end in " (deleted)".
        if (fields.size() < 5)
            throw Error(Errc::parse_error, "read swaps", "/proc/swaps",
                        "malformed line: \"" + std::string(line) + "\"");
        files.push_back(unescape_proc_field(fields[0]));
    }
    return files;
}

std::vector<Partition> kernel_partitions(const std::string& kernel_name,
                                         const std::string& operation) {
    std::vector<Partition> partitions;
    std::error_code ec;
    fs::directory_iterator it(sys_block(kernel_name), ec);
    if (ec)
        throw Error(Errc::io_error, operation, kernel_name, "cannot list " + sys_block(kernel_name),
                    {}, ec.value());
    for (const auto& entry : it) {
        const fs::path dir = entry.path();
        if (!fs::exists(dir / "partition", ec))
            continue;
        Partition part;
        part.kernel_name = dir.filename().string();
        part.number = static_cast<unsigned>(read_sysfs_number(dir / "partition", operation));
        part.start = Sectors(read_sysfs_number(dir / "start", operation)).bytes();
        part.size = Sectors(read_sysfs_number(dir / "size", operation)).bytes();
        partitions.push_back(std::move(part));
    }
    std::sort(partitions.begin(), partitions.end(),
              [](const Partition& a, const Partition& b) { return a.number < b.number; });
    return partitions;
}

std::vector<Holder> holders_of(const std::string& kernel_name, const std::string& operation) {
    std::vector<Holder> holders;
    const std::string dir = sys_block(kernel_name) + "/holders";
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec)
        throw Error(Errc::io_error, operation, kernel_name, "cannot list " + dir, {}, ec.value());
    for (const auto& entry : it) {
        Holder holder;
        holder.held_kernel_name = kernel_name;
        holder.kernel_name = entry.path().filename().string();
        const std::string holder_dir = sys_block(holder.kernel_name);
        if (fs::exists(holder_dir + "/dm/name", ec)) {
            holder.kind = "dm";
            holder.name = trimmed(read_text_file(holder_dir + "/dm/name", operation));
        } else if (holder.kernel_name.rfind("md", 0) == 0) {
            holder.kind = "md";
            holder.name = holder.kernel_name;
        } else {
            holder.kind = "other";
        }
        holders.push_back(std::move(holder));
    }
    std::sort(holders.begin(), holders.end(),
              [](const Holder& a, const Holder& b) { return a.kernel_name < b.kernel_name; });
    return holders;
}

namespace {

// Kernel names and device numbers of the device and its partitions.
struct DeviceSet {
    std::vector<std::pair<dev_t, std::string>> members;

    const std::string* find(dev_t devno) const {
        for (const auto& member : members)
            if (member.first == devno)
                return &member.second;
        return nullptr;
    }
};

DeviceSet device_set(const ResolvedPath& target, const std::vector<Partition>& partitions,
                     const std::string& operation) {
    DeviceSet set;
    if (!target.is_block_device)
        return set;
    set.members.emplace_back(target.rdev, target.kernel_name);
    for (const auto& part : partitions) {
        const std::string dev =
            trimmed(read_text_file(sys_block(part.kernel_name) + "/dev", operation));
        unsigned maj = 0, min = 0;
        const std::size_t colon = dev.find(':');
        if (colon == std::string::npos || !parse_unsigned(dev.substr(0, colon), maj) ||
            !parse_unsigned(dev.substr(colon + 1), min))
            throw Error(Errc::parse_error, operation, part.kernel_name,
                        "unexpected sysfs dev \"" + dev + "\"");
        set.members.emplace_back(makedev(maj, min), part.kernel_name);
    }
    return set;
}

// btrfs (and other multi-device filesystems) report an anonymous device number in mountinfo;
// the mount source still names the block device.
const std::string* find_by_source(const DeviceSet& set, const std::string& source) {
    struct stat st {};
    if (source.rfind("/dev/", 0) != 0 || ::stat(source.c_str(), &st) != 0 || !S_ISBLK(st.st_mode))
        return nullptr;
    return set.find(st.st_rdev);
}

// Loop devices whose backing file is @p file: an image attached to a loop device is in use.
std::vector<Holder> loops_backed_by(const std::string& file) {
    std::vector<Holder> loops;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/sys/block", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("loop", 0) != 0)
            continue;
        std::ifstream in(entry.path() / "loop" / "backing_file");
        std::string backing;
        if (in && std::getline(in, backing) && backing == file)
            loops.push_back({"the image", name, "loop", ""});
    }
    return loops;
}

}  // namespace

Users find_users(const ResolvedPath& target, const std::vector<Partition>& partitions,
                 const std::string& operation) {
    Users users;
    const DeviceSet set = device_set(target, partitions, operation);

    for (const auto& entry : parse_mountinfo(read_text_file("/proc/self/mountinfo", operation))) {
        const std::string* name = set.find(makedev(entry.major, entry.minor));
        if (name == nullptr)
            name = find_by_source(set, entry.source);
        if (name != nullptr)
            users.mounts.push_back({*name, entry.mount_point, entry.fstype});
    }

    for (const auto& file : parse_swaps(read_text_file("/proc/swaps", operation))) {
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0)
            continue;  // " (deleted)" swap files: not ours
        if (S_ISBLK(st.st_mode)) {
            const std::string* name = set.find(st.st_rdev);
            if (name != nullptr)
                users.swaps.push_back({*name, file});
        } else if (!target.is_block_device && st.st_dev == target.file_dev &&
                   st.st_ino == target.file_ino) {
            users.swaps.push_back({"", file});
        }
    }

    for (const auto& member : set.members) {
        auto held = holders_of(member.second, operation);
        users.holders.insert(users.holders.end(), held.begin(), held.end());
    }
    if (!target.is_block_device) {
        auto loops = loops_backed_by(target.resolved);
        users.holders.insert(users.holders.end(), loops.begin(), loops.end());
    }
    return users;
}

std::vector<std::string> describe_users(const Users& users) {
    std::vector<std::string> reasons;
    for (const auto& mount : users.mounts)
        reasons.push_back(mount.kernel_name + " is mounted on " + mount.mount_point + " (" +
                          mount.fstype + ")");
    for (const auto& swap : users.swaps)
        reasons.push_back((swap.kernel_name.empty() ? std::string("the image") : swap.kernel_name) +
                          " is active swap (" + swap.path + ")");
    for (const auto& holder : users.holders)
        reasons.push_back(holder.held_kernel_name + " is held by " + holder.kind + " device " +
                          holder.kernel_name +
                          (holder.name.empty() ? "" : " (" + holder.name + ")"));
    return reasons;
}

}  // namespace lvmkit::blockdev::internal
