#include "lvmkit/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "internal/file_checks.hpp"
#include "internal/file_kind.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit {
namespace {

constexpr int kMaxSymlinks = 40;
constexpr std::size_t kMaxReadSize = 64u << 20;  // config files; anything larger is a mistake

Errc errc_for(int err) {
    switch (err) {
        case EACCES:
        case EPERM:
        case EROFS:
            return Errc::permission_denied;
        case ENOSPC:
        case EDQUOT:
            return Errc::insufficient_space;
        case ENOENT:
            return Errc::not_found;
        case ENOTDIR:
        case EISDIR:
            return Errc::conflict;
        default:
            return Errc::io_error;
    }
}

[[noreturn]] void throw_errno(const char* operation, const std::string& object,
                              const std::string& message, int err) {
    throw Error(errc_for(err), operation, object, message, {}, err);
}

/// A file descriptor closed on destruction.
class Fd {
  public:
    explicit Fd(int fd = -1) noexcept : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

  private:
    int fd_;
};

std::deque<std::string> split_components(std::string_view path) {
    std::deque<std::string> parts;
    std::size_t pos = 0;
    while (pos < path.size()) {
        const std::size_t next = path.find('/', pos);
        const std::size_t end = next == std::string_view::npos ? path.size() : next;
        if (end > pos)
            parts.emplace_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    return parts;
}

std::string join_under(const std::string& root, const std::vector<std::string>& parts) {
    std::string out = root == "/" ? "" : root;
    for (const auto& part : parts)
        out += "/" + part;
    return out.empty() ? "/" : out;
}

std::string parent_of(const std::string& host_path) {
    const auto slash = host_path.rfind('/');
    return slash == 0 ? "/" : host_path.substr(0, slash);
}

std::string base_of(const std::string& host_path) {
    return host_path.substr(host_path.rfind('/') + 1);
}

std::string read_link(const std::string& host_path) {
    std::string buffer(256, '\0');
    for (;;) {
        const ssize_t n = ::readlink(host_path.c_str(), buffer.data(), buffer.size());
        if (n < 0)
            throw_errno("resolve path", host_path, "can not read the symlink", errno);
        if (static_cast<std::size_t>(n) < buffer.size()) {
            buffer.resize(static_cast<std::size_t>(n));
            return buffer;
        }
        buffer.resize(buffer.size() * 2);
    }
}

std::string temp_suffix() {
    // One engine per thread: writers on different threads never share state.
    thread_local std::mt19937 engine{std::random_device{}()};
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 2);
    std::string out;
    for (int i = 0; i < 8; ++i)
        out += alphabet[pick(engine)];
    return out;
}

/// What an existing regular file looks like, so its replacement keeps mode and owner.
struct FileMeta {
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

/// Calls the fault hook (if any) and returns the errno it injects, 0 for none.
int injected(const FileFaultHook& hook, FileStep step, const std::string& host_path) {
    return hook ? hook(step, host_path) : 0;
}

void write_all(int fd, std::string_view content, const std::string& host_path,
               const FileFaultHook& hook) {
    if (int err = injected(hook, FileStep::write, host_path))
        throw_errno("write file", host_path, "writing the temporary file failed", err);
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("write file", host_path, "writing the temporary file failed", errno);
        done += static_cast<std::size_t>(n);
    }
}

void fsync_directory(const std::string& dir, const FileFaultHook& hook) {
    if (int err = injected(hook, FileStep::fsync_directory, dir))
        throw_errno("write file", dir, "fsync of the directory failed", err);
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0)
        throw_errno("write file", dir, "fsync of the directory failed", errno);
}

std::string temp_prefix(const std::string& host_path) {
    return "." + base_of(host_path) + ".lvmkit-";
}

