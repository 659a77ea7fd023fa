// The dm layer's pure parts: name rules, target tables, status lines, errno mapping, udev policy.
#include <unistd.h>

#include <cerrno>
#include <string>
#include "catch_compat.hpp"

#include "dm/dm_call.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"

namespace dm = lvmkit::dm;
using lvmkit::Bytes;
using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::Sectors;

namespace {

template <typename Fn>
Error error_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected an lvmkit::Error");
    throw std::logic_error("unreachable");
}

const dm::ThinPoolUsage& usage(const dm::ThinPoolStatus& status) {
    const auto* u = std::get_if<dm::ThinPoolUsage>(&status);
    REQUIRE(u != nullptr);
    return *u;
}

}  // namespace

TEST_CASE("dm names: accepted", "[dm]") {
    CHECK_NOTHROW(dm::validate_name("docker-thinpool"));
    CHECK_NOTHROW(dm::validate_name("my--vg-pool_tdata"));
    CHECK_NOTHROW(dm::validate_name("a#b+c.d:e=f@g_h"));
    CHECK_NOTHROW(dm::validate_name(std::string(127, 'n')));
    CHECK_NOTHROW(dm::validate_uuid("LVM-abcdefABCDEF0123456789"));
    CHECK_NOTHROW(dm::validate_uuid(std::string(128, 'u')));
}

TEST_CASE("dm names: each rule is named in the error", "[dm]") {
    struct Case {
        std::string name;
        std::string rule;
    };
    const Case cases[] = {
        {"", "can not be empty"},
        {std::string(128, 'n'), "at most 127 characters, this has 128"},
        {".", "'.' and '..' are not names"},
        {"..", "'.' and '..' are not names"},
        {"control", "/dev/mapper/control"},
        {"a b", "the space character is not allowed"},
        {"a/b", "the '/' character is not allowed"},
        {"a;rm", "the ';' character is not allowed"},
        {"tab\tname", "byte 9"},
        {"caf\xc3\xa9", "byte 195"},
    };
    for (const auto& c : cases) {
        INFO("name: " << c.name);
        const auto e = error_of([&] { dm::validate_name(c.name); });
        CHECK(e.errc() == Errc::invalid_argument);
        CHECK_THAT(e.message(), Catch::Contains(c.rule));
    }
    const auto long_uuid = error_of([&] { dm::validate_uuid(std::string(129, 'u')); });
    CHECK(long_uuid.errc() == Errc::invalid_argument);
    CHECK_THAT(long_uuid.message(), Catch::Contains("at most 128"));
    CHECK(error_of([] { dm::validate_uuid(""); }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::validate_uuid("LVM uuid"); }).errc() == Errc::invalid_argument);
}

TEST_CASE("dm names are checked before any ioctl", "[dm]") {
    // On a host without device-mapper, reaching libdevmapper would give dm_failed or not_found.
    const dm::Table table{{Sectors(0), Sectors(8), dm::ZeroTarget{}}};
    CHECK(error_of([&] { dm::create("bad name", table); }).errc() == Errc::invalid_argument);
    CHECK(error_of([&] {
              dm::create("ok", table, {"bad uuid", false});
          }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::info("a/b"); }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::remove(""); }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::rename("ok", "not ok"); }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::ThinPool("x y"); }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::message("ok", ""); }).errc() == Errc::invalid_argument);
    CHECK(error_of([] { dm::message("ok", "a\nb"); }).errc() == Errc::invalid_argument);
}

TEST_CASE("dm targets: render and parse back", "[dm]") {
    const dm::Target targets[] = {
        dm::LinearTarget{"/dev/loop0", Sectors(2048)},
        dm::LinearTarget{"7:3", Sectors(0)},
        dm::ErrorTarget{},
        dm::ZeroTarget{},
        dm::ThinPoolTarget{"253:0", "253:1", Sectors(1024), 10, {}},
        dm::ThinPoolTarget{"/dev/a", "/dev/b", Sectors(128), 0, {true, true, true, true, true}},
        dm::ThinPoolTarget{
            "253:0", "253:1", Sectors(2097152), 7, {false, false, true, false, true}},
        dm::ThinTarget{"253:2", 0, std::nullopt},
        dm::ThinTarget{"/dev/mapper/pool", dm::kMaxThinDeviceId, std::string("7:1")},
        dm::OtherTarget{"striped", "2 128 7:0 0 7:1 0"},
    };
    for (const auto& target : targets) {
        const std::string type = dm::target_type(target);
        const std::string params = dm::render_params(target);
        INFO(type << " " << params);
        CHECK(dm::parse_target(type, params) == target);
    }
}

