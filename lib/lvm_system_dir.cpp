#include "internal/lvm_system_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <libdevmapper.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "internal/libdm_lock.hpp"
#include "internal/lvm_command.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit::lvm::internal {
namespace {

// The directories LVM places under its system directory by default (lvm2 2.03
// config_settings.h: backup_dir, archive_dir, cache_dir, profile_dir; the devices file
// directory is always <system_dir>/devices).
constexpr const char* kLinkedDirectories[] = {"backup", "archive", "cache", "profile", "devices"};
// LVM creates these two when it first writes a backup; they must exist in the real directory,
// or LVM would create them inside the private one and the backups would vanish with it.
constexpr const char* kDirectoriesLvmCreates[] = {"backup", "archive"};

void note(const std::string& why) {
    lvmkit::log(LogCategory::lvm, LogLevel::debug,
                "lvmkit's LVM settings go on every command line (--config): " + why);
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string read_text(const std::string& path, bool& failed) {
    failed = false;
    if (!exists(path))
        return {};
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    failed = !in.good() && !in.eof();
    return text.str();
}

bool has_tag_configs(const std::string& real_dir) {
    DIR* dir = ::opendir(real_dir.c_str());
    if (dir == nullptr)
        return false;
    bool found = false;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.size() > 9 && name.compare(0, 4, "lvm_") == 0 &&
            name.compare(name.size() - 5, 5, ".conf") == 0)
            found = true;
    }
    ::closedir(dir);
    return found;
}

// True when @p text (an lvmlocal.conf) sets any key of @p settings: the file would then hold
// the key twice, and libdevmapper warns about that instead of simply taking lvmkit's value.
bool sets_any_key(const std::string& text, const std::vector<std::string>& keys) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        return false;
    const std::lock_guard<std::recursive_mutex> lock(lvmkit::internal::libdm_mutex());
    dm_config_tree* tree = dm_config_from_string(text.c_str());
    if (tree == nullptr)
        return true;  // LVM would fail on it anyway; --config keeps LVM's own error
    bool found = false;
    for (const auto& key : keys)
        found = found || dm_config_tree_find_node(tree, key.c_str()) != nullptr;
    dm_config_destroy(tree);
    return found;
}

bool write_text(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    return ::close(fd) == 0 && written;
}

void remove_tree(const std::string& path) {
    if (DIR* dir = ::opendir(path.c_str())) {
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name == "." || name == "..")
                continue;
            // Only files and symlinks are lvmkit's; never follow a link into the real directory.
            if (::unlink((path + "/" + name).c_str()) != 0)
                lvmkit::log(LogCategory::lvm, LogLevel::debug,
                            "left in " + path + ": " + name + " (" + std::strerror(errno) + ")");
        }
        ::closedir(dir);
    }
    ::rmdir(path.c_str());
}

std::string temp_base() {
    const char* base = std::getenv("TMPDIR");
    return base != nullptr && *base != '\0' ? base : "/tmp";
}

}  // namespace

std::vector<std::string> keys_of(const ConfigOverride& config) {
    std::vector<std::string> keys;
    for (const auto& entry : config.entries())
        keys.push_back(entry.first);
    return keys;
}

std::string real_system_dir() {
    const char* env = std::getenv("LVM_SYSTEM_DIR");
    return env != nullptr ? env : "/etc/lvm";
}

std::unique_ptr<PrivateSystemDir> PrivateSystemDir::create(const std::string& real_dir,
                                                           const ConfigOverride& config) {
    const std::string settings = render_config(config);
    const std::vector<std::string> keys = keys_of(config);
    if (real_dir.empty()) {
        note("LVM_SYSTEM_DIR is empty");
        return nullptr;
    }
    if (has_tag_configs(real_dir)) {
        note(real_dir + " has host tag files (lvm_*.conf)");
        return nullptr;
    }
    bool unreadable = false;
    const std::string local = read_text(real_dir + "/lvmlocal.conf", unreadable);
    if (unreadable || sets_any_key(local, keys)) {
        note(real_dir + "/lvmlocal.conf sets a key lvmkit sets, or can not be read");
        return nullptr;
    }
    for (const char* name : kDirectoriesLvmCreates)
        if (::mkdir((real_dir + "/" + name).c_str(), 0700) != 0 && errno != EEXIST) {
            note("can not create " + real_dir + "/" + name + ": " + std::strerror(errno));
            return nullptr;
        }
    std::string path = temp_base() + "/lvmkit-lvm-XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) {
        note("can not create " + path + ": " + std::strerror(errno));
        return nullptr;
    }
    std::unique_ptr<PrivateSystemDir> dir(new PrivateSystemDir(path, real_dir, settings, keys));
    bool made = ::symlink((real_dir + "/lvm.conf").c_str(), (path + "/lvm.conf").c_str()) == 0;
    for (const char* name : kLinkedDirectories)
        made = made && ::symlink((real_dir + "/" + name).c_str(), (path + "/" + name).c_str()) == 0;
    const std::string text =
        local + "\n# lvmkit's settings for this process's LVM commands\n" + settings + "\n";
    made = made && write_text(path + "/lvmlocal.conf", text);
    if (!made) {
        note("can not fill " + path + ": " + std::strerror(errno));
        return nullptr;  // the destructor removes what was made
    }
    return dir;
}

PrivateSystemDir::PrivateSystemDir(std::string path, std::string real_dir, std::string settings,
                                   std::vector<std::string> keys)
    : path_(std::move(path)),
      real_dir_(std::move(real_dir)),
      settings_(std::move(settings)),
      keys_(std::move(keys)) {}

PrivateSystemDir::~PrivateSystemDir() {
    remove_tree(path_);
}

std::string PrivateSystemDir::to_real(const std::string& path) const {
    if (path == path_ || path.compare(0, path_.size() + 1, path_ + "/") == 0)
        return real_dir_ + path.substr(path_.size());
    return path;
}

std::string PrivateSystemDir::to_real_in(std::string text) const {
    std::size_t at = text.find(path_);
    while (at != std::string::npos) {
        const std::size_t end = at + path_.size();
        // Only the whole directory name, not a longer name that starts with it.
        const bool whole = end == text.size() || std::strchr("/ :\"'.,;)", text[end]) != nullptr;
        if (whole)
            text.replace(at, path_.size(), real_dir_);
        at = text.find(path_, at + (whole ? real_dir_.size() : path_.size()));
    }
    return text;
}

}  // namespace lvmkit::lvm::internal
