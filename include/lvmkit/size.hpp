/// @file size.hpp
/// @brief Sizes: bytes, 512-byte sectors, and LVM-style size specs such as `512K` or `95%VG`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace lvmkit {

/// Implementation details of the public headers; not part of the API.
namespace detail {
/// Throws Error(Errc::invalid_argument) for `a op b` on Bytes whose result is out of range.
[[noreturn]] void throw_bytes_out_of_range(char op, std::uint64_t a, std::uint64_t b);
}  // namespace detail

/// A byte count. Explicit construction keeps bytes, sectors and extents from mixing silently.
class Bytes {
  public:
    /// Zero bytes.
    constexpr Bytes() noexcept = default;
    /// @p count bytes.
    constexpr explicit Bytes(std::uint64_t count) noexcept : count_(count) {}

    /// The number of bytes.
    constexpr std::uint64_t count() const noexcept { return count_; }

    /// @p n KiB (n * 2^10 bytes). Not checked for overflow.
    static constexpr Bytes KiB(std::uint64_t n) noexcept { return Bytes(n << 10); }
    /// @p n MiB (n * 2^20 bytes). Not checked for overflow.
    static constexpr Bytes MiB(std::uint64_t n) noexcept { return Bytes(n << 20); }
    /// @p n GiB (n * 2^30 bytes). Not checked for overflow.
    static constexpr Bytes GiB(std::uint64_t n) noexcept { return Bytes(n << 30); }
    /// @p n TiB (n * 2^40 bytes). Not checked for overflow.
    static constexpr Bytes TiB(std::uint64_t n) noexcept { return Bytes(n << 40); }

    /// Equal byte counts.
    friend constexpr bool operator==(Bytes a, Bytes b) noexcept { return a.count_ == b.count_; }
    /// Different byte counts.
    friend constexpr bool operator!=(Bytes a, Bytes b) noexcept { return a.count_ != b.count_; }
    /// @p a is fewer bytes than @p b.
    friend constexpr bool operator<(Bytes a, Bytes b) noexcept { return a.count_ < b.count_; }
    /// @p a is at most @p b bytes.
    friend constexpr bool operator<=(Bytes a, Bytes b) noexcept { return a.count_ <= b.count_; }
    /// @p a is more bytes than @p b.
    friend constexpr bool operator>(Bytes a, Bytes b) noexcept { return a.count_ > b.count_; }
    /// @p a is at least @p b bytes.
    friend constexpr bool operator>=(Bytes a, Bytes b) noexcept { return a.count_ >= b.count_; }
    /// The sum.
    /// @throws Error(Errc::invalid_argument) when it does not fit in 64 bits (16 EiB), naming
    ///         both operands; a size never wraps around.
    friend constexpr Bytes operator+(Bytes a, Bytes b) {
        if (a.count_ > ~std::uint64_t{0} - b.count_)
            detail::throw_bytes_out_of_range('+', a.count_, b.count_);
        return Bytes(a.count_ + b.count_);
    }
    /// The difference.
    /// @throws Error(Errc::invalid_argument) when @p b is greater than @p a, naming both
    ///         operands: a size is never negative and never wraps around to a huge count.
    ///         Compare first when a shortfall is an expected outcome (`a >= b ? a - b : ...`).
    friend constexpr Bytes operator-(Bytes a, Bytes b) {
        if (b.count_ > a.count_)
            detail::throw_bytes_out_of_range('-', a.count_, b.count_);
        return Bytes(a.count_ - b.count_);
    }

  private:
    std::uint64_t count_ = 0;
};

/// A count of 512-byte sectors, the unit of device-mapper tables and the kernel's block layer.
class Sectors {
  public:
    static constexpr std::uint64_t size = 512;  ///< Bytes in a sector.

    /// Zero sectors.
    constexpr Sectors() noexcept = default;
    /// @p count sectors.
    constexpr explicit Sectors(std::uint64_t count) noexcept : count_(count) {}