/// Every writer holds an flock on its temporary file until the rename, so a temporary file that
/// can be locked belongs to a writer that died (a crash or a power cut between create and
/// rename). Those are removed before a new write: an interrupted run leaves nothing behind.
void remove_stale_temps(int dir_fd, const std::string& host_path) {
    const std::string prefix = temp_prefix(host_path);
    const int list_fd = ::dup(dir_fd);
    DIR* dir = list_fd >= 0 ? ::fdopendir(list_fd) : nullptr;
    if (dir == nullptr) {
        if (list_fd >= 0)
            ::close(list_fd);
        return;  // best effort: the write itself reports a directory it can not use
    }
    std::vector<std::string> stale;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0)
            continue;
        const Fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
            continue;  // symlinks, directories, fifos: not ours
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
            stale.push_back(name);
    }
    ::closedir(dir);
    for (const auto& name : stale) {
        if (::unlinkat(dir_fd, name.c_str(), 0) == 0)
            log(LogCategory::config, LogLevel::info,
                "removed " + parent_of(host_path) + "/" + name +
                    ", a temporary file left by an interrupted write");
    }
}

Fd create_temp(int dir_fd, const std::string& host_path, std::string& temp_name,
               const FileFaultHook& hook) {
    if (int err = injected(hook, FileStep::create_temp, host_path))
        throw_errno("write file", host_path, "can not create a temporary file next to it", err);
    for (int attempt = 0; attempt < 100; ++attempt) {
        temp_name = temp_prefix(host_path) + temp_suffix();
        Fd fd(::openat(dir_fd, temp_name.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd && errno != EEXIST)
            break;
        if (!fd)
            continue;
        // Locked for its whole life (see remove_stale_temps). A cleaner that got in between the
        // open and the lock has unlinked it: then take another name.
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            ::unlinkat(dir_fd, temp_name.c_str(), 0);
            continue;
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) == 0 && st.st_nlink > 0)
            return fd;
    }
    throw_errno("write file", host_path, "can not create a temporary file next to it", errno);
}

void set_meta(int fd, const FileMeta& meta, bool set_owner, const std::string& host_path,
              const FileFaultHook& hook) {
    if (int err = injected(hook, FileStep::set_owner, host_path))
        throw_errno("write file", host_path, "can not set mode and owner", err);
    // Explicit fchmod: the umask (077 after liblvm2cmd ran) must not decide the mode.
    if (::fchmod(fd, meta.mode & 07777) != 0)
        throw_errno("write file", host_path, "can not set the file mode", errno);
    if (set_owner && ::fchown(fd, meta.uid, meta.gid) != 0)
        throw_errno("write file", host_path, "can not keep the file owner", errno);
}

