#include "lvmkit/names.hpp"

#include <string>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"

using namespace lvmkit;

namespace {
template <typename Name>
std::string refusal(const std::string& text) {
    try {
        Name name(text);
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::invalid_argument);
        return e.message();
    }
    return "accepted";
}
}  // namespace

TEST_CASE("VG and LV names follow lvm2's rules", "[names]") {
    CHECK(VgName("docker").str() == "docker");
    CHECK(VgName("a+b_c.d-e").str() == "a+b_c.d-e");
    CHECK(LvName("thinpool").str() == "thinpool");
    CHECK(VgName(std::string(127, 'v')).str().size() == 127);

    CHECK(refusal<VgName>("") == "a name can not be empty");
    CHECK(refusal<VgName>(".") == "'.' and '..' are not names");
    CHECK(refusal<VgName>("..") == "'.' and '..' are not names");
    CHECK(refusal<VgName>("-vg") == "a name can not start with '-'");
    CHECK(refusal<VgName>("docker --yes").find("space character is not allowed") !=
          std::string::npos);
    CHECK(refusal<VgName>("a;b").find("';' character") != std::string::npos);
    CHECK(refusal<VgName>("a'b").find("''' character") != std::string::npos);
    CHECK(refusal<VgName>("a/b").find("'/' character") != std::string::npos);
    CHECK(refusal<VgName>(std::string(128, 'v')).find("at most 127") != std::string::npos);
}

TEST_CASE("LV names avoid LVM's reserved prefixes and suffixes", "[names]") {
    CHECK(refusal<LvName>("snapshot1").find("'snapshot'") != std::string::npos);
    CHECK(refusal<LvName>("pvmove0").find("'pvmove'") != std::string::npos);
    for (const char* reserved :
         {"pool_tdata", "pool_tmeta", "lvol0_pmspare", "x_rimage_1", "c_cdata", "v_vdo"}) {
        INFO(reserved);
        CHECK(refusal<LvName>(reserved).find("reserves") != std::string::npos);
    }
    // VG names have no such reservation.
    CHECK(VgName("snapshot").str() == "snapshot");
}

TEST_CASE("dm names double the dashes inside VG and LV names", "[names]") {
    CHECK(dm_name(VgName("docker"), LvName("thinpool")) == "docker-thinpool");
    CHECK(dm_name(VgName("my-vg"), LvName("thin-pool")) == "my--vg-thin--pool");
    CHECK(dm_path(VgName("docker"), LvName("thinpool")) == "/dev/mapper/docker-thinpool");
}
