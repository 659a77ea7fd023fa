// LVM's devices file in setup: the plan's step and note, and the check status() and verify()
// share: a pool PV a devices file in use does not list is not activated at boot, and dmeventd
// (lvm2 >= 2.03.23 reads the file) does not extend the pool.
#include <algorithm>

#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {
namespace {

using lvmkit::internal::DevicesFileAction;
using lvmkit::internal::DevicesFileMode;

const char* action_name(DevicesFileAction action) {
    switch (action) {
        case DevicesFileAction::none:
            return "none";
        case DevicesFileAction::add_entries:
            return "add_entries";
        case DevicesFileAction::import_then_add:
            return "import_then_add";
    }
    return "none";
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

void add_devices_file_step(const ThinPoolSpec& spec, const SystemState& state, Plan& plan) {
    const auto& file = state.devices_file;
    std::vector<std::string> pvids, devices;
    for (const auto& device : state.devices) {
        pvids.push_back(device.pv_uuid);  // empty until pvcreate: then never listed
        devices.push_back(device.path);
    }
    const auto action = lvmkit::internal::devices_file_action(file, pvids);
    plan.devices_file_mode = lvmkit::internal::to_string(file.mode);
    plan.devices_file_path = file.path;
    plan.devices_file_action = devices.empty() ? "none" : action_name(action);
    plan.decisions.push_back(lvmkit::internal::describe_devices_file_plan(file, action, devices));
    if (file.mode == DevicesFileMode::off || devices.empty())
        return;
    std::string text = file.mode == DevicesFileMode::on_no_file
                           ? "Create LVM's devices file " + file.path +
                                 " listing every VG LVM sees (vgimportdevices -a), then record " +
                                 joined(devices) + " in it"
                           : "Record " + joined(devices) + " in LVM's devices file " + file.path +
                                 " (lvmdevices --adddev)";
    plan.steps.push_back(
        Step{StepKind::record_devices_file, std::move(text), action == DevicesFileAction::none});
    (void)spec;
}

std::vector<std::string> pvs_not_in_devices_file(lvm::Session& session, const ThinPoolSpec& spec,
                                                 const lvmkit::internal::DevicesFileState& state) {
    std::vector<std::string> out;
    if (state.mode != DevicesFileMode::on_file)
        return out;
    for (const auto& pv : session.pvs())
        if (pv.vg == spec.vg.str() && !state.content.lists_pvid(pv.uuid))
            out.push_back(pv.name);
    return out;
}

Advice devices_file_advice(const std::vector<std::string>& pvs, const std::string& path) {
    std::string command;
    for (const auto& pv : pvs)
        // `lvm lvmdevices`: Debian ships no lvmdevices link (RHEL does); lvm runs it on both.
        command += (command.empty() ? "" : " && ") + std::string("lvm lvmdevices --adddev ") + pv;
    return {"pv_not_in_devices_file",
            "LVM's devices file " + path + " is in use and does not list " + joined(pvs) +
                ": LVM does not see the pool there, so it is not activated at boot and dmeventd "
                "(lvm2 >= 2.03.23) does not extend it",
            command};
}

}  // namespace lvmkit::setup::internal
