/// @file names.hpp
/// @brief Validated LVM names: once built, a VgName or LvName is safe on any LVM command line.
#pragma once

#include <string>
#include <string_view>

namespace lvmkit {

/// Names longer than this are refused (lvm2's NAME_LEN is 128, including the terminating NUL).
inline constexpr std::size_t kMaxLvmNameLength = 127;

/// A volume group name that follows lvm2's rules: 1..127 characters from `[A-Za-z0-9+_.-]`,
/// not starting with `-`, not `.` or `..`. A string such as `docker --yes` or `a;b` can not be a
/// VgName, so no unvalidated text reaches a command line.
class VgName {
  public:
    /// @throws Error(Errc::invalid_argument) naming the rule the text breaks.
    explicit VgName(std::string_view text);

    /// The validated name.
    const std::string& str() const noexcept { return name_; }

    /// Same name (exact, case-sensitive).
    friend bool operator==(const VgName& a, const VgName& b) { return a.name_ == b.name_; }
    /// Different names.
    friend bool operator!=(const VgName& a, const VgName& b) { return a.name_ != b.name_; }

  private:
    std::string name_;
};

/// A logical volume name: the VG rules, plus lvm2's reservations: not starting with `snapshot`
/// or `pvmove`, and not containing a reserved component suffix (`_tdata`, `_tmeta`, `_pmspare`,
/// `_cdata`, `_rimage`, ...), which LVM keeps for the hidden sub-LVs it creates.
class LvName {
  public:
    /// @throws Error(Errc::invalid_argument) naming the rule the text breaks.
    explicit LvName(std::string_view text);

    /// The validated name.
    const std::string& str() const noexcept { return name_; }

    /// Same name (exact, case-sensitive).
    friend bool operator==(const LvName& a, const LvName& b) { return a.name_ == b.name_; }
    /// Different names.
    friend bool operator!=(const LvName& a, const LvName& b) { return a.name_ != b.name_; }

  private:
    std::string name_;
};

/// The device-mapper name LVM gives `vg/lv`: each `-` inside either name doubled, joined by `-`
/// (`docker`/`thinpool` -> `docker-thinpool`, `my-vg`/`pool` -> `my--vg-pool`).
std::string dm_name(const VgName& vg, const LvName& lv);

/// `/dev/mapper/<dm_name>`, the path Docker's `dm.thinpooldev` wants.
std::string dm_path(const VgName& vg, const LvName& lv);

}  // namespace lvmkit
