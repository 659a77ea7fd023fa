// status()'s reports without liblvm2cmd (fast_status.hpp): the VG from the spec's PVs' metadata
// areas (blockdev's reader: label, mda header and text checksums, the newest copy), the pool's
// activity from its dm devices, its monitoring from dmeventd's registration list.
#include "setup/fast_status.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "internal/dmeventd_client.hpp"
#include "internal/vg_metadata.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {
namespace {

namespace md = blockdev::internal;

// LVM's defaults (lvm2 lib/config/defaults.h) for what the fast path reproduces.
constexpr const char* kThinDso = "libdevmapper-event-lvm2thin.so";
// dmeventd answers from its registration list at once; past this the caller asks LVM instead.
constexpr auto kDmeventdDeadline = std::chrono::milliseconds(2000);

std::string system_dir() {
    const char* env = std::getenv("LVM_SYSTEM_DIR");
    return env != nullptr && *env != '\0' ? env : "/etc/lvm";
}

std::string trim(std::string text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

// One `key = value` setting of an lvm.conf line (comments stripped); why it blocks, or empty.
std::string setting_blocks(const std::string& key, const std::string& value, bool own_filter) {
    if (key == "filter" && !own_filter)
        return "devices/filter is set";
    if (key == "global_filter" || key == "devicesfile" || key == "profile_dir" || key == "scan" ||
        key == "system_id_file" || key == "thin_library" || key == "executable" ||
        key == "hosttags")
        return key + " is set";
    if ((key == "use_devicesfile" || key == "use_lvmlockd") && value != "0")
        return key + " = " + value;
    if (key == "system_id_source" && value != "\"none\"")
        return key + " = " + value;
    if (key == "monitoring" && value == "0")
        return "activation/monitoring = 0";
    return {};
}

std::string file_blocks(const std::string& path, bool own_filter) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        line = line.substr(0, line.find('#'));
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            if (trim(line).rfind("tags", 0) == 0)
                return path + ": a tags section";
            continue;
        }
        std::string key = trim(line.substr(0, eq));
        // `devices { filter = ...` on one line: the key is the last word before '='.
        if (const auto space = key.find_last_of(" \t{"); space != std::string::npos)
            key = key.substr(space + 1);
        const std::string why = setting_blocks(key, trim(line.substr(eq + 1)), own_filter);
        if (!why.empty())
            return path + ": " + why;
    }
    return {};
}