/// Moves the temporary file to its name; with @p no_replace only while the name is free (a file
/// another program made meanwhile is never replaced). RENAME_NOREPLACE, or where the filesystem
/// lacks it a hard link, which fails on an existing name just as atomically.
int move_into_place(int dir_fd, const std::string& temp_name, const std::string& name,
                    bool no_replace) {
    if (!no_replace)
        return ::renameat(dir_fd, temp_name.c_str(), dir_fd, name.c_str());
    if (::renameat2(dir_fd, temp_name.c_str(), dir_fd, name.c_str(), RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (::linkat(dir_fd, temp_name.c_str(), dir_fd, name.c_str(), 0) != 0)
        return -1;
    ::unlinkat(dir_fd, temp_name.c_str(), 0);
    return 0;
}

/// temp file in the same directory, write, fsync, rename over @p host_path, fsync the directory.
/// Returns true once the rename happened (so a failure after it is not "nothing changed").
void atomic_replace(const std::string& host_path, std::string_view content, const FileMeta& meta,
                    bool set_owner, const FileFaultHook& hook, bool& renamed,
                    bool no_replace = false) {
    renamed = false;
    const std::string dir = parent_of(host_path);
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd)
        throw_errno("write file", dir, "can not open the directory", errno);
    remove_stale_temps(dir_fd.get(), host_path);
    std::string temp_name;
    Fd fd = create_temp(dir_fd.get(), host_path, temp_name, hook);
    try {
        write_all(fd.get(), content, host_path, hook);
        set_meta(fd.get(), meta, set_owner, host_path, hook);
        if (int err = injected(hook, FileStep::fsync, host_path))
            throw_errno("write file", host_path, "fsync of the temporary file failed", err);
        if (::fsync(fd.get()) != 0)
            throw_errno("write file", host_path, "fsync of the temporary file failed", errno);
        if (int err = injected(hook, FileStep::rename, host_path))
            throw_errno("write file", host_path, "renaming the temporary file failed", err);
        if (move_into_place(dir_fd.get(), temp_name, base_of(host_path), no_replace) != 0) {
            if (errno == EEXIST && no_replace)
                throw Error(Errc::conflict, "write file", host_path,
                            "appeared while lvmkit wrote it; lvmkit creates this file only where "
                            "there is none and leaves the other one as it is",
                            {}, errno);
            throw_errno("write file", host_path, "renaming the temporary file failed", errno);
        }
    } catch (...) {
        ::unlinkat(dir_fd.get(), temp_name.c_str(), 0);
        throw;
    }
    renamed = true;
    fsync_directory(dir, hook);
}

struct Existing {
    bool exists = false;
    bool is_symlink = false;
    struct stat st {};
};

Existing inspect(const std::string& host_path) {
    Existing out;
    if (::lstat(host_path.c_str(), &out.st) == 0) {
        out.exists = true;
        out.is_symlink = S_ISLNK(out.st.st_mode);
        return out;
    }
    if (errno != ENOENT)
        throw_errno("inspect file", host_path, "can not stat the file", errno);
    return out;
}

std::string read_host_file(const std::string& host_path, bool follow) {
    // The callers refused anything but a regular file by its lstat; O_NONBLOCK and O_NOCTTY keep
    // a FIFO or a device swapped in since then from blocking the open or becoming our terminal,
    // and fstat refuses it before any read.
    Fd fd(::open(host_path.c_str(),
                 O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)));
    if (!fd)
        throw_errno("read file", host_path, "can not open the file", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("read file", host_path, "can not stat the file", errno);
    if (!S_ISREG(st.st_mode))
        internal::refuse_file_kind(host_path, st.st_mode, "a regular file", "read file");
    if (static_cast<std::size_t>(st.st_size) > kMaxReadSize)
        throw Error(Errc::invalid_argument, "read file", host_path,
                    "is larger than 64 MiB; not a configuration file lvmkit will edit");
    std::string content;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("read file", host_path, "reading failed", errno);
        if (n == 0)
            return content;
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > kMaxReadSize)
            throw Error(Errc::invalid_argument, "read file", host_path,
                        "is larger than 64 MiB; not a configuration file lvmkit will edit");
    }
}

/// mkdir -p for the part of @p dir below the root; returns what it made, outermost first.
std::vector<std::string> make_parents(const std::string& root, const std::string& dir,
                                      const FileFaultHook& hook) {
    std::vector<std::string> made;
    const std::string below =
        dir.size() > root.size() ? dir.substr(root == "/" ? 0 : root.size()) : std::string();
    std::vector<std::string> parts;
    for (const auto& part : split_components(below)) {
        parts.push_back(part);
        const std::string path = join_under(root, parts);
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                internal::refuse_file_kind(path, st.st_mode, "a directory", "create directory");
            continue;
        }
        int err = injected(hook, FileStep::create_directory, path);
        if (err == 0 && ::mkdir(path.c_str(), 0755) != 0)
            err = errno;
        // Explicit chmod: the umask must not decide the mode either.
        if (err == 0 && ::chmod(path.c_str(), 0755) != 0)
            err = errno;
        if (err != 0) {
            for (auto it = made.rbegin(); it != made.rend(); ++it)
                ::rmdir(it->c_str());
            throw_errno("create directory", path, "can not create the directory", err);
        }
        made.push_back(path);
    }
    return made;
}

void remove_directories(const std::vector<std::string>& made) {
    for (auto it = made.rbegin(); it != made.rend(); ++it)
        ::rmdir(it->c_str());  // only when empty; ENOTEMPTY means someone uses it now
}

