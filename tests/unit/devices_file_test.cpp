// LVM's devices file: parsing the file and lvmconfig's answer, the mode and what setup does to
// the file in each mode, on text shaped like lvm2's (device_id.c writes the file).
#include "internal/devices_file.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "catch_compat.hpp"
#include "lvmkit/error.hpp"
#include "plan_fixtures.hpp"
#include "setup/setup_internal.hpp"

using namespace lvmkit;
using namespace lvmkit::internal;

namespace {

// As lvm2 2.03.16 writes it (lvmdevices --adddev on a virtio disk without a serial).
const char* const kFile =
    "# LVM uses devices listed in this file.\n"
    "# Created by LVM command lvmdevices pid 312 at Mon Dec  7 09:00:00 2026\n"
    "VERSION=1.1.2\n"
    "IDTYPE=devname IDNAME=/dev/vda DEVNAME=/dev/vda PVID=Wq3rZ1d2e3f4g5h6i7j8k9l0m1n2o3p4\n"
    "IDTYPE=sys_wwid IDNAME=naa.5000c500a1b2c3d4 DEVNAME=/dev/sdb1 "
    "PVID=AbCdEfGhIjKlMnOpQrStUvWxYz012345 PART=1\n"
    "IDTYPE=sys_serial IDNAME=QM00003 DEVNAME=/dev/sdc PVID=.\n";

bool throws_parse_error(const std::string& text) {
    try {
        (void)parse_devices_file(text);
    } catch (const Error& e) {
        return e.errc() == Errc::parse_error && !e.object().empty();
    }
    return false;
}

}  // namespace

