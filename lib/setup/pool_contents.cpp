// A pool's contents from the pool itself. LVM counts only its own thin LVs; Docker's devicemapper
// driver and containerd's devmapper snapshotter create thin devices with dm messages that only the
// pool's metadata records. So this reads the kernel's status (mapped data, transaction id), the
// devices stacked on the pool (sysfs holders), and the committed metadata's device ids.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "internal/device_identity.hpp"
#include "internal/thin_metadata.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "setup/pool_contents_read.hpp"
#include "setup/setup_internal.hpp"

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

void count_devices(const lvmkit::internal::ThinMetadata& metadata,
                   const std::vector<std::uint64_t>& lvm_ids, PoolContents& out) {
    out.thin_devices = metadata.devices.size();
    const std::uint64_t block_bytes = std::uint64_t{metadata.data_block_sectors} * 512;
    for (const auto& device : metadata.devices)
        if (std::find(lvm_ids.begin(), lvm_ids.end(), device.id) == lvm_ids.end()) {
            out.unknown_thin_ids.push_back(device.id);
            out.unknown_thin_data[device.id] = Bytes(device.mapped_blocks * block_bytes);
        }
}

void read_metadata(const dm::ThinPoolTarget& target, const std::vector<std::uint64_t>& lvm_ids,
                   PoolContents& out) {
    try {
        count_devices(lvmkit::internal::read_thin_metadata(device_path(target.metadata_device)),
                      lvm_ids, out);
    } catch (const Error& e) {
        out.metadata_note = e.what();
    }
}

// LVM's read-only activation of an inactive pool's `_tmeta` sub-LV, undone on every path: LVM
// refuses to activate a pool while its component is active. A component found active is left so.
class MetadataComponent {
  public:
    MetadataComponent(lvm::Session& session, const ThinPoolSpec& spec, bool already_active)
        : session_(session), spec_(spec), ours_(!already_active) {
        if (ours_)
            session_.activate_pool_metadata_component(spec_.vg, spec_.pool, true);
    }
    MetadataComponent(const MetadataComponent&) = delete;
    MetadataComponent& operator=(const MetadataComponent&) = delete;
    ~MetadataComponent() {
        try {
            deactivate();
        } catch (const Error& e) {
            log(LogCategory::setup, LogLevel::error,
                std::string("could not deactivate the pool's metadata component: ") + e.what());
        }
    }

    /// Deactivates now, so a failure is reported, not only logged.
    void deactivate() {
        if (!ours_)
            return;
        ours_ = false;
        session_.activate_pool_metadata_component(spec_.vg, spec_.pool, false);
    }

  private:
    lvm::Session& session_;
    const ThinPoolSpec& spec_;
    bool ours_;
};

// The node must be LVM's component (dm uuid `LVM-<vg uuid><lv uuid>-tmeta`), not another dm
// device of that name: an all-zero device would read as an empty pool.
void check_is_lvms(const std::string& path, const lvm::LvReport& component) {
    std::string lv_uuid = component.uuid;
    lv_uuid.erase(std::remove(lv_uuid.begin(), lv_uuid.end(), '-'), lv_uuid.end());
    const std::string uuid = internal::dm_uuid_of(path);
    const std::string suffix = "-tmeta";
    const bool component_suffix =
        uuid.size() > suffix.size() &&
        uuid.compare(uuid.size() - suffix.size(), suffix.size(), suffix) == 0;
    const bool names_lv = !lv_uuid.empty() && uuid.find(lv_uuid) != std::string::npos;
    if (uuid.rfind("LVM-", 0) != 0 || !(names_lv || component_suffix))
        throw Error(Errc::mismatch, "read pool contents", path,
                    "the device is not LVM's metadata component of the pool",
                    {"dm uuid '" + uuid + "', LV uuid " + component.uuid});
}

void read_inactive_pool(const ThinPoolSpec& spec, lvm::Session& session,
                        const std::vector<lvm::LvReport>& lvs,
                        const std::vector<std::uint64_t>& lvm_ids, PoolContents& out) {
    const std::string component = spec.pool.str() + "_tmeta";
    const auto found = std::find_if(lvs.begin(), lvs.end(),
                                    [&](const lvm::LvReport& lv) { return lv.name == component; });
    try {
        if (found == lvs.end())
            throw Error(Errc::not_found, "read pool contents", spec.vg.str() + "/" + component,
                        "LVM lists no metadata sub-LV for the pool");
        MetadataComponent active(session, spec, found->active);
        const std::string path = "/dev/mapper/" + lvm_dm_name(spec.vg.str(), component);
        check_is_lvms(path, *found);
        const auto metadata = lvmkit::internal::read_thin_metadata(path);
        active.deactivate();
        count_devices(metadata, lvm_ids, out);
        out.data_used = Bytes(metadata.data_blocks_allocated * metadata.data_block_sectors * 512);
        out.kernel_transaction_id = metadata.transaction_id;
        out.read = true;
        out.read_inactive = true;
    } catch (const Error& e) {
        out.thin_devices.reset();
        out.unknown_thin_ids.clear();
        out.unknown_thin_data.clear();
        out.metadata_unreadable = true;
        out.metadata_note =
            "the pool is inactive and its metadata could not be read through "
            "LVM's read-only activation of " +
            spec.vg.str() + "/" + component + ": " + e.what();
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

PoolContents read_pool_contents(const ThinPoolSpec& spec, lvm::Session& session,
                                const std::vector<lvm::LvReport>& lvs) {
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
        read_inactive_pool(spec, session, lvs, lvm_ids, out);
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
    if (read_inactive)
        out.push_back(
            "the pool is inactive: its metadata was read through LVM's read-only "
            "activation of its _tmeta component, deactivated again");
    if (!metadata_note.empty())
        out.push_back("not read: " + metadata_note);
    return out;
}

}  // namespace lvmkit::setup