TEST_CASE("dm targets: kernel-printed params parse and render identically", "[dm]") {
    const std::pair<const char*, const char*> lines[] = {
        {"linear", "7:0 0"},
        {"linear", "8:16 384"},
        {"thin-pool", "253:0 253:1 128 0 0"},
        {"thin-pool", "253:0 253:1 1024 0 1 skip_block_zeroing"},
        {"thin-pool", "253:0 253:1 128 0 2 skip_block_zeroing error_if_no_space"},
        {"thin-pool",
         "253:0 253:1 128 16 5 skip_block_zeroing ignore_discard no_discard_passdown "
         "read_only error_if_no_space"},
        {"thin", "253:2 1"},
        {"thin", "253:2 16777215 7:4"},
        {"error", ""},
        {"zero", ""},
    };
    for (const auto& [type, params] : lines) {
        INFO(type << " " << params);
        CHECK(dm::render_params(dm::parse_target(type, params)) == params);
    }
}

TEST_CASE("dm targets: thin-pool feature details", "[dm]") {
    const auto pool = std::get<dm::ThinPoolTarget>(
        dm::parse_target("thin-pool", "253:0 253:1 256 8 2 read_only ignore_discard"));
    CHECK(pool.metadata_device == "253:0");
    CHECK(pool.data_device == "253:1");
    CHECK(pool.data_block_size == Sectors(256));
    CHECK(pool.low_water_mark == 8);
    CHECK(pool.features.read_only);
    CHECK(pool.features.ignore_discard);
    CHECK_FALSE(pool.features.skip_block_zeroing);
    // Without a feature count (the kernel accepts it): no features.
    const auto bare =
        std::get<dm::ThinPoolTarget>(dm::parse_target("thin-pool", "253:0 253:1 128 0"));
    CHECK(bare.features == dm::ThinPoolFeatures{});
}

TEST_CASE("dm targets: malformed params are parse errors with the text", "[dm]") {
    const std::pair<const char*, const char*> bad[] = {
        {"linear", "7:0"},
        {"linear", "7:0 x"},
        {"linear", "7:0 -1"},
        {"linear", "7:0 0 extra"},
        {"error", "something"},
        {"zero", "1"},
        {"thin-pool", "253:0 253:1 128"},
        {"thin-pool", "253:0 253:1 128 0 2 skip_block_zeroing"},
        {"thin-pool", "253:0 253:1 128 0 1 make_it_fast"},
        {"thin-pool", "253:0 253:1 12k 0 0"},
        {"thin", "253:2"},
        {"thin", "253:2 16777216"},
        {"thin", "253:2 1 7:1 more"},
        {"", "x"},
    };
    for (const auto& [type, params] : bad) {
        INFO(type << " " << params);
        const auto e = error_of([&] { dm::parse_target(type, params); });
        CHECK(e.errc() == Errc::parse_error);
        CHECK_THAT(e.message(), Catch::Contains(std::string("'") + params + "'"));
    }
}

