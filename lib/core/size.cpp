#include "lvmkit/size.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <limits>

#include <fmt/format.h>

#include "lvmkit/error.hpp"

namespace lvmkit {

namespace detail {

void throw_bytes_out_of_range(char op, std::uint64_t a, std::uint64_t b) {
    const std::string object = fmt::format("{} {} {} ({} {} {} bytes)", format_human(Bytes(a)), op,
                                           format_human(Bytes(b)), a, op, b);
    if (op == '-')
        throw Error(Errc::invalid_argument, "subtract sizes", object,
                    "the result would be negative; a size can not go below 0 bytes");
    throw Error(Errc::invalid_argument, "add sizes", object,
                "the result does not fit in 64 bits (16 EiB)");
}

}  // namespace detail

namespace {

constexpr const char* kParse = "parse size";

[[noreturn]] void refuse(std::string_view text, const std::string& why) {
    throw Error(Errc::invalid_argument, kParse, "'" + std::string(text) + "'", why);
}

struct Unit {
    std::string_view spelling;
    unsigned shift;  // power of two; sectors are 9
};

// Every spelling LVM accepts for sizes, plus the IEC forms; all binary.
constexpr std::array<Unit, 20> kUnits{{
    {"", 0},     {"b", 0},  {"B", 0},    {"s", 9},    {"S", 9},  {"k", 10},   {"K", 10},
    {"KiB", 10}, {"m", 20}, {"M", 20},   {"MiB", 20}, {"g", 30}, {"G", 30},   {"GiB", 30},
    {"t", 40},   {"T", 40}, {"TiB", 40}, {"p", 50},   {"P", 50}, {"PiB", 50},
}};

bool is_si_spelling(std::string_view unit) {
    return unit.size() == 2 && (unit[1] == 'B' || unit[1] == 'b') && unit[0] != 'i';
}

bool find_shift(std::string_view unit, unsigned& shift) {
    for (const auto& u : kUnits) {
        if (u.spelling == unit) {
            shift = u.shift;
            return true;
        }
    }
    if (unit == "e" || unit == "E" || unit == "EiB") {
        shift = 60;
        return true;
    }
    return false;
}

std::uint64_t parse_digits(std::string_view text, std::string_view digits) {
    std::uint64_t value = 0;
    for (char c : digits) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            refuse(text, "the number is too large");
        value = value * 10 + digit;
    }
    return value;
}

std::size_t count_digits(std::string_view text) {
    std::size_t n = 0;
    while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n])) != 0)
        ++n;
    return n;
}

Percent parse_percent(std::string_view text, std::string_view number, std::string_view of) {
    if (number.empty() || count_digits(number) != number.size())
        refuse(text, "a percentage needs a whole number before '%', e.g. 95%VG");
    if (number.size() > 3)
        refuse(text, "a percentage must be between 1 and 100");
    const auto value = parse_digits(text, number);
    if (value < 1 || value > 100)
        refuse(text, "a percentage must be between 1 and 100");
    Percent percent{static_cast<unsigned>(value), PercentOf::VG};
    if (of == "VG") {
        percent.of = PercentOf::VG;
    } else if (of == "FREE") {
        percent.of = PercentOf::FREE;
    } else if (of == "PVS") {
        percent.of = PercentOf::PVS;
    } else {
        refuse(text, "a percentage must be of VG, FREE or PVS (e.g. 95%VG), not '" +
                         std::string(of) + "'");
    }
    return percent;
}

}  // namespace

Bytes parse_bytes(std::string_view text) {
    if (text.empty())
        refuse(text, "the size is empty");
    const std::size_t n = count_digits(text);
    if (n == 0)
        refuse(text, "a size must start with a whole number, e.g. 512K");
    const std::string_view unit = text.substr(n);
    if (!unit.empty() && (unit[0] == '.' || unit[0] == ','))
        refuse(text, "fractions are not accepted; use a smaller unit (e.g. 1536M, not 1.5G)");
    unsigned shift = 0;
    if (!find_shift(unit, shift)) {
        if (is_si_spelling(unit)) {
            const char letter =
                static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
            refuse(text, fmt::format("'{}' is ambiguous; write {} or {}iB (powers of 1024)", unit,
                                     letter, letter));
        }
        refuse(text, "unknown unit '" + std::string(unit) + "' (use b, s, K, M, G, T, P or E)");
    }
    const std::uint64_t value = parse_digits(text, text.substr(0, n));
    if (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift))
        refuse(text, "the size is too large");
    return Bytes(value << shift);
}

SizeSpec parse_size_spec(std::string_view text) {
    const auto percent_sign = text.find('%');
    if (percent_sign != std::string_view::npos)
        return parse_percent(text, text.substr(0, percent_sign), text.substr(percent_sign + 1));
    if (!text.empty() && count_digits(text) == text.size())
        refuse(text, "add a unit (e.g. " + std::string(text) + "G) or a percentage (e.g. 95%VG)");
    return parse_bytes(text);
}

std::string to_lvm_string(Bytes bytes) {
    static constexpr std::array<std::pair<unsigned, char>, 6> kLvmUnits{
        {{60, 'e'}, {50, 'p'}, {40, 't'}, {30, 'g'}, {20, 'm'}, {10, 'k'}}};
    const std::uint64_t n = bytes.count();
    if (n != 0) {
        for (const auto& [shift, letter] : kLvmUnits) {
            const std::uint64_t unit = std::uint64_t{1} << shift;
            if (n % unit == 0)
                return std::to_string(n / unit) + letter;
        }
        if (n % Sectors::size == 0)
            return std::to_string(n / Sectors::size) + 's';
    }
    return std::to_string(n) + 'b';
}

const char* to_string(PercentOf of) noexcept {
    switch (of) {
        case PercentOf::VG:
            return "VG";
        case PercentOf::FREE:
            return "FREE";
        case PercentOf::PVS:
            return "PVS";
    }
    return "?";
}

std::string to_string(const SizeSpec& spec) {
    if (const auto* bytes = std::get_if<Bytes>(&spec))
        return to_lvm_string(*bytes);
    if (const auto* extents = std::get_if<Extents>(&spec))
        return std::to_string(extents->count) + " extents";
    const auto& percent = std::get<Percent>(spec);
    return std::to_string(percent.value) + "%" + to_string(percent.of);
}

std::string format_human(Bytes bytes) {
    static constexpr std::array<const char*, 7> kNames{"B",   "KiB", "MiB", "GiB",
                                                       "TiB", "PiB", "EiB"};
    const std::uint64_t n = bytes.count();
    std::size_t unit = 0;
    while (unit + 1 < kNames.size() && n >= (std::uint64_t{1} << (10 * (unit + 1))))
        ++unit;
    if (unit == 0)
        return std::to_string(n) + " B";
    const std::uint64_t whole = std::uint64_t{1} << (10 * unit);
    if (n % whole == 0)
        return std::to_string(n / whole) + " " + kNames[unit];
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f %s",
                  static_cast<double>(n) / static_cast<double>(whole), kNames[unit]);
    return buffer;
}

}  // namespace lvmkit
