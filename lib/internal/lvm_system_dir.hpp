// A private LVM system directory that carries lvmkit's settings for the life of one liblvm2cmd
// handle. lvm2 2.03 answers every command given `--config` with two refresh_toolcontext() calls
// (lvm.conf parsed again, filters, formats, segment types and the device cache rebuilt, before
// the command and again after it); settings LVM finds in its own files cost nothing per command.
//
// The directory holds: `lvm.conf`, a symlink to the real one (so LVM still notices edits);
// `lvmlocal.conf`, the real one's text followed by lvmkit's settings (LVM merges it over lvm.conf);
// and symlinks to the real `backup`, `archive`, `cache`, `profile` and `devices` directories,
// whose default paths LVM derives from its system directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lvmkit/lvm.hpp"

namespace lvmkit::lvm::internal {

/// The system directory LVM would use: $LVM_SYSTEM_DIR when set, else /etc/lvm. Empty when
/// LVM_SYSTEM_DIR is set to "" (LVM then reads no configuration file at all).
std::string real_system_dir();

/// The keys of @p config (`section/key`), in order.
std::vector<std::string> keys_of(const ConfigOverride& config);

class PrivateSystemDir {
  public:
    /// Builds the directory under $TMPDIR (or /tmp) for @p config, written as one `--config`
    /// word would be (`a/b=1 c/d="x"`). Returns null, with the reason logged, where the settings
    /// can not be layered exactly as `--config` would: no system directory, host tag files
    /// (`lvm_*.conf` are merged after lvmlocal.conf and could override lvmkit's settings), a real
    /// lvmlocal.conf that sets one of the same keys, or a directory that can not be created.
    static std::unique_ptr<PrivateSystemDir> create(const std::string& real_dir,
                                                    const ConfigOverride& config);
    ~PrivateSystemDir();
    PrivateSystemDir(const PrivateSystemDir&) = delete;
    PrivateSystemDir& operator=(const PrivateSystemDir&) = delete;

    const std::string& path() const noexcept { return path_; }
    /// The settings as one `--config` word would carry them.
    const std::string& settings() const noexcept { return settings_; }
    const std::vector<std::string>& keys() const noexcept { return keys_; }
    /// @p path with this directory's prefix replaced by the real directory's (LVM reports
    /// derived paths, e.g. config/profile_dir, under its system directory).
    std::string to_real(const std::string& path) const;
    /// @p text with every mention of this directory replaced by the real directory.
    std::string to_real_in(std::string text) const;

  private:
    PrivateSystemDir(std::string path, std::string real_dir, std::string settings,
                     std::vector<std::string> keys);
    std::string path_;
    std::string real_dir_;
    std::string settings_;
    std::vector<std::string> keys_;
};

}  // namespace lvmkit::lvm::internal