    /// The number of sectors.
    constexpr std::uint64_t count() const noexcept { return count_; }
    /// The size in bytes (count * 512; not checked for overflow).
    constexpr Bytes bytes() const noexcept { return Bytes(count_ * size); }
    /// Whole sectors in @p bytes (rounded down).
    static constexpr Sectors floor(Bytes bytes) noexcept { return Sectors(bytes.count() / size); }

    /// Equal sector counts.
    friend constexpr bool operator==(Sectors a, Sectors b) noexcept { return a.count_ == b.count_; }
    /// Different sector counts.
    friend constexpr bool operator!=(Sectors a, Sectors b) noexcept { return a.count_ != b.count_; }
    /// @p a is fewer sectors than @p b.
    friend constexpr bool operator<(Sectors a, Sectors b) noexcept { return a.count_ < b.count_; }

  private:
    std::uint64_t count_ = 0;
};

/// A number of LVM physical extents.
struct Extents {
    std::uint64_t count = 0;  ///< The number of extents.
    /// Equal extent counts.
    friend constexpr bool operator==(Extents a, Extents b) noexcept { return a.count == b.count; }
    /// Different extent counts.
    friend constexpr bool operator!=(Extents a, Extents b) noexcept { return a.count != b.count; }
};

/// What a percentage size is a percentage of (LVM's `-l N%VG|%FREE|%PVS`).
enum class PercentOf {
    VG,    ///< Of the VG's total size (`%VG`).
    FREE,  ///< Of the VG's free space (`%FREE`).
    /// Of the free space on the PVs given to the command (`%PVS`); setup gives lvcreate the
    /// spec's devices and plans with their free extents.
    PVS
};

/// A size given as a percentage, 1..100.
struct Percent {
    unsigned value = 0;            ///< The percentage, 1..100 (parse_size_spec enforces it).
    PercentOf of = PercentOf::VG;  ///< What it is a percentage of.
    /// Same value of the same base.
    friend constexpr bool operator==(Percent a, Percent b) noexcept {
        return a.value == b.value && a.of == b.of;
    }
    /// Different value or base.
    friend constexpr bool operator!=(Percent a, Percent b) noexcept { return !(a == b); }
};

/// A size as a user gives it to LVM: bytes, extents or a percentage.
using SizeSpec = std::variant<Bytes, Extents, Percent>;

/// Parses a byte size: an integer with an optional binary unit, LVM style:
/// none/`b`/`B` bytes, `s`/`S` 512-byte sectors, `k`/`K`/`KiB`, `m`/`M`/`MiB`, `g`/`G`/`GiB`,
/// `t`/`T`/`TiB`, `p`/`P`/`PiB`, `e`/`E`/`EiB` (all powers of 1024, as LVM reads them).
/// @throws Error(Errc::invalid_argument) naming the problem (empty, no digits, unknown unit,
///         fraction, overflow); SI spellings such as `KB` are refused as ambiguous.
Bytes parse_bytes(std::string_view text);

/// Parses `N%VG`, `N%FREE`, `N%PVS` (N in 1..100) or a byte size that carries a unit (`512M`).
/// A bare number is refused: LVM reads it as MiB for `-L` and as extents for `-l`.
/// @throws Error(Errc::invalid_argument)
SizeSpec parse_size_spec(std::string_view text);

/// Exact, LVM-readable text: the largest binary unit that divides the size (`512k`, `4g`),
/// else sectors (`3s`), else bytes (`1000b`).
std::string to_lvm_string(Bytes bytes);

/// Renders a spec: `95%VG` and `512k` parse back with parse_size_spec; extents, which only come
/// from the API, render as `100 extents`.
std::string to_string(const SizeSpec& spec);

/// Short human text with two significant decimals at most: `512 KiB`, `3.82 GiB`, `0 B`.
std::string format_human(Bytes bytes);

/// `VG`, `FREE`, `PVS`.
const char* to_string(PercentOf of) noexcept;

}  // namespace lvmkit