TEST_CASE("dm targets: values the kernel would refuse are not rendered", "[dm]") {
    const dm::Target bad[] = {
        dm::LinearTarget{"", Sectors(0)},
        dm::LinearTarget{"/dev/a b", Sectors(0)},
        dm::ThinPoolTarget{"253:0", "253:1", Sectors(100), 0, {}},
        dm::ThinPoolTarget{"253:0", "253:1", Sectors(64), 0, {}},
        dm::ThinPoolTarget{"253:0", "253:1", Sectors(2097152 + 128), 0, {}},
        dm::ThinPoolTarget{"", "253:1", Sectors(128), 0, {}},
        dm::ThinTarget{"253:2", dm::kMaxThinDeviceId + 1, std::nullopt},
        dm::OtherTarget{"two words", ""},
        dm::OtherTarget{"", ""},
        dm::OtherTarget{"striped", "a\nb"},
    };
    for (const auto& target : bad) {
        INFO(dm::target_type(target));
        CHECK(error_of([&] { dm::render_params(target); }).errc() == Errc::invalid_argument);
    }
    const auto e = error_of([] {
        dm::render_params(dm::ThinPoolTarget{"a", "b", Sectors(100), 0, {}});
    });
    CHECK_THAT(e.message(), Catch::Contains("multiple of 128 sectors"));
}

TEST_CASE("dm tables: multi-line render and parse", "[dm]") {
    const dm::Table table{
        {Sectors(0), Sectors(2048), dm::LinearTarget{"7:0", Sectors(0)}},
        {Sectors(2048), Sectors(2048), dm::LinearTarget{"7:1", Sectors(512)}},
        {Sectors(4096), Sectors(8), dm::ErrorTarget{}},
    };
    const std::string text = dm::render_table(table);
    CHECK(text == "0 2048 linear 7:0 0\n2048 2048 linear 7:1 512\n4096 8 error\n");
    CHECK(dm::parse_table(text) == table);
    CHECK(dm::parse_table("\n0 2048 linear 7:0 0\n\n") == dm::Table{table[0]});
    CHECK(dm::parse_table("0 8 thin-pool 253:0 253:1 128 0 0") ==
          dm::Table{
              {Sectors(0), Sectors(8), dm::ThinPoolTarget{"253:0", "253:1", Sectors(128), 0, {}}}});
    CHECK(dm::parse_table("").empty());

    CHECK(error_of([] {
              dm::render_table({{Sectors(0), Sectors(0), dm::ZeroTarget{}}});
          }).errc() == Errc::invalid_argument);
    for (const char* bad : {"0 2048", "x 2048 linear 7:0 0", "0 y zero", "0 8 linear 7:0"}) {
        INFO(bad);
        const auto e = error_of([&] { dm::parse_table(bad); });
        CHECK(e.errc() == Errc::parse_error);
    }
}

