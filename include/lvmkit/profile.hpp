/// @file profile.hpp
/// @brief LVM metadata profiles for thin pools: typed values, rendered in LVM's config syntax and
/// parsed back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lvmkit {

/// What the pool does with discards (LVM's `allocation/thin_pool_discards`).
enum class ThinPoolDiscards {
    ignore,      ///< Discards are ignored.
    nopassdown,  ///< The pool frees its blocks but does not pass discards to the data device.
    passdown     ///< The pool frees its blocks and passes discards down (LVM's default).
};

/// How LVM picks a chunk size when none is given (`allocation/thin_pool_chunk_size_policy`).
enum class ChunkSizePolicy {
    generic,     ///< LVM's default: from the device's minimum_io_size, at least 64 KiB.
    performance  ///< From the device's optimal_io_size, at least 512 KiB.
};

/// LVM's spelling: "ignore", "nopassdown" or "passdown".
const char* to_string(ThinPoolDiscards discards) noexcept;
/// LVM's spelling: "generic" or "performance".
const char* to_string(ChunkSizePolicy policy) noexcept;

/// An LVM metadata profile with the thin-pool settings lvmkit manages.
///
/// Attached to a pool (`lvchange --metadataprofile <name>`), it makes dmeventd grow the pool by
/// `autoextend_percent` whenever its data or metadata usage crosses `autoextend_threshold`.
/// **A threshold of 100 turns autoextend off** (LVM's own default), whatever the percent says.
struct LvmProfile {
    /// File name without `.profile`: LVM's name rules (`[A-Za-z0-9+_.-]`, not starting with `-`).
    std::string name = "docker-thinpool";
    /// `activation/thin_pool_autoextend_threshold`, 50..100; 100 means autoextend off.
    unsigned autoextend_threshold = 80;
    /// `activation/thin_pool_autoextend_percent`, 0..1000: how much to grow by, in percent of the
    /// current size.
    unsigned autoextend_percent = 20;
    /// `allocation/thin_pool_zero`: zero newly provisioned blocks (unset: LVM's default).
    std::optional<bool> zero;
    /// `allocation/thin_pool_discards` (unset: LVM's default).
    std::optional<ThinPoolDiscards> discards;
    /// `allocation/thin_pool_chunk_size_policy` (unset: LVM's default).
    std::optional<ChunkSizePolicy> chunk_size_policy;

    /// True when dmeventd will extend the pool (threshold below 100 and percent above 0).
    bool autoextend_enabled() const noexcept {
        return autoextend_threshold < 100 && autoextend_percent > 0;
    }

    /// Every field equal (name included).
    friend bool operator==(const LvmProfile& a, const LvmProfile& b) {
        return a.name == b.name && a.autoextend_threshold == b.autoextend_threshold &&
               a.autoextend_percent == b.autoextend_percent && a.zero == b.zero &&
               a.discards == b.discards && a.chunk_size_policy == b.chunk_size_policy;
    }
    /// Some field differs.
    friend bool operator!=(const LvmProfile& a, const LvmProfile& b) { return !(a == b); }
};

/// Checks every field against LVM's limits.
/// @throws Error(Errc::invalid_argument) naming the field, its value and the allowed range.
void validate(const LvmProfile& profile);

/// The profile file's text in LVM's config syntax (`activation { ... }`, `allocation { ... }`),
/// with a header comment saying lvmkit wrote it. Parses back with parse_profile().
/// @throws Error(Errc::invalid_argument) when validate() does.
std::string render_profile(const LvmProfile& profile);

/// Reads a profile file: sections `activation` and `allocation` with `key = value` settings,
/// `#` comments, blank lines. Settings lvmkit does not manage are refused (rewriting the file
/// would drop them), so are unknown sections and repeated settings.
/// @param name the profile's name (the file name without `.profile`)
/// @param text the file's content
/// @throws Error(Errc::parse_error) naming the line and what is wrong there;
///         Error(Errc::invalid_argument) when a value is out of range.
LvmProfile parse_profile(std::string_view name, std::string_view text);

/// `<name>.profile`.
/// @throws Error(Errc::invalid_argument) for a name LVM would not accept.
std::string profile_file_name(std::string_view name);

/// `<profile_dir>/<name>.profile`. Take @p profile_dir from the LVM layer (it asks LVM for
/// `config/profile_dir`, `/etc/lvm/profile` unless lvm.conf says otherwise); lvmkit's config
/// layer does not guess it.
/// @throws Error(Errc::invalid_argument) for a relative directory or a bad name.
std::string profile_path(std::string_view profile_dir, std::string_view name);

/// One line for a plan, e.g. "profile docker-thinpool: autoextend by 20% when 80% full" or
/// "... autoextend off (threshold 100)".
std::string describe(const LvmProfile& profile);

}  // namespace lvmkit
