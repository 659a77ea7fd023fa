// The lvol0 leftover of a power cut inside LVM's pool creation, both states built directly:
// (A) the cut fell before the pool's commit: LVM's spare is an ordinary LV `lvol0` beside the
//     unconverted data and metadata LVs (what tests/powerloss finds at convert_to_pool writes 5-8);
// (B) the pool committed, its spare is still `lvol0`.
// First the harm: resumed without lvmkit's recognition the VG keeps an extra LV, which teardown
// then refuses to remove. Then lvmkit: the resumed setup ends equal to an uninterrupted one, and
// teardown leaves the disk blank.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;
constexpr const char* kVg = "spare";

setup::ThinPoolSpec spec_for(const std::string& device, const ScratchDir& root) {
    setup::ThinPoolSpec spec;
    spec.devices = {device};
    spec.vg = VgName(kVg);
    spec.target_root = root.path();
    spec.consumer = setup::Consumer::none;
    return spec;
}

CommandResult lvm_cli(const std::string& args) {
    return run_command({"/bin/sh", "-c", "lvm " + args + " 2>&1"});
}

// Every LV (hidden ones too) with its attributes, size, type and extents, and the VG's free space.
std::string end_state() {
    return lvm_cli(std::string("lvs -a --noheadings --units b --nosuffix -o "
                               "lv_name,lv_attr,lv_size,segtype,seg_pe_ranges ") +
                   kVg)
               .output +
           lvm_cli(std::string("vgs --noheadings --units b --nosuffix -o vg_free,lv_count ") + kVg)
               .output;
}

// The pool's metadata LV in extents: the size LVM gives its spare.
std::string metadata_extents() {
    const auto out =
        lvm_cli(std::string("lvs -a --noheadings -o lv_name,seg_size_pe ") + kVg).output;
    const std::size_t at = out.find("[thinpool_tmeta]");
    REQUIRE(at != std::string::npos);
    const std::size_t digits = out.find_first_of("0123456789", at + 16);
    return out.substr(digits, out.find_first_not_of("0123456789", digits) - digits);
}

// State A: setup cut right before convert_to_pool, then LVM's first commit of the conversion
// (the spare made as lvol0).
void cut_before_pool_commit(const setup::ThinPoolSpec& spec, const std::string& spare_extents) {
    const int status = apply_killed_before(spec, setup::StepKind::convert_to_pool);
    REQUIRE(WIFSIGNALED(status));
    const auto made = lvm_cli("lvcreate -q -an -Zn -n lvol0 -l " + spare_extents + " " + kVg);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
}

// State B: the pool committed, its spare still lvol0 at the spare's place.
void spare_left_as_lvol0(const setup::ThinPoolSpec& spec, const std::string& spare_extents) {
    setup::apply(spec);
    REQUIRE(lvm_cli(std::string("lvremove -y ") + kVg + "/lvol0_pmspare").exit_code == 0);
    const auto made = lvm_cli("lvcreate -q -an -Zn -n lvol0 -l " + spare_extents + " " + kVg);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
}

bool has_lv(const std::string& name) {
    return lvm_cli(std::string("lvs ") + kVg + "/" + name).exit_code == 0;
}

}  // namespace

TEST_CASE("spare leftover: both lvol0 states end equal to an uninterrupted setup",
          "[system][spare]") {
    LoopDevice disk(kDisk, "spare-leftover");
    ScratchDir root;
    const auto spec = spec_for(disk.path(), root);
    setup::apply(spec);
    const std::string reference = end_state();
    const std::string spare = metadata_extents();
    INFO("reference:\n" << reference);
    REQUIRE(reference.find("lvol0_pmspare") != std::string::npos);
    setup::teardown(spec);
    REQUIRE(device_is_blank(disk.path()));

    SECTION("harm: LVM resumed alone makes a second spare; the VG keeps lvol0") {
        cut_before_pool_commit(spec, spare);
        const auto converted = lvm_cli(std::string("lvconvert -y -q --zero n -c 512K --thinpool ") +
                                       kVg + "/thinpool --poolmetadata " + kVg + "/thinpoolmeta");
        INFO(converted.output);
        REQUIRE(converted.exit_code == 0);
        CHECK(has_lv("lvol0"));
        CHECK(end_state() != reference);
        lvm_cli(std::string("vgremove -f ") + kVg);
        lvm_cli("pvremove " + disk.path());
    }
    SECTION("(A) cut before the pool's commit: lvol0 removed, the conversion redone") {
        cut_before_pool_commit(spec, spare);
        const auto plan = setup::plan(spec);
        bool noted = false;
        for (const auto& decision : plan.decisions)
            noted = noted || decision.find("remove lvol0") != std::string::npos;
        CHECK(noted);
        setup::apply(spec);
        CHECK_FALSE(has_lv("lvol0"));
        CHECK(end_state() == reference);
        CHECK(setup::plan(spec).nothing_to_do());
        setup::teardown(spec);
        CHECK(device_is_blank(disk.path()));
    }
    SECTION("(A) teardown without resuming removes the leftover with the VG") {
        cut_before_pool_commit(spec, spare);
        setup::teardown(spec);
        CHECK(device_is_blank(disk.path()));
    }
    SECTION("(B) the pool committed: lvol0 becomes its metadata spare") {
        spare_left_as_lvol0(spec, spare);
        CHECK(end_state() != reference);
        const auto plan = setup::plan(spec);
        CHECK_FALSE(plan.nothing_to_do());
        setup::apply(spec);
        CHECK_FALSE(has_lv("lvol0"));
        CHECK(end_state() == reference);
        CHECK(lvm_cli(std::string("vgck ") + kVg).exit_code == 0);
        CHECK(setup::plan(spec).nothing_to_do());
        setup::teardown(spec);
        CHECK(device_is_blank(disk.path()));
    }
    SECTION("(B) teardown without resuming removes the leftover with the VG") {
        spare_left_as_lvol0(spec, spare);
        setup::teardown(spec);
        CHECK(device_is_blank(disk.path()));
    }
    SECTION("a user's lvol0 of another size is never taken for a leftover") {
        setup::apply(spec);
        REQUIRE(lvm_cli(std::string("lvcreate -q -an -Zn -n lvol0 -l 1 ") + kVg).exit_code == 0);
        CHECK(setup::plan(spec).nothing_to_do());
        try {
            setup::teardown(spec);
            FAIL("teardown removed a VG holding a user's LV");
        } catch (const Error& e) {
            CHECK(e.errc() == Errc::busy);
        }
        CHECK(has_lv("lvol0"));
        lvm_cli(std::string("vgremove -f ") + kVg);
        lvm_cli("pvremove " + disk.path());
    }
}