// Status lines as kernels print them (dm-thin.c pool_status, STATUSTYPE_INFO).
TEST_CASE("dm thin-pool status: real lines from kernels 3.10 to 6.x", "[dm]") {
    SECTION("3.10 upstream: mode and discards, no no-space policy") {
        const auto u = usage(dm::parse_thin_pool_status("0 141/4096 0/1280 - rw discard_passdown"));
        CHECK(u.transaction_id == 0);
        CHECK(u.used_metadata_blocks == 141);
        CHECK(u.total_metadata_blocks == 4096);
        CHECK(u.used_data_blocks == 0);
        CHECK(u.total_data_blocks == 1280);
        CHECK_FALSE(u.held_metadata_root);
        CHECK(u.mode == dm::PoolMode::read_write);
        CHECK(u.discards == dm::DiscardMode::passdown);
        CHECK(u.no_space_policy == dm::NoSpacePolicy::queue);
        CHECK_FALSE(u.needs_check);
        CHECK_FALSE(u.metadata_low_water_mark);
    }
    SECTION("3.14..4.2: no-space policy") {
        const auto u = usage(dm::parse_thin_pool_status(
            "7 200/4096 640/1280 - ro no_discard_passdown error_if_no_space"));
        CHECK(u.transaction_id == 7);
        CHECK(u.mode == dm::PoolMode::read_only);
        CHECK(u.discards == dm::DiscardMode::no_passdown);
        CHECK(u.no_space_policy == dm::NoSpacePolicy::error);
        CHECK(u.data_percent() == Approx(50.0));
    }
    SECTION("4.3..4.18: needs_check field") {
        const auto u = usage(dm::parse_thin_pool_status(
            "3 300/4096 10/1280 - ro ignore_discard queue_if_no_space needs_check "));
        CHECK(u.needs_check);
        CHECK(u.discards == dm::DiscardMode::ignore);
        CHECK_FALSE(u.metadata_low_water_mark);
        const auto ok = usage(dm::parse_thin_pool_status(
            "3 300/4096 10/1280 - rw discard_passdown queue_if_no_space - "));
        CHECK_FALSE(ok.needs_check);
    }
    SECTION("4.19+ and 6.1: metadata low water mark, trailing space") {
        // Printed by 6.1 (Debian 6.1.0) in the [system] test: 8 MiB metadata, 16 MiB data.
        const auto u = usage(dm::parse_thin_pool_status(
            "0 213/2048 0/256 - rw discard_passdown error_if_no_space - 512 "));
        CHECK(u.used_metadata_blocks == 213);
        CHECK(u.total_metadata_blocks == 2048);
        CHECK(u.total_data_blocks == 256);
        CHECK(u.no_space_policy == dm::NoSpacePolicy::error);
        REQUIRE(u.metadata_low_water_mark);
        CHECK(*u.metadata_low_water_mark == 512);
        CHECK(u.used_metadata_bytes() == Bytes(213 * 4096));
        CHECK(u.total_metadata_bytes() == Bytes(8 << 20));
    }
    SECTION("out of data space") {
        const auto u = usage(dm::parse_thin_pool_status(
            "5 200/4096 1280/1280 - out_of_data_space discard_passdown error_if_no_space - 1024 "));
        CHECK(u.mode == dm::PoolMode::out_of_data_space);
        CHECK(u.data_percent() == Approx(100.0));
    }
    SECTION("held metadata root") {
        const auto u = usage(dm::parse_thin_pool_status(
            "3 300/4096 10/1280 2049 rw no_discard_passdown queue_if_no_space - 1024"));
        REQUIRE(u.held_metadata_root);
        CHECK(*u.held_metadata_root == 2049);
    }
    SECTION("large pools: 64-bit counters") {
        const auto u = usage(dm::parse_thin_pool_status(
            "18446744073709551615 1/4161600 4000000000/8000000000 - rw discard_passdown "
            "queue_if_no_space - 4096"));
        CHECK(u.transaction_id == 18446744073709551615ull);
        CHECK(u.total_data_blocks == 8000000000ull);
    }
}

TEST_CASE("dm thin-pool status: Fail and Error", "[dm]") {
    CHECK(std::holds_alternative<dm::ThinPoolFailed>(dm::parse_thin_pool_status("Fail")));
    CHECK(std::holds_alternative<dm::ThinPoolStatusError>(dm::parse_thin_pool_status("Error")));
    CHECK(std::holds_alternative<dm::ThinPoolFailed>(dm::parse_thin_pool_status("Fail ")));
}

TEST_CASE("dm thin-pool status: truncated and garbage lines are parse errors", "[dm]") {
    const char* bad[] = {
        "",
        "   ",
        "0",
        "0 141/4096",
        "0 141/4096 0/1280",
        "0 141/4096 0/1280 -",
        "0 141/4096 0/1280 - rw",
        "0 141/4096 0/1280 - rw discard_pass",
        "hello world foo bar baz qux",
        "fail",
        "Failed",
        "Fail Error",
        "0 141-4096 0/1280 - rw discard_passdown",
        "-1 141/4096 0/1280 - rw discard_passdown",
        "0 5000/4096 0/1280 - rw discard_passdown",
        "0 141/0 0/1280 - rw discard_passdown",
        "0 141/4096 0/1280 x rw discard_passdown",
        "0 141/4096 0/1280 - rw discard_passdown queue",
        "0 141/4096 0/1280 - rw discard_passdown queue_if_no_space maybe 1024",
        "0 141/4096 0/1280 - rw discard_passdown queue_if_no_space - 1k",
        "0 141/4096 0/1280 - rw discard_passdown queue_if_no_space - 1024 extra",
        "99999999999999999999 141/4096 0/1280 - rw discard_passdown",
        "0 141/4096 0/1280 - RW discard_passdown",
        "0 /4096 0/1280 - rw discard_passdown",
    };
    for (const char* line : bad) {
        INFO("line: '" << line << "'");
        const auto e = error_of([&] { dm::parse_thin_pool_status(line); });
        CHECK(e.errc() == Errc::parse_error);
        CHECK_THAT(e.message(), Catch::Contains(std::string("'") + line + "'"));
    }
}