void unlink_file(const std::string& host_path, const FileFaultHook& hook) {
    int err = injected(hook, FileStep::remove, host_path);
    if (err == 0 && ::unlink(host_path.c_str()) != 0)
        err = errno;
    if (err != 0)
        throw_errno("remove file", host_path, "can not remove the file", err);
}

FileMeta meta_of(const struct stat& st) {
    return {st.st_mode, st.st_uid, st.st_gid};
}

/// Keeps the previous file at @p backup_host: a hard link (same inode: content, mode and owner
/// kept for free), or a copy when the backup lives on another filesystem.
void make_backup(const std::string& host_path, const std::string& backup_host,
                 const std::string& previous, const struct stat& st, const FileFaultHook& hook) {
    if (int err = injected(hook, FileStep::backup, backup_host))
        throw_errno("write file", backup_host, "can not keep the backup", err);
    if (::link(host_path.c_str(), backup_host.c_str()) == 0) {
        try {
            fsync_directory(parent_of(backup_host), hook);
        } catch (...) {
            ::unlink(backup_host.c_str());
            throw;
        }
        return;
    }
    if (errno != EXDEV && errno != EPERM && errno != EMLINK)
        throw_errno("write file", backup_host, "can not keep the backup", errno);
    bool renamed = false;
    atomic_replace(backup_host, previous, meta_of(st), true, hook, renamed);
}

}  // namespace

const char* to_string(FileStep step) noexcept {
    switch (step) {
        case FileStep::create_directory:
            return "create_directory";
        case FileStep::create_temp:
            return "create_temp";
        case FileStep::write:
            return "write";
        case FileStep::set_owner:
            return "set_owner";
        case FileStep::fsync:
            return "fsync";
        case FileStep::backup:
            return "backup";
        case FileStep::rename:
            return "rename";
        case FileStep::fsync_directory:
            return "fsync_directory";
        case FileStep::remove:
            return "remove";
    }
    return "unknown";
}

std::string default_backup_path(std::string_view path) {
    return std::string(path) + ".lvmkit-backup";
}

TargetRoot::TargetRoot(std::string root) {
    if (root.empty() || root.front() != '/')
        throw Error(Errc::invalid_argument, "open target root", root,
                    "the target root must be an absolute path");
    // realpath() mallocs its result: own it with free() as the deleter.
    const std::unique_ptr<char, decltype(&::free)> real(::realpath(root.c_str(), nullptr), &::free);
    if (!real)
        throw_errno("open target root", root, "the target root does not exist", errno);
    root_ = real.get();
    struct stat st {};
    if (::stat(root_.c_str(), &st) != 0)
        throw_errno("open target root", root_, "can not stat the target root", errno);
    if (!S_ISDIR(st.st_mode))
        throw Error(Errc::not_found, "open target root", root_,
                    "is " + internal::file_kind(st.st_mode) + ", not a directory");
}

std::string TargetRoot::resolve(std::string_view path, bool follow_final) const {
    const std::string given(path);
    if (path.empty() || path.front() != '/')
        throw Error(Errc::invalid_argument, "resolve path", given,
                    "paths under a target root must be absolute");
    std::vector<std::string> resolved;
    std::deque<std::string> pending = split_components(path);
    int links = 0;
    bool missing = false;
    while (!pending.empty()) {
        std::string part = std::move(pending.front());
        pending.pop_front();
        if (part == ".")
            continue;
        if (part == "..") {
            if (resolved.empty())
                throw Error(Errc::invalid_argument, "resolve path", given,
                            "climbs above the target root " + root_ + " through '..'");
            resolved.pop_back();
            continue;
        }
        resolved.push_back(std::move(part));
        if (missing)
            continue;  // below a missing directory nothing can be a symlink
        const std::string host = join_under(root_, resolved);
        struct stat st {};
        if (::lstat(host.c_str(), &st) != 0) {
            if (errno != ENOENT)
                throw_errno("resolve path", given, "can not stat " + host, errno);
            missing = true;
            continue;
        }
        // A FIFO or a device where a directory belongs: name it rather than fail on ENOTDIR.
        if (!pending.empty() && !S_ISLNK(st.st_mode) && !S_ISDIR(st.st_mode))
            internal::refuse_file_kind(host, st.st_mode, "a directory", "resolve path");
        if (!S_ISLNK(st.st_mode) || (pending.empty() && !follow_final))
            continue;
        if (++links > kMaxSymlinks)
            throw Error(Errc::invalid_argument, "resolve path", given,
                        "has more than 40 symlinks (a loop?)");
        const std::string target = read_link(host);
        resolved.pop_back();
        if (!target.empty() && target.front() == '/')
            resolved.clear();  // absolute links point inside the root
        auto target_parts = split_components(target);
        pending.insert(pending.begin(), target_parts.begin(), target_parts.end());
    }
    return join_under(root_, resolved);
}

