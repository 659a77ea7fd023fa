// LVM's devices file (lvm2 >= 2.03.12, `devices/use_devicesfile`): which mode LVM is in, what
// the file lists, and the few commands that edit it. Shared by setup (plan, apply, teardown,
// status) and by anything else that must know which devices LVM would use, e.g. a read-only
// status path: read_devices_file_state() is one lvmconfig run and one file read.
//
// What lvm2's source says and this relies on (lib/device/dev-cache.c setup_devices(),
// lib/device/device_id.c device_ids_write(), tools/lvmdevices.c, tools/vgimportdevices.c,
// tools/lvmcmdline.c):
// - the file is `<LVM_SYSTEM_DIR or /etc/lvm>/devices/<devices/devicesfile>`;
// - with the setting on and the file present, only the devices it lists are used, and
//   `devices/filter` is skipped; with the setting on and no file, commands use every device,
//   except that pvcreate/vgcreate create the file when their own (possibly filtered) scan saw no
//   VG, listing only the new PVs: the host's other VGs then disappear;
// - `--devices` sets cmd->enable_devices_list on the handle and nothing resets it for the next
//   lvm2_run, so lvmkit never passes it; it restricts with `use_devicesfile=0` and the filter
//   instead, and edits the file itself with lvmdevices;
// - `lvmdevices --adddev` creates a missing file and refuses when the setting is off;
//   `vgimportdevices -a` lists every VG the (unfiltered) scan sees, creating the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lvmkit::lvm {
struct SessionOptions;
}

namespace lvmkit::internal {

/// One device line of the file: `IDTYPE=sys_wwid IDNAME=... DEVNAME=/dev/sdb PVID=... PART=1`.
struct DevicesFileEntry {
    std::string idtype;
    std::string idname;
    std::string devname;
    std::string pvid;  ///< 32 characters, no dashes; empty or `.` when LVM does not know it
    std::string part;
};

/// What the file says.
struct DevicesFileContent {
    std::string version;  ///< `VERSION=` (e.g. 1.1.2); empty when absent
    std::vector<DevicesFileEntry> entries;
    /// Whether an entry carries @p pvid (dashes in it are ignored).
    bool lists_pvid(std::string_view pvid) const;
};

/// Parses the file's text. Comments, blank lines and keys lvmkit does not use are skipped;
/// a device line without IDTYPE is refused.
/// @throws Error(Errc::parse_error) naming the line.
DevicesFileContent parse_devices_file(std::string_view text);

/// The effective `devices/use_devicesfile` and `devices/devicesfile`, as lvmconfig printed them.
struct DevicesFileSetting {
    bool enabled = false;
    std::string name = "system.devices";
};

/// Parses `lvmconfig --typeconfig full devices/use_devicesfile devices/devicesfile` output:
/// lines `use_devicesfile=1` and `devicesfile="system.devices"`. A setting not printed keeps
/// LVM's default (off: lvm2 older than 2.03.12 has no devices file).
/// @throws Error(Errc::parse_error) for a value that is not 0/1 or a name with a `/`.
DevicesFileSetting parse_devices_file_setting(std::string_view lvmconfig_output);

/// `<system_dir>/devices/<name>`, as dev-cache.c builds it.
std::string devices_file_path(std::string_view system_dir, std::string_view name);

/// How LVM picks its devices.
enum class DevicesFileMode {
    off,         ///< the setting is off: filters apply; lvmkit leaves the file alone
    on_no_file,  ///< on, but no file yet: LVM uses every device until one is created
    on_file,     ///< on and the file exists: LVM uses only the devices it lists
};

/// `off`, `on, no file yet` or `on`.
const char* to_string(DevicesFileMode mode) noexcept;

/// The mode, the file's path and its content.
struct DevicesFileState {
    DevicesFileMode mode = DevicesFileMode::off;
    std::string path;
    DevicesFileContent content;  ///< empty unless mode == on_file
};

/// The state from @p setting and the file at @p path (read here; absent means on_no_file).
/// @throws Error(Errc::parse_error) for a file lvmkit can not read as a devices file.
DevicesFileState devices_file_state(const DevicesFileSetting& setting, const std::string& path);

/// The effective setting through the shared liblvm2cmd handle (lvmconfig, honouring lvm.conf,
/// lvmlocal.conf and LVM_SYSTEM_DIR), then the file. Call once per run.
/// @throws Error(Errc::lvm_failed) when lvmconfig fails, Error(Errc::parse_error) as above.
DevicesFileState read_devices_file_state();

/// The state read_devices_file_state() gives when the setting is off, without asking LVM: for the
/// hot path (fast_status.hpp), which answers only when neither lvm.conf nor lvmlocal.conf turns
/// the setting on or names another file, and no devices directory exists.
DevicesFileState devices_file_off_state();

/// What setup does to the file for pool PVs not listed yet.
enum class DevicesFileAction {
    none,             ///< off, or every pool PV listed
    add_entries,      ///< `lvmdevices --adddev` each unlisted pool PV
    import_then_add,  ///< no file: `vgimportdevices -a` first (every VG LVM sees), then add
};

/// Decides the action for pool PVs whose ids are @p pool_pvids (empty for a device that is not
/// a PV yet: never listed).
DevicesFileAction devices_file_action(const DevicesFileState& state,
                                      const std::vector<std::string>& pool_pvids);

/// One sentence for the plan: the mode, the file and what lvmkit will do to it.
std::string describe_devices_file_plan(const DevicesFileState& state, DevicesFileAction action,
                                       const std::vector<std::string>& devices);

/// The VG tag recording that lvmkit added @p pvid's entry (teardown takes out exactly those).
std::string devices_file_tag(std::string_view pvid);
/// The PV id a devices_file_tag() names, or empty for any other tag.
std::string pvid_of_devices_file_tag(std::string_view tag);

// ---- commands (through the shared handle) -------------------------------------------------------

/// `lvmdevices --adddev DEVICE`, unrestricted (the file is LVM's to edit). @throws Error
void add_to_devices_file(const std::string& device);
/// `lvmdevices --delpvid PVID`. @throws Error
void remove_from_devices_file(const std::string& pvid);
/// `vgimportdevices -a`: creates the file listing the PVs of every VG LVM sees. @throws Error
void import_all_vgs_to_devices_file();
/// The VG's tags (`vgs -o vg_tags`), with @p options' device restriction. @throws Error
std::vector<std::string> vg_tags(const lvm::SessionOptions& options, const std::string& vg);
/// `vgchange --addtag|--deltag TAG VG`, with @p options' device restriction. @throws Error
void change_vg_tag(const lvm::SessionOptions& options, const std::string& vg,
                   const std::string& tag, bool add);

}  // namespace lvmkit::internal
