#include "lvmkit/profile.hpp"

#include <string>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "unit/error_matchers.hpp"

using lvmkit::ChunkSizePolicy;
using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::LvmProfile;
using lvmkit::ThinPoolDiscards;

TEST_CASE("The default profile renders like the manual procedure's file", "[config][profile]") {
    const LvmProfile profile;
    CHECK(lvmkit::render_profile(profile) ==
          "# LVM metadata profile written by lvmkit.\n"
          "# Attach with: lvchange --metadataprofile docker-thinpool <vg>/<pool>\n"
          "# thin_pool_autoextend_threshold=100 turns autoextend off.\n"
          "activation {\n"
          "\tthin_pool_autoextend_threshold=80\n"
          "\tthin_pool_autoextend_percent=20\n"
          "}\n");
    CHECK(lvmkit::describe(profile) ==
          "LVM profile docker-thinpool: autoextend by 20% when 80% full");
}

TEST_CASE("Profiles round-trip through render and parse", "[config][profile]") {
    LvmProfile profile;
    profile.name = GENERATE(as<std::string>{}, "docker-thinpool", "a.b+c_d");
    profile.autoextend_threshold = GENERATE(50u, 80u, 99u, 100u);
    profile.autoextend_percent = GENERATE(0u, 20u, 1000u);
    profile.zero =
        GENERATE(std::optional<bool>{}, std::optional<bool>{false}, std::optional<bool>{true});
    profile.discards = GENERATE(std::optional<ThinPoolDiscards>{},
                                std::optional<ThinPoolDiscards>{ThinPoolDiscards::ignore},
                                std::optional<ThinPoolDiscards>{ThinPoolDiscards::nopassdown},
                                std::optional<ThinPoolDiscards>{ThinPoolDiscards::passdown});
    profile.chunk_size_policy =
        GENERATE(std::optional<ChunkSizePolicy>{},
                 std::optional<ChunkSizePolicy>{ChunkSizePolicy::performance});
    const std::string text = lvmkit::render_profile(profile);
    CAPTURE(text);
    CHECK(lvmkit::parse_profile(profile.name, text) == profile);
    CHECK((text.find("allocation {") != std::string::npos) ==
          (profile.zero || profile.discards || profile.chunk_size_policy));
}

TEST_CASE("Threshold 100 means autoextend off, and the plan text says so", "[config][profile]") {
    LvmProfile profile;
    profile.autoextend_threshold = 100;
    CHECK_FALSE(profile.autoextend_enabled());
    CHECK(lvmkit::describe(profile).find("autoextend off (thin_pool_autoextend_threshold=100)") !=
          std::string::npos);
    profile.autoextend_threshold = 80;
    profile.autoextend_percent = 0;
    CHECK_FALSE(profile.autoextend_enabled());
    CHECK(lvmkit::describe(profile).find("autoextend off") != std::string::npos);
    profile.autoextend_percent = 20;
    profile.zero = false;
    profile.discards = ThinPoolDiscards::nopassdown;
    CHECK(profile.autoextend_enabled());
    CHECK(lvmkit::describe(profile) ==
          "LVM profile docker-thinpool: autoextend by 20% when 80% full, zeroing off, discards "
          "nopassdown");
}

TEST_CASE("Out-of-range values and bad names are refused", "[config][profile]") {
    LvmProfile profile;
    profile.autoextend_threshold = 49;
    CHECK_THROWS_MATCHES(
        lvmkit::render_profile(profile), Error,
        has_code_and_text(Errc::invalid_argument,
                          "thin_pool_autoextend_threshold is 49; LVM takes 50..100"));
    profile.autoextend_threshold = 101;
    CHECK_THROWS_MATCHES(lvmkit::validate(profile), Error,
                         has_code_and_text(Errc::invalid_argument, "is 101"));
    profile.autoextend_threshold = 80;
    profile.autoextend_percent = 1001;
    CHECK_THROWS_MATCHES(lvmkit::validate(profile), Error,
                         has_code_and_text(Errc::invalid_argument, "thin_pool_autoextend_percent"));
    profile.autoextend_percent = 20;
    for (const char* bad : {"", "-x", "..", "a/b", "a b", "x;rm"}) {
        INFO(bad);
        profile.name = bad;
        CHECK_THROWS_MATCHES(lvmkit::validate(profile), Error,
                             has_code_and_text(Errc::invalid_argument, "not a valid profile name"));
    }
    CHECK_THROWS_AS(lvmkit::render_profile(profile), Error);
}