TEST_CASE("devices file: entries, version and PV ids as lvm2 writes them", "[devices_file]") {
    const auto content = parse_devices_file(kFile);
    CHECK(content.version == "1.1.2");
    REQUIRE(content.entries.size() == 3);
    CHECK(content.entries[0].idtype == "devname");
    CHECK(content.entries[0].devname == "/dev/vda");
    CHECK(content.entries[1].idname == "naa.5000c500a1b2c3d4");
    CHECK(content.entries[1].part == "1");
    CHECK(content.entries[2].pvid.empty());  // `.`: LVM does not know one
    // pvs prints ids with dashes; the file has none.
    CHECK(content.lists_pvid("Wq3rZ1-d2e3-f4g5-h6i7-j8k9-l0m1-n2o3p4"));
    CHECK(content.lists_pvid("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
    CHECK_FALSE(content.lists_pvid("AbCdEfGhIjKlMnOpQrStUvWxYz000000"));
    CHECK_FALSE(content.lists_pvid(""));
}

TEST_CASE("devices file: an empty file lists nothing; damaged lines are refused by name",
          "[devices_file]") {
    CHECK(parse_devices_file("").entries.empty());
    CHECK(parse_devices_file("# only a comment\n\nVERSION=1.1.1\nSYSTEMID=host\n").entries.empty());
    CHECK(throws_parse_error("IDTYPE=devname IDNAME /dev/vda\n"));
    CHECK(throws_parse_error("garbage without an equals sign\n"));
    CHECK(throws_parse_error("IDNAME=/dev/vda DEVNAME=/dev/vda IDTYPE=\n"));
}

TEST_CASE("devices file setting: lvmconfig's answer, defaults and bad values", "[devices_file]") {
    auto on = parse_devices_file_setting("use_devicesfile=1\ndevicesfile=\"system.devices\"\n");
    CHECK(on.enabled);
    CHECK(on.name == "system.devices");
    auto named =
        parse_devices_file_setting("  use_devicesfile=1\n  devicesfile=\"test.devices\"\n");
    CHECK(named.name == "test.devices");
    CHECK_FALSE(parse_devices_file_setting("use_devicesfile=0\n").enabled);
    // lvm2 before 2.03.12 knows neither setting: no devices file.
    CHECK_FALSE(parse_devices_file_setting("").enabled);
    auto errc = [](const char* text) {
        try {
            (void)parse_devices_file_setting(text);
        } catch (const Error& e) {
            return e.errc();
        }
        return Errc::invalid_argument;
    };
    CHECK(errc("use_devicesfile=2\n") == Errc::parse_error);
    CHECK(errc("devicesfile=\"../etc/passwd\"\n") == Errc::parse_error);
    CHECK(devices_file_path("/etc/lvm", "system.devices") == "/etc/lvm/devices/system.devices");
}

TEST_CASE("devices file: the mode from the setting and the file, and setup's action",
          "[devices_file]") {
    char dir[] = "/tmp/lvmkit-devfile-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/system.devices";
    DevicesFileSetting setting;
    const std::vector<std::string> pool{"Wq3rZ1d2e3f4g5h6i7j8k9l0m1n2o3p4"};
    const std::vector<std::string> not_a_pv_yet{""};

    setting.enabled = false;
    auto state = devices_file_state(setting, path);
    CHECK(state.mode == DevicesFileMode::off);
    CHECK(devices_file_action(state, not_a_pv_yet) == DevicesFileAction::none);
    CHECK(describe_devices_file_plan(state, DevicesFileAction::none, {"/dev/vdb"})
              .find("leaves the file alone") != std::string::npos);

    setting.enabled = true;
    state = devices_file_state(setting, path);
    CHECK(state.mode == DevicesFileMode::on_no_file);
    // Never pvcreate's file of the new PV alone: every VG LVM sees goes in first.
    CHECK(devices_file_action(state, pool) == DevicesFileAction::import_then_add);
    CHECK(describe_devices_file_plan(state, DevicesFileAction::import_then_add, {"/dev/vdb"})
              .find("vgimportdevices -a") != std::string::npos);

    std::ofstream(path) << kFile;
    state = devices_file_state(setting, path);
    CHECK(state.mode == DevicesFileMode::on_file);
    CHECK(state.content.entries.size() == 3);
    CHECK(devices_file_action(state, pool) == DevicesFileAction::none);
    CHECK(devices_file_action(state, not_a_pv_yet) == DevicesFileAction::add_entries);
    CHECK(devices_file_action(state, {pool[0], "AbCdEfGhIjKlMnOpQrStUvWxYz000000"}) ==
          DevicesFileAction::add_entries);
    ::unlink(path.c_str());
    ::rmdir(dir);
}

TEST_CASE("devices file: the VG tag that records an entry lvmkit added", "[devices_file]") {
    const std::string tag = devices_file_tag("Wq3rZ1-d2e3-f4g5-h6i7-j8k9-l0m1-n2o3p4");
    CHECK(tag == "lvmkit_devices_file_Wq3rZ1d2e3f4g5h6i7j8k9l0m1n2o3p4");
    CHECK(pvid_of_devices_file_tag(tag) == "Wq3rZ1d2e3f4g5h6i7j8k9l0m1n2o3p4");
    CHECK(pvid_of_devices_file_tag("lvmkit_devices_file_").empty());
    CHECK(pvid_of_devices_file_tag("admin_tag").empty());
}

TEST_CASE("devices file: the plan's step and note in each mode", "[devices_file][setup]") {
    using setup::StepKind;
    auto state = test::blank_disk(Bytes::GiB(1));
    state.devices_file.path = "/etc/lvm/devices/system.devices";
    setup::ThinPoolSpec spec;
    spec.devices = {"/dev/sdb"};
    auto plan_for = [&] {
        setup::Plan plan;
        setup::internal::add_devices_file_step(spec, state, plan);
        return plan;
    };

    // Off: no step, but the plan says so.
    auto plan = plan_for();
    CHECK(plan.steps.empty());
    CHECK(plan.devices_file_mode == "off");
    CHECK(plan.devices_file_action == "none");
    REQUIRE(plan.decisions.size() == 1);
    CHECK(plan.decisions[0].find("off (/etc/lvm/devices/system.devices)") != std::string::npos);

    // On, no file: vgimportdevices first.
    state.devices_file.mode = DevicesFileMode::on_no_file;
    plan = plan_for();
    REQUIRE(plan.steps.size() == 1);
    CHECK(plan.steps[0].kind == StepKind::record_devices_file);
    CHECK_FALSE(plan.steps[0].done);
    CHECK(plan.steps[0].description.find("vgimportdevices -a") != std::string::npos);
    CHECK(plan.devices_file_action == "import_then_add");
    CHECK(plan.to_json().find("\"action\": \"import_then_add\"") != std::string::npos);

    // On with a file: a new PV is recorded; a PV the file lists is done (a resume after the
    // record, or a PV an administrator had listed).
    state.devices_file.mode = DevicesFileMode::on_file;
    state.devices_file.content = parse_devices_file(kFile);
    plan = plan_for();
    REQUIRE(plan.steps.size() == 1);
    CHECK_FALSE(plan.steps[0].done);
    CHECK(plan.devices_file_action == "add_entries");
    state.devices[0].is_pv = true;
    state.devices[0].pv_uuid = "Wq3rZ1d2e3f4g5h6i7j8k9l0m1n2o3p4";
    plan = plan_for();
    REQUIRE(plan.steps.size() == 1);
    CHECK(plan.steps[0].done);
    CHECK(plan.devices_file_action == "none");
}

TEST_CASE("devices file: status's advice names the PVs and the fix", "[devices_file][setup]") {
    const auto advice = setup::internal::devices_file_advice({"/dev/sdb", "/dev/sdc"},
                                                             "/etc/lvm/devices/system.devices");
    CHECK(advice.problem == "pv_not_in_devices_file");
    CHECK(advice.meaning.find("/dev/sdb, /dev/sdc") != std::string::npos);
    CHECK(advice.meaning.find("not activated at boot") != std::string::npos);
    CHECK(advice.command == "lvm lvmdevices --adddev /dev/sdb && lvm lvmdevices --adddev /dev/sdc");
}
