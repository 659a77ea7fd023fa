#include "lvmkit/size.hpp"

#include "catch_compat.hpp"

#include <limits>

#include "lvmkit/error.hpp"
#include "unit/error_matchers.hpp"

using namespace lvmkit;

TEST_CASE("parse_bytes reads LVM's binary units", "[size]") {
    CHECK(parse_bytes("0") == Bytes(0));
    CHECK(parse_bytes("512") == Bytes(512));
    CHECK(parse_bytes("512b") == Bytes(512));
    CHECK(parse_bytes("3s") == Bytes(1536));
    CHECK(parse_bytes("512K") == Bytes::KiB(512));
    CHECK(parse_bytes("512k") == Bytes::KiB(512));
    CHECK(parse_bytes("512KiB") == Bytes::KiB(512));
    CHECK(parse_bytes("4M") == Bytes::MiB(4));
    CHECK(parse_bytes("1G") == Bytes::GiB(1));
    CHECK(parse_bytes("2T") == Bytes::TiB(2));
    CHECK(parse_bytes("1E") == Bytes(1ull << 60));
}

TEST_CASE("parse_bytes refuses with a reason", "[size]") {
    auto reason = [](const char* text) {
        try {
            parse_bytes(text);
        } catch (const Error& e) {
            CHECK(e.errc() == Errc::invalid_argument);
            return e.message();
        }
        return std::string("accepted");
    };
    CHECK(reason("") == "the size is empty");
    CHECK(reason("K") == "a size must start with a whole number, e.g. 512K");
    CHECK(reason("1.5G").find("fractions") != std::string::npos);
    CHECK(reason("512KB").find("ambiguous") != std::string::npos);
    CHECK(reason("5x").find("unknown unit 'x'") != std::string::npos);
    CHECK(reason("-5M").find("whole number") != std::string::npos);
    CHECK(reason("99999999999999999999").find("too large") != std::string::npos);
    CHECK(reason("16E").find("too large") != std::string::npos);
}

TEST_CASE("parse_size_spec reads percentages and sizes", "[size]") {
    CHECK(parse_size_spec("95%VG") == SizeSpec(Percent{95, PercentOf::VG}));
    CHECK(parse_size_spec("40%FREE") == SizeSpec(Percent{40, PercentOf::FREE}));
    CHECK(parse_size_spec("100%PVS") == SizeSpec(Percent{100, PercentOf::PVS}));
    CHECK(parse_size_spec("1G") == SizeSpec(Bytes::GiB(1)));
    for (const char* bad :
         {"0%VG", "101%VG", "95%", "95%vg", "%VG", "9.5%VG", "95+6%VG", "100", "1000%VG"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_size_spec(bad), Error);
    }
}

TEST_CASE("size specs render and parse back", "[size]") {
    for (const char* text : {"95%VG", "1%VG", "40%FREE", "100%PVS", "512k", "4g", "3s", "1000b"}) {
        INFO(text);
        CHECK(to_string(parse_size_spec(text)) == text);
    }
    CHECK(to_string(SizeSpec(Extents{12})) == "12 extents");
    CHECK(to_lvm_string(Bytes::MiB(1536)) == "1536m");
    CHECK(to_lvm_string(Bytes(0)) == "0b");
}

TEST_CASE("format_human is short and exact where it can be", "[size]") {
    CHECK(format_human(Bytes(0)) == "0 B");
    CHECK(format_human(Bytes(1023)) == "1023 B");
    CHECK(format_human(Bytes::KiB(512)) == "512 KiB");
    CHECK(format_human(Bytes::MiB(1536)) == "1.50 GiB");
    CHECK(format_human(Bytes::GiB(4)) == "4 GiB");
}

TEST_CASE("Sectors convert to and from bytes", "[size]") {
    CHECK(Sectors(8).bytes() == Bytes::KiB(4));
    CHECK(Sectors::floor(Bytes(1023)) == Sectors(1));
}

TEST_CASE("Bytes arithmetic is checked: no negative size, no wrap-around", "[size]") {
    CHECK(Bytes::MiB(5) - Bytes::MiB(1) == Bytes::MiB(4));
    CHECK(Bytes::MiB(1) - Bytes::MiB(1) == Bytes(0));
    CHECK(Bytes::MiB(1) + Bytes::MiB(3) == Bytes::MiB(4));
    static_assert(Bytes::MiB(5) - Bytes::MiB(1) == Bytes::MiB(4), "usable in constant expressions");

    // Before: 1 MiB - 4 MiB was 18446744073706405888 bytes (16 EiB), silently.
    CHECK_THROWS_MATCHES(Bytes::MiB(1) - Bytes::MiB(4), Error,
                         has_code_and_text(Errc::invalid_argument, "1 MiB - 4 MiB"));
    CHECK_THROWS_MATCHES(Bytes(0) - Bytes(1), Error,
                         has_code_and_text(Errc::invalid_argument, "would be negative"));
    CHECK_THROWS_MATCHES(Bytes(std::numeric_limits<std::uint64_t>::max()) + Bytes(1), Error,
                         has_code_and_text(Errc::invalid_argument, "does not fit in 64 bits"));
    CHECK(Bytes(std::numeric_limits<std::uint64_t>::max() - 1) + Bytes(1) ==
          Bytes(std::numeric_limits<std::uint64_t>::max()));
}