TEST_CASE("parse_profile reads hand-written files", "[config][profile]") {
    SECTION("the manual procedure's file") {
        const auto profile = lvmkit::parse_profile(
            "docker-thinpool",
            "activation "
            "{\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n");
        CHECK(profile.autoextend_threshold == 80);
        CHECK(profile.autoextend_percent == 20);
        CHECK_FALSE(profile.zero);
    }
    SECTION("comments, spacing, one line, sections in any order") {
        const auto profile = lvmkit::parse_profile(
            "p",
            "# c\nallocation{thin_pool_discards = \"ignore\" thin_pool_zero = 0}  # x\n"
            "activation { thin_pool_autoextend_percent = 50 }\n");
        CHECK(profile.autoextend_threshold == 100);  // LVM's default when absent
        CHECK(profile.autoextend_percent == 50);
        CHECK(profile.zero == std::optional<bool>(false));
        CHECK(profile.discards == std::optional<ThinPoolDiscards>(ThinPoolDiscards::ignore));
    }
    SECTION("an empty file is LVM's defaults") {
        const auto profile = lvmkit::parse_profile("p", "");
        CHECK(profile.autoextend_threshold == 100);
        CHECK_FALSE(profile.autoextend_enabled());
    }
}

TEST_CASE("parse_profile names the line of every problem", "[config][profile]") {
    struct Case {
        const char* text;
        const char* expected;
    };
    const Case cases[] = {
        {"activation "
         "{\n\tthin_pool_autoextend_threshold=80\n\tthin_pool_autoextend_threshold=90\n}",
         "line 3: setting activation/thin_pool_autoextend_threshold appears twice"},
        {"activation {\n\tthin_pool_autoextend_threshold=eighty\n}",
         "line 2: thin_pool_autoextend_threshold wants a whole number, not 'eighty'"},
        {"activation {\n\tthin_pool_autoextend_threshold=-5\n}", "line 2: "},
        {"activation {\n\tthin_pool_autoextend_threshold=80\n", "section 'activation' not closed"},
        {"activation {\n\tmonitoring=1\n}",
         "line 2: setting activation/monitoring is not one lvmkit manages"},
        {"global {\n}\n", "line 1: unknown section 'global'"},
        {"activation\n\tthin_pool_autoextend_threshold=80\n", "line 2: expected '{'"},
        {"allocation {\n\tthin_pool_discards=\"sometimes\"\n}",
         "line 2: thin_pool_discards is \"sometimes\""},
        {"allocation {\n\tthin_pool_discards=\"passdown\n}", "line 2: string not closed"},
        {"allocation {\n\tthin_pool_zero=2\n}", "line 2: thin_pool_zero must be 0 or 1"},
        {"allocation {\n\tthin_pool_zero\n}", "line 3: expected '=' after 'thin_pool_zero'"},
        {"{", "line 1: expected a section name"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK_THROWS_MATCHES(lvmkit::parse_profile("p", c.text), Error,
                             has_code_and_text(Errc::parse_error, c.expected));
    }
    CHECK_THROWS_MATCHES(
        lvmkit::parse_profile("p", "activation {\n\tthin_pool_autoextend_threshold=30\n}"), Error,
        has_code_and_text(Errc::invalid_argument, "is 30"));
}

TEST_CASE("Profile file names and paths", "[config][profile]") {
    CHECK(lvmkit::profile_file_name("docker-thinpool") == "docker-thinpool.profile");
    CHECK(lvmkit::profile_path("/etc/lvm/profile", "docker-thinpool") ==
          "/etc/lvm/profile/docker-thinpool.profile");
    CHECK(lvmkit::profile_path("/srv/lvm/profiles/", "p") == "/srv/lvm/profiles/p.profile");
    CHECK_THROWS_MATCHES(lvmkit::profile_path("etc/lvm/profile", "p"), Error,
                         has_code_and_text(Errc::invalid_argument, "config/profile_dir"));
    CHECK_THROWS_AS(lvmkit::profile_path("/etc/lvm/profile", "../../etc/passwd"), Error);
}