FileWriter::FileWriter(TargetRoot root, FileFaultHook fault_hook)
    : root_(std::move(root)), fault_hook_(std::move(fault_hook)) {}

std::optional<std::string> FileWriter::read(std::string_view path, bool follow_symlink) const {
    const std::string host = root_.resolve(path, follow_symlink);
    const Existing existing = inspect(host);
    if (!existing.exists)
        return std::nullopt;
    if (existing.is_symlink)
        throw Error(Errc::invalid_argument, "read file", host,
                    "is a symlink; lvmkit does not follow it unless asked");
    // Refused by its lstat, before any open: opening a FIFO waits for a writer.
    if (!S_ISREG(existing.st.st_mode))
        internal::refuse_file_kind(host, existing.st.st_mode, "a regular file", "read file");
    return read_host_file(host, follow_symlink);
}

WriteResult FileWriter::write(std::string_view path, std::string_view content,
                              const WriteOptions& options) const {
    WriteResult result;
    result.path = std::string(path);
    result.host_path = root_.resolve(path, options.follow_symlink);
    const Existing existing = inspect(result.host_path);
    if (existing.is_symlink)
        throw Error(Errc::invalid_argument, "write file", result.host_path,
                    "is a symlink; lvmkit does not write through it unless asked "
                    "(WriteOptions::follow_symlink)");
    if (existing.exists && !S_ISREG(existing.st.st_mode))
        internal::refuse_file_kind(result.host_path, existing.st.st_mode, "a regular file",
                                   "write file");
    if (existing.exists && options.create_only)
        throw Error(Errc::conflict, "write file", result.host_path,
                    "exists; lvmkit creates this file only where there is none and leaves this "
                    "one as it is");
    if (existing.exists) {
        result.previous_content = read_host_file(result.host_path, false);
        if (*result.previous_content == content)
            return result;  // already there: no write, no backup, mtime kept
    }
    result.created = !existing.exists;
    result.written_content = std::string(content);

    result.created_directories =
        make_parents(root_.path(), parent_of(result.host_path), fault_hook_);
    try {
        if (existing.exists && options.keep_backup) {
            const std::string backup =
                options.backup_path.empty() ? default_backup_path(path) : options.backup_path;
            result.backup_host_path = root_.resolve(backup);
            const Existing old_backup = inspect(result.backup_host_path);
            // An existing backup is kept as it is; one that is no file is no backup.
            if (old_backup.exists && !old_backup.is_symlink && !S_ISREG(old_backup.st.st_mode))
                internal::refuse_file_kind(result.backup_host_path, old_backup.st.st_mode,
                                           "a regular file", "write file");
            if (!old_backup.exists) {
                make_backup(result.host_path, result.backup_host_path, *result.previous_content,
                            existing.st, fault_hook_);
                result.backup_created = true;
            }
        }
        const FileMeta meta = existing.exists
                                  ? meta_of(existing.st)
                                  : FileMeta{static_cast<mode_t>(options.new_file_mode), 0, 0};
        bool renamed = false;
        try {
            atomic_replace(result.host_path, content, meta, existing.exists, fault_hook_, renamed,
                           options.create_only);
        } catch (const Error& failure) {
            if (!renamed)
                throw;
            undo_after_late_failure(result, failure);
        }
    } catch (const Error& failure) {
        if (failure.errc() == Errc::rollback_incomplete)
            throw;  // the backup is now the only copy of the old content: keep it
        if (result.backup_created)
            ::unlink(result.backup_host_path.c_str());
        remove_directories(result.created_directories);
        throw;
    }
    result.changed = true;
    log(LogCategory::config, LogLevel::info, "wrote " + result.host_path);
    return result;
}

