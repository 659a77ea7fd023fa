// A pool's contents from the pool itself. LVM counts only its own thin LVs; Docker's devicemapper
// driver and containerd's devmapper snapshotter create thin devices with dm messages that only the
// pool's metadata records. So this reads the kernel's status (mapped data, transaction id), the
// devices stacked on the pool (sysfs holders), and the committed metadata's device ids.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "internal/pool_contents_read.hpp"
#include "internal/setup_internal.hpp"
#include "internal/thin_metadata.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"

namespace lvmkit::setup {
namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// dm names double the dashes of VG and LV names (names.cpp does the same for valid names; hidden
// sub-LV names are not valid user names, so this spells it out).
std::string lvm_dm_name(const std::string& vg, const std::string& lv) {
    auto doubled = [](const std::string& name) {
        std::string out;
        for (char c : name)
            out += c == '-' ? std::string("--") : std::string(1, c);
        return out;
    };
    return doubled(vg) + "-" + doubled(lv);
}

// A table's `major:minor` as a path to open: /dev/block/M:m with udev, else the dm node.
std::string device_path(const std::string& number) {
    if (number.empty() || number.front() == '/')
        return number;
    const std::string block = "/dev/block/" + number;
    std::error_code ec;
    if (fs::exists(block, ec))
        return block;
    const std::string name = first_line("/sys/dev/block/" + number + "/dm/name");
    if (!name.empty())
        return "/dev/mapper/" + name;
    return block;
}

std::vector<std::string> holders_of(const dm::DeviceNumber& number) {
    std::vector<std::string> names;
    std::error_code ec;
    const fs::path dir = "/sys/dev/block/" + number.str() + "/holders";
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string kernel = entry.path().filename().string();
        const std::string name = first_line("/sys/class/block/" + kernel + "/dm/name");
        names.push_back(name.empty() ? kernel : name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string under_root(const ThinPoolSpec& spec, const std::string& path) {
    return spec.target_root == "/" ? path : spec.target_root + path;
}

std::size_t entries_in(const std::string& dir) {
    std::error_code ec;
    std::size_t count = 0;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
        ++count;
    return count;
}

void find_runtime_owners(const ThinPoolSpec& spec, PoolContents& out) {
    std::error_code ec;
    const std::string docker = under_root(spec, spec.graph_dir + "/devicemapper/metadata");
    if (fs::is_directory(docker, ec))
        out.owners.push_back(fmt::format("Docker's devicemapper metadata in {} ({} entries)",
                                         docker, entries_in(docker)));
    const std::string containerd =
        under_root(spec, "/var/lib/containerd/io.containerd.snapshotter.v1.devmapper");
    if (fs::exists(containerd + "/metadata.db", ec))
        out.owners.push_back("containerd's devmapper snapshotter metadata in " + containerd);
}

void read_metadata(const dm::ThinPoolTarget& target, const std::vector<std::uint64_t>& lvm_ids,
                   PoolContents& out) {
    try {
        const auto metadata =
            lvmkit::internal::read_thin_metadata(device_path(target.metadata_device));
        out.thin_devices = metadata.devices.size();
        for (const auto& device : metadata.devices)
            if (std::find(lvm_ids.begin(), lvm_ids.end(), device.id) == lvm_ids.end())
                out.unknown_thin_ids.push_back(device.id);
    } catch (const Error& e) {
        out.metadata_note = e.what();
    }
}

void read_kernel_side(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs,
                      const std::vector<std::uint64_t>& lvm_ids, PoolContents& out) {
    const std::string name = internal::pool_dm_device(spec);
    const auto status = dm::thin_pool_status(name);
    if (const auto* usage = std::get_if<dm::ThinPoolUsage>(&status)) {
        out.data_used = usage->used_data_bytes();
        out.kernel_transaction_id = usage->transaction_id;
        out.read = true;
    } else {
        out.metadata_note = "the pool's dm status reports a failure; its contents were not read";
        return;
    }
    const dm::Table table = dm::table(name);
    if (!table.empty())
        if (const auto* pool = std::get_if<dm::ThinPoolTarget>(&table.front().target))
            read_metadata(*pool, lvm_ids, out);
    std::set<std::string> lvm_names;
    for (const auto& lv : lvs)
        lvm_names.insert(lvm_dm_name(spec.vg.str(), lv.name));
    for (const auto& holder : holders_of(dm::info(name).number))
        if (lvm_names.count(holder) == 0)
            out.active_devices.push_back(holder);
}

}  // namespace

namespace internal {

PoolContents read_pool_contents(const ThinPoolSpec& spec, const std::vector<lvm::LvReport>& lvs) {
    PoolContents out;
    std::vector<std::uint64_t> lvm_ids;
    const lvm::LvReport* pool = nullptr;
    for (const auto& lv : lvs) {
        if (lv.name == spec.pool.str() && lv.segment_type == "thin-pool")
            pool = &lv;
        if (lv.pool != spec.pool.str())
            continue;
        out.lvm_thin_volumes.push_back(lv.name);
        if (lv.thin_id)
            lvm_ids.push_back(*lv.thin_id);
    }
    if (pool == nullptr)
        return out;
    out.lvm_transaction_id = pool->transaction_id;
    find_runtime_owners(spec, out);
    if (!pool->active) {
        out.metadata_note = "the pool is inactive, so only LVM's thin LVs were counted";
        return out;
    }
    try {
        read_kernel_side(spec, lvs, lvm_ids, out);
    } catch (const Error& e) {
        out.metadata_note = e.what();
    }
    return out;
}

}  // namespace internal

bool PoolContents::holds_anything() const {
    const bool foreign_transaction =
        read && lvm_transaction_id && kernel_transaction_id != *lvm_transaction_id;
    return !lvm_thin_volumes.empty() || thin_devices.value_or(0) > 0 || !unknown_thin_ids.empty() ||
           !active_devices.empty() || data_used.count() > 0 || foreign_transaction;
}

std::size_t PoolContents::device_count() const {
    if (thin_devices)
        return *thin_devices;
    return lvm_thin_volumes.size() + active_devices.size();
}

std::string PoolContents::summary() const {
    std::string out = fmt::format("{} thin device(s)", device_count());
    if (thin_devices)
        out += fmt::format(" ({} unknown to LVM)", unknown_thin_ids.size());
    else
        out += " known to LVM or active (the pool's metadata was not read)";
    out += ", " + format_human(data_used) + " of data";
    std::vector<std::string> who;
    if (!lvm_thin_volumes.empty())
        who.push_back("LVM thin LVs " + join(lvm_thin_volumes));
    if (!active_devices.empty())
        who.push_back("active dm devices " + join(active_devices));
    for (const auto& owner : owners)
        who.push_back(owner);
    if (!who.empty())
        out += "; owners: " + join(who);
    return out;
}

std::vector<std::string> PoolContents::details() const {
    std::vector<std::string> out;
    if (!lvm_thin_volumes.empty())
        out.push_back("LVM thin LVs: " + join(lvm_thin_volumes));
    if (thin_devices) {
        std::vector<std::string> ids;
        for (auto id : unknown_thin_ids)
            ids.push_back(std::to_string(id));
        out.push_back(fmt::format("thin devices in the pool's metadata: {}; not LVM's: {}",
                                  *thin_devices, ids.empty() ? "none" : join(ids)));
    }
    if (!active_devices.empty())
        out.push_back("dm devices active on the pool: " + join(active_devices));
    out.push_back("mapped data: " + format_human(data_used));
    if (read && lvm_transaction_id && kernel_transaction_id != *lvm_transaction_id)
        out.push_back(fmt::format(
            "transaction id {} in the kernel, {} in LVM's metadata: someone else sent messages",
            kernel_transaction_id, *lvm_transaction_id));
    for (const auto& owner : owners)
        out.push_back("owner: " + owner);
    if (!metadata_note.empty())
        out.push_back("not read: " + metadata_note);
    return out;
}

}  // namespace lvmkit::setup
