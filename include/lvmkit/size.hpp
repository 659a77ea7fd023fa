/// @file size.hpp
/// @brief Sizes: bytes, 512-byte sectors, and LVM-style size specs such as `512K` or `95%VG`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace lvmkit {

/// A byte count. Explicit construction keeps bytes, sectors and extents from mixing silently.
class Bytes {
  public:
    constexpr Bytes() noexcept = default;
    constexpr explicit Bytes(std::uint64_t count) noexcept : count_(count) {}

    constexpr std::uint64_t count() const noexcept { return count_; }

    static constexpr Bytes KiB(std::uint64_t n) noexcept { return Bytes(n << 10); }
    static constexpr Bytes MiB(std::uint64_t n) noexcept { return Bytes(n << 20); }
    static constexpr Bytes GiB(std::uint64_t n) noexcept { return Bytes(n << 30); }
    static constexpr Bytes TiB(std::uint64_t n) noexcept { return Bytes(n << 40); }

    friend constexpr bool operator==(Bytes a, Bytes b) noexcept { return a.count_ == b.count_; }
    friend constexpr bool operator!=(Bytes a, Bytes b) noexcept { return a.count_ != b.count_; }
    friend constexpr bool operator<(Bytes a, Bytes b) noexcept { return a.count_ < b.count_; }
    friend constexpr bool operator<=(Bytes a, Bytes b) noexcept { return a.count_ <= b.count_; }
    friend constexpr bool operator>(Bytes a, Bytes b) noexcept { return a.count_ > b.count_; }
    friend constexpr bool operator>=(Bytes a, Bytes b) noexcept { return a.count_ >= b.count_; }
    friend constexpr Bytes operator+(Bytes a, Bytes b) noexcept {
        return Bytes(a.count_ + b.count_);
    }
    friend constexpr Bytes operator-(Bytes a, Bytes b) noexcept {
        return Bytes(a.count_ - b.count_);
    }

  private:
    std::uint64_t count_ = 0;
};

/// A count of 512-byte sectors, the unit of device-mapper tables and the kernel's block layer.
class Sectors {
  public:
    static constexpr std::uint64_t size = 512;

    constexpr Sectors() noexcept = default;
    constexpr explicit Sectors(std::uint64_t count) noexcept : count_(count) {}

    constexpr std::uint64_t count() const noexcept { return count_; }
    constexpr Bytes bytes() const noexcept { return Bytes(count_ * size); }
    /// Whole sectors in @p bytes (rounded down).
    static constexpr Sectors floor(Bytes bytes) noexcept { return Sectors(bytes.count() / size); }

    friend constexpr bool operator==(Sectors a, Sectors b) noexcept { return a.count_ == b.count_; }
    friend constexpr bool operator!=(Sectors a, Sectors b) noexcept { return a.count_ != b.count_; }
    friend constexpr bool operator<(Sectors a, Sectors b) noexcept { return a.count_ < b.count_; }

  private:
    std::uint64_t count_ = 0;
};

/// A number of LVM physical extents.
struct Extents {
    std::uint64_t count = 0;
    friend constexpr bool operator==(Extents a, Extents b) noexcept { return a.count == b.count; }
    friend constexpr bool operator!=(Extents a, Extents b) noexcept { return a.count != b.count; }
};

/// What a percentage size is a percentage of (LVM's `-l N%VG|%FREE|%PVS`).
enum class PercentOf { VG, FREE, PVS };

/// A size given as a percentage, 1..100.
struct Percent {
    unsigned value = 0;
    PercentOf of = PercentOf::VG;
    friend constexpr bool operator==(Percent a, Percent b) noexcept {
        return a.value == b.value && a.of == b.of;
    }
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