TEST_CASE("dm thin-pool usage: bytes need the data block size", "[dm]") {
    auto u = usage(dm::parse_thin_pool_status("0 10/100 64/256 - rw discard_passdown"));
    CHECK(u.data_percent() == Approx(25.0));
    CHECK(u.metadata_percent() == Approx(10.0));
    CHECK(error_of([&] { (void)u.used_data_bytes(); }).errc() == Errc::invalid_argument);
    u.data_block_size = Sectors(1024);  // 512 KiB
    CHECK(u.used_data_bytes() == Bytes(64ull * 512 * 1024));
    CHECK(u.total_data_bytes() == Bytes(256ull * 512 * 1024));
}

TEST_CASE("dm thin status", "[dm]") {
    const auto empty = std::get<dm::ThinUsage>(dm::parse_thin_status("0 -"));
    CHECK(empty.mapped == Sectors(0));
    CHECK_FALSE(empty.highest_mapped);
    const auto used = std::get<dm::ThinUsage>(dm::parse_thin_status("8192 8191"));
    CHECK(used.mapped == Sectors(8192));
    CHECK(used.highest_mapped == Sectors(8191));
    CHECK(std::holds_alternative<dm::ThinFailed>(dm::parse_thin_status("Fail")));
    for (const char* bad : {"", "0", "x -", "0 - 1", "Error"}) {
        INFO(bad);
        CHECK(error_of([&] { dm::parse_thin_status(bad); }).errc() == Errc::parse_error);
    }
}

TEST_CASE("dm errno mapping", "[dm]") {
    using dm::internal::errc_for;
    using dm::internal::Op;
    CHECK(errc_for(Op::read, ENXIO) == Errc::not_found);
    CHECK(errc_for(Op::create, ENODEV) == Errc::not_found);
    CHECK(errc_for(Op::remove, EBUSY) == Errc::busy);
    CHECK(errc_for(Op::create, EBUSY) == Errc::device_in_use);
    CHECK(errc_for(Op::reload, EBUSY) == Errc::device_in_use);
    CHECK(errc_for(Op::rename, EEXIST) == Errc::already_exists);
    CHECK(errc_for(Op::create, EACCES) == Errc::permission_denied);
    CHECK(errc_for(Op::message, EINVAL) == Errc::dm_failed);
    CHECK(errc_for(Op::message, ENODATA) == Errc::not_found);
    CHECK(errc_for(Op::message, 0) == Errc::dm_failed);
}

TEST_CASE("dm udev policy", "[dm]") {
    using dm::internal::udev_sync_policy;
    CHECK(udev_sync_policy(nullptr, true));
    CHECK_FALSE(udev_sync_policy(nullptr, false));
    CHECK_FALSE(udev_sync_policy("1", true));
    CHECK_FALSE(udev_sync_policy("", true));  // libdevmapper treats "set" as set
    CHECK_FALSE(udev_sync_policy("0", true));
}

TEST_CASE("dm enum names", "[dm]") {
    CHECK(std::string(dm::to_string(dm::PoolMode::out_of_data_space)) == "out_of_data_space");
    CHECK(std::string(dm::to_string(dm::DiscardMode::no_passdown)) == "no_discard_passdown");
    CHECK(std::string(dm::to_string(dm::NoSpacePolicy::error)) == "error_if_no_space");
    CHECK((dm::DeviceNumber{253, 4}).str() == "253:4");
}

TEST_CASE("dm without a device-mapper driver: unsupported, with libdevmapper's words", "[dm]") {
    if (::access("/sys/class/misc/device-mapper", F_OK) == 0)
        return;  // this host has device-mapper: the [system] tests cover it
    const auto e = error_of([] { dm::info("lvmkit-unit-nothing"); });
    CHECK(e.errc() == Errc::unsupported);
    CHECK_THAT(e.message(), Catch::Contains("no device-mapper driver"));
    CHECK_FALSE(e.details().empty());
}