void FileWriter::undo_after_late_failure(WriteResult result, const Error& failure) const {
    // The new content is in place but maybe not durable: put the old state back, then report
    // the original failure.
    result.changed = true;
    result.backup_created = false;  // the caller's cleanup removes it
    try {
        undo(result);
    } catch (const Error& undo_failure) {
        throw Error(
            Errc::rollback_incomplete, "write file", result.host_path,
            "writing failed after the rename and the previous content could not be put "
            "back" +
                (result.backup_host_path.empty() ? std::string()
                                                 : "; it is kept in " + result.backup_host_path),
            {failure.what(), undo_failure.what()}, failure.sys_errno());
    }
    throw failure;
}

void FileWriter::undo(const WriteResult& result) const {
    if (!result.changed)
        return;
    const Existing current = inspect(result.host_path);
    if (result.created && !current.exists) {
        remove_directories(result.created_directories);
        return;
    }
    if (!current.exists || current.is_symlink || !S_ISREG(current.st.st_mode) ||
        read_host_file(result.host_path, false) != result.written_content)
        throw Error(Errc::mismatch, "undo write", result.host_path,
                    "the file changed since lvmkit wrote it; leaving it as it is");
    if (result.created) {
        unlink_file(result.host_path, fault_hook_);
        fsync_directory(parent_of(result.host_path), fault_hook_);
        remove_directories(result.created_directories);
        return;
    }
    bool renamed = false;
    atomic_replace(result.host_path, result.previous_content.value_or(""), meta_of(current.st),
                   true, fault_hook_, renamed);
    if (result.backup_created)
        ::unlink(result.backup_host_path.c_str());
}

void FileWriter::restore_backup(std::string_view path, std::string_view backup_path) const {
    const std::string host = root_.resolve(path);
    const std::string backup_host =
        root_.resolve(backup_path.empty() ? default_backup_path(path) : std::string(backup_path));
    const Existing backup = inspect(backup_host);
    if (!backup.exists || backup.is_symlink)
        throw Error(Errc::not_found, "restore backup", backup_host,
                    "there is no backup to restore");
    if (!S_ISREG(backup.st.st_mode))
        internal::refuse_file_kind(backup_host, backup.st.st_mode, "a regular file",
                                   "restore backup");
    if (inspect(host).is_symlink)
        throw Error(Errc::invalid_argument, "restore backup", host,
                    "is a symlink; lvmkit does not replace it");
    if (int err = injected(fault_hook_, FileStep::rename, host))
        throw_errno("restore backup", host, "renaming the backup over the file failed", err);
    if (::rename(backup_host.c_str(), host.c_str()) != 0)
        throw_errno("restore backup", host, "renaming the backup over the file failed", errno);
    fsync_directory(parent_of(host), fault_hook_);
    if (parent_of(backup_host) != parent_of(host))
        fsync_directory(parent_of(backup_host), fault_hook_);
    log(LogCategory::config, LogLevel::info, "restored " + host + " from " + backup_host);
}

bool FileWriter::remove(std::string_view path) const {
    const std::string host = root_.resolve(path);
    const Existing existing = inspect(host);
    if (!existing.exists)
        return false;
    if (!S_ISREG(existing.st.st_mode))
        internal::refuse_file_kind(host, existing.st.st_mode, "a regular file", "remove file");
    unlink_file(host, fault_hook_);
    fsync_directory(parent_of(host), fault_hook_);
    return true;
}

}  // namespace lvmkit