std::string undashed(std::string id) {
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    return id;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// The VG on the spec's devices: every device a PV with metadata, every copy the same VG and
// seqno, the VG's PVs exactly those devices.
struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

// The devices LVM scans when the spec names none (`status` without --device): every block
// device with a size that is not one of LVM's own LVs (devices/scan_lvs=0).
std::vector<std::string> scanned_devices() {
    std::vector<std::string> out;
    const std::unique_ptr<DIR, DirCloser> dir(::opendir("/sys/class/block"));
    if (!dir)
        return out;
    while (const dirent* entry = ::readdir(dir.get())) {
        const std::string name = entry->d_name;
        if (name.empty() || name[0] == '.')
            continue;
        std::uint64_t sectors = 0;
        std::ifstream("/sys/class/block/" + name + "/size") >> sectors;
        std::string uuid;
        std::getline(std::ifstream("/sys/class/block/" + name + "/dm/uuid"), uuid);
        if (sectors > 0 && !starts_with(uuid, "LVM-"))
            out.push_back("/dev/" + name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<md::VgMetadata> read_vg(const ThinPoolSpec& spec, std::string& why,
                                      std::map<std::string, std::string>& device_of_pv) {
    std::optional<md::VgMetadata> vg;
    std::string first_text;
    std::set<std::string> device_pvs;
    const bool named = !spec.devices.empty();
    for (const auto& device : named ? spec.devices : scanned_devices()) {
        const auto pv = md::read_pv_metadata_file(device);
        if (!pv || !pv->text) {
            if (!named)
                continue;  // not a PV, an orphan, or unreadable: the PV check below decides
            why = device + ": no readable PV metadata with a VG";
            return std::nullopt;
        }
        if (!named) {
            const auto other = md::vg_from_text(*pv->text);
            if (other && other->name != spec.vg.str())
                continue;  // another VG's PV
        }
        if (device_pvs.count(pv->pv_uuid) != 0) {
            why = "two devices carry PV " + pv->pv_uuid + " (" + device_of_pv[pv->pv_uuid] + ", " +
                  device + ")";
            return std::nullopt;
        }
        device_pvs.insert(pv->pv_uuid);
        device_of_pv[pv->pv_uuid] = device;
        if (vg) {
            if (*pv->text != first_text) {
                why = device + ": its metadata differs from the other PVs'";
                return std::nullopt;
            }
            continue;
        }
        vg = md::vg_from_text(*pv->text);
        if (!vg) {
            why = device + ": metadata the fast reader does not fully understand";
            return std::nullopt;
        }
        first_text = *pv->text;
    }
    if (!vg || vg->name != spec.vg.str()) {
        why = "the devices hold VG '" + (vg ? vg->name : std::string()) + "', not " + spec.vg.str();
        return std::nullopt;
    }
    std::set<std::string> vg_pvs;
    for (const auto& pv : vg->pvs)
        vg_pvs.insert(undashed(pv.id));
    if (vg_pvs != device_pvs) {
        why = named ? "the VG's PVs are not exactly the spec's devices"
                    : "the VG's PVs are not all found on this host's block devices";
        return std::nullopt;
    }
    return vg;
}

std::uint64_t lv_extents(const md::MetaLv& lv) {
    std::uint64_t extents = 0;
    for (const auto& seg : lv.segments)
        extents += seg.extent_count;
    return extents;
}

// The pool is active when one of its dm devices is LVM's for this LV.
bool pool_active(const ThinPoolSpec& spec, const std::string& lv_uuid_prefix) {
    const std::string name = dm_name(spec.vg, spec.pool);
    for (const auto& candidate : {name, name + "-tpool"}) {
        const auto info = dm::info(candidate);
        if (info.exists && starts_with(info.uuid, lv_uuid_prefix))
            return true;
    }
    return false;
}

// What `lvs -o seg_monitor` asks (lvm2 activate.c target_registered_with_dmeventd): the
// registration of the pool's -tpool layer with the thin DSO. nullopt: no clear answer, or
// "pending" (LVM says so rather than monitored or not).
std::optional<bool> registered_with_dmeventd(const std::string& tpool_uuid) {
    const auto answer =
        dm::internal::dmeventd_registration(kThinDso, tpool_uuid, kDmeventdDeadline);
    if (!answer || *answer == dm::internal::DmeventdRegistration::pending)
        return std::nullopt;
    return *answer == dm::internal::DmeventdRegistration::registered;
}

// "hhhhhhiiii..." (32) -> "hhhhhh-iiii-jjjj-kkkk-llll-mmmm-nnnnnn", as LVM prints a UUID.
std::string dashed(const std::string& id) {
    if (id.size() != 32)
        return id;
    return id.substr(0, 6) + "-" + id.substr(6, 4) + "-" + id.substr(10, 4) + "-" +
           id.substr(14, 4) + "-" + id.substr(18, 4) + "-" + id.substr(22, 4) + "-" +
           id.substr(26, 6);
}

// Extents used on one PV: each stripe of a striped segment takes extent_count / stripes.
std::uint64_t used_on(const md::VgMetadata& vg, const std::string& pv_key) {
    std::uint64_t used = 0;
    for (const auto& lv : vg.lvs)
        for (const auto& seg : lv.segments)
            for (const auto& stripe : seg.stripes)
                if (stripe.first == pv_key)
                    used += seg.extent_count / seg.stripes.size();
    return used;
}

lvm::LvReport report_of(const md::VgMetadata& vg, const md::MetaLv& lv) {
    lvm::LvReport out;
    out.name = lv.name;
    out.vg = vg.name;
    out.full_name = vg.name + "/" + lv.name;
    out.uuid = lv.id;
    out.hidden = !lv.visible();
    out.size = Bytes(lv_extents(lv) * vg.extent_size_sectors * 512);
    out.profile = lv.profile;
    const auto& seg = lv.segments.front();
    out.segment_type =
        seg.type == "striped" ? (seg.stripes.size() > 1 ? "striped" : "linear") : seg.type;
    if (seg.type == "thin-pool") {
        out.data_lv = seg.data;
        out.metadata_lv = seg.metadata;
        out.transaction_id = seg.transaction_id;
        out.chunk_size = Bytes(seg.chunk_size_sectors.value_or(0) * 512);
        out.zeroing = seg.zero_new_blocks;
        out.discards = seg.discards;
        out.when_full = lv.has_status("ERROR_WHEN_FULL") ? "error" : "queue";
    } else if (seg.type == "thin") {
        out.pool = seg.pool;
        out.thin_id = seg.device_id;
        out.transaction_id = seg.transaction_id;
    }
    return out;
}

}  // namespace

std::string lvm_config_blocks_fast_path(const std::string& dir, bool own_filter) {
    // The devices directory, not only system.devices: a distribution whose LVM is built with the
    // setting on (RHEL, Fedora) ships it, and lvm.conf then need not mention use_devicesfile.
    struct stat st {};
    if (::stat((dir + "/devices").c_str(), &st) == 0)
        return dir + "/devices exists: LVM's devices file may decide what it uses";
    for (const char* file : {"/lvm.conf", "/lvmlocal.conf"}) {
        const std::string why = file_blocks(dir + file, own_filter);
        if (!why.empty())
            return why;
    }
    return {};
}

std::optional<FastReports> fast_reports(const ThinPoolSpec& spec) {
    auto fall_back = [&](const std::string& why) -> std::optional<FastReports> {
        log(LogCategory::setup, LogLevel::debug, "status: asking LVM (" + why + ")");
        return std::nullopt;
    };
    if (!spec.monitor)
        return fall_back("monitoring is off for this spec");
    const std::string dir = system_dir();
    // session_for() sets devices/filter to the spec's devices when it names any (scan_only).
    const bool own_filter = !spec.use_existing_vg && !spec.devices.empty();
    if (const std::string why = lvm_config_blocks_fast_path(dir, own_filter); !why.empty())
        return fall_back(why);
    std::string why;
    std::map<std::string, std::string> device_of_pv;
    const auto vg = read_vg(spec, why, device_of_pv);
    if (!vg)
        return fall_back(why);
    const md::MetaLv* pool = vg->lv(spec.pool.str());
    if (pool == nullptr || pool->segments.size() != 1 || pool->segments.front().type != "thin-pool")
        return fall_back("no thin pool " + spec.pool.str() + " in the metadata");
    const std::string lv_prefix = "LVM-" + undashed(vg->id) + undashed(pool->id);
    if (!pool_active(spec, lv_prefix))
        return fall_back("the pool is not active");
    if (!dmeventd_running())
        return fall_back("dmeventd is not running");
    const auto monitored = registered_with_dmeventd(lv_prefix + "-tpool");
    if (!monitored)
        return fall_back("dmeventd gave no clear answer");

    FastReports out;
    out.profile_dir = dir + "/profile";
    const Bytes extent(vg->extent_size_sectors * 512);
    out.vg.name = vg->name;
    out.vg.uuid = vg->id;
    out.vg.extent_size = extent;
    out.vg.extent_count = vg->extent_count();
    out.vg.free_extents = vg->free_extents();
    out.vg.size = Bytes(out.vg.extent_count * extent.count());
    out.vg.free = Bytes(out.vg.free_extents * extent.count());
    out.vg.pv_count = vg->pvs.size();
    for (const auto& pv : vg->pvs) {
        lvm::PvReport report;
        report.name = device_of_pv[undashed(pv.id)];
        report.vg = vg->name;
        report.uuid = dashed(undashed(pv.id));
        report.size = Bytes(pv.pe_count * extent.count());
        report.free =
            Bytes((pv.pe_count - std::min(pv.pe_count, used_on(*vg, pv.key))) * extent.count());
        out.pvs_and_vgs.pvs.push_back(std::move(report));
    }
    for (const auto& lv : vg->lvs) {
        auto report = report_of(*vg, lv);
        if (lv.name == spec.pool.str()) {
            report.active = true;
            report.monitored = *monitored;
            report.seg_monitor = *monitored ? "monitored" : "not monitored";
        }
        out.vg.lv_count += report.hidden ? 0 : 1;
        out.lvs.push_back(std::move(report));
    }
    // In the order of LVM's report (report/lvs_sort: vg_name,lv_name).
    std::sort(out.lvs.begin(), out.lvs.end(),
              [](const lvm::LvReport& a, const lvm::LvReport& b) { return a.name < b.name; });
    out.pvs_and_vgs.vgs.push_back(out.vg);
    return out;
}

std::optional<SystemState> fast_noop_state(const ThinPoolSpec& spec, const FileWriter& writer,
                                           Plan* plan) {
    try {
        auto reports = fast_reports(spec);
        if (!reports)
            return std::nullopt;
        check_file_kinds(spec, reports->profile_dir, writer);
        SystemState state = read_state_from(
            spec,
            StateSource{[&](const std::vector<lvm::DevicePath>&) { return reports->pvs_and_vgs; },
                        [&] { return reports->lvs; }, [&] { return reports->profile_dir; },
                        // fast_reports() answers only when no devices file is in use.
                        [] { return lvmkit::internal::devices_file_off_state(); }});
        Plan built = build_plan(spec, state, writer);
        if (!built.nothing_to_do()) {
            log(LogCategory::setup, LogLevel::debug, "setup: there is work; asking LVM");
            return std::nullopt;
        }
        if (plan != nullptr)
            *plan = std::move(built);
        log(LogCategory::setup, LogLevel::debug, "setup: nothing to do (read without LVM)");
        return state;
    } catch (const Error& e) {
        // Refusals come from LVM's own view: the full path reads it and says the same or better.
        log(LogCategory::setup, LogLevel::debug,
            std::string("setup: asking LVM (") + e.what() + ")");
        return std::nullopt;
    }
}

}  // namespace lvmkit::setup::internal
