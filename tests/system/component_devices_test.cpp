// Devices LVM itself would not take as PVs because they belong to something else: a member of an
// md RAID array (stopped, so only its superblock says so, or assembled) and a device held by
// another dm device (a multipath path under its map). LVM refuses them (its md filter, even with
// `pvcreate -ff`; the exclusive open). lvmkit refuses them in preflight too (exit 3 in the CLI
// table), with or without permission to wipe signatures, and every byte stays as it was.
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/setup.hpp"
#include "system/component_fixtures.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

constexpr std::uint64_t kDisk = 256ull << 20;

setup::ThinPoolSpec spec_for(const std::string& device, const ScratchDir& root, bool wipe) {
    setup::ThinPoolSpec spec;
    spec.devices = {device};
    spec.vg = VgName("comp");
    spec.target_root = root.path();
    spec.consumer = setup::Consumer::none;
    spec.wipe_signatures = wipe;
    return spec;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// setup::apply's refusal, or a failed test when it accepts the device.
Error refusal(const setup::ThinPoolSpec& spec) {
    try {
        setup::apply(spec);
    } catch (const Error& e) {
        return e;
    }
    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(spec, force);
    FAIL("setup accepted " << spec.devices.front());
    return Error(Errc::invalid_argument, "", "", "");
}

}  // namespace

TEST_CASE("component devices: md members and dm-held devices are refused, bytes unchanged",
          "[system][hostile][components]") {
    LoopDevice a(kDisk, "comp-md-a");
    LoopDevice b(kDisk, "comp-md-b");
    LoopDevice held(kDisk, "comp-held");
    ScratchDir root;
    MdMirror mirror("md120", a.path(), b.path());
    REQUIRE(mirror.created);

    SECTION("an md member of a stopped array: only its superblock says so") {
        REQUIRE(mirror.stop());
        const auto edges = edges_of(a.path());
        // LVM's own answer: its md filter refuses the member, even forced.
        const auto plain = run_command({"lvm", "pvcreate", "-q", a.path()});
        const auto forced = run_command({"lvm", "pvcreate", "-ff", "-y", "-q", a.path()});
        INFO(plain.output << forced.output);
        CHECK(plain.exit_code != 0);
        CHECK(contains(plain.output, "md component"));
        CHECK(forced.exit_code != 0);
        CHECK(contains(forced.output, "md component"));
        // The harm a wipe would do: the superblock is what makes it a member (mdadm finds it).
        CHECK(run_command({"mdadm", "--examine", a.path()}).exit_code == 0);

        for (const bool wipe : {false, true}) {
            INFO("wipe_signatures " << wipe);
            const Error e = refusal(spec_for(a.path(), root, wipe));
            INFO(e.what());
            CHECK(contains(e.what(), "linux_raid_member"));
            CHECK(contains(e.what(), "member of a RAID array"));
            CHECK(e.errc() == Errc::device_in_use);
            CHECK(edges_of(a.path()) == edges);
        }
        CHECK(run_command({"mdadm", "--examine", a.path()}).exit_code == 0);
        CHECK(mirror.assemble());
    }
    SECTION("an md member of an assembled array: held by the md device") {
        const auto edges = edges_of(a.path());
        CHECK(run_command({"lvm", "pvcreate", "-q", a.path()}).exit_code != 0);
        for (const bool wipe : {false, true}) {
            const Error e = refusal(spec_for(a.path(), root, wipe));
            INFO(e.what());
            CHECK(e.errc() == Errc::device_in_use);
            CHECK(contains(e.what(), "held by md device md120"));
            CHECK(edges_of(a.path()) == edges);
        }
    }
    SECTION("a device held by another dm device (a multipath path under its map)") {
        REQUIRE(run_command({"sh", "-c",
                             "dd if=/dev/urandom of=" + held.path() +
                                 " bs=1M count=1 oflag=direct 2>/dev/null"})
                    .exit_code == 0);
        const DmHolder map("comp-mpath", held.path());
        REQUIRE(map.created);
        const auto edges = edges_of(held.path());
        const auto lvm = run_command({"lvm", "pvcreate", "-q", held.path()});
        INFO(lvm.output);
        CHECK(lvm.exit_code != 0);  // LVM: "Can't open ... exclusively"
        for (const bool wipe : {false, true}) {
            const Error e = refusal(spec_for(held.path(), root, wipe));
            INFO(e.what());
            CHECK(e.errc() == Errc::device_in_use);
            CHECK(contains(e.what(), "held by dm device"));
            CHECK(contains(e.what(), "comp-mpath"));
            CHECK(edges_of(held.path()) == edges);
        }
    }
    CHECK(no_dm_devices_named("comp-"));
}
