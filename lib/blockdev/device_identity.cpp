// Device identity for preflight: two names of one device are one device, an LV is not a disk,
// and a disk has a name that survives a reboot.
#include "internal/device_identity.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

#include "lvmkit/error.hpp"

namespace lvmkit::setup::internal {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPreflight = "preflight";
constexpr const char* kById = "/dev/disk/by-id";

bool block_number(const std::string& path, dev_t& out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISBLK(st.st_mode))
        return false;
    out = st.st_rdev;
    return true;
}

std::string number_text(dev_t number) {
    return std::to_string(major(number)) + ":" + std::to_string(minor(number));
}

// Lower is better: a WWN is the disk's own, a bus name holds the serial; the rest (dm-name-,
// lvm-pv-uuid-, md-) name what is on the disk, not the disk.
int preference(const std::string& name) {
    if (name.rfind("wwn-", 0) == 0)
        return 0;
    for (const char* bus : {"nvme-", "ata-", "scsi-", "virtio-", "usb-", "mmc-"})
        if (name.rfind(bus, 0) == 0)
            return 1;
    return 2;
}

}  // namespace

std::string lexically_normal_device(const std::string& path) {
    std::string out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string part = path.substr(start, end - start);
        if (!part.empty() && part != ".")
            out += "/" + part;
        start = end + 1;
    }
    return out.empty() ? "/" : out;
}

void check_distinct_devices(const std::vector<std::string>& devices) {
    for (std::size_t i = 0; i < devices.size(); ++i) {
        dev_t first = 0;
        if (!block_number(devices[i], first))
            continue;
        for (std::size_t j = i + 1; j < devices.size(); ++j) {
            dev_t second = 0;
            if (block_number(devices[j], second) && second == first)
                throw Error(Errc::invalid_argument, kPreflight, devices[j],
                            "names the same device as " + devices[i] + " (device number " +
                                number_text(first) + "); give each device once");
        }
    }
}

std::string dm_uuid_of(const std::string& path) {
    dev_t number = 0;
    if (!block_number(path, number))
        return {};
    std::ifstream in("/sys/dev/block/" + number_text(number) + "/dm/uuid");
    std::string uuid;
    std::getline(in, uuid);
    return uuid;
}

void check_not_lvm_lv(const std::string& path) {
    const std::string uuid = dm_uuid_of(path);
    if (uuid.rfind("LVM-", 0) != 0)
        return;
    throw Error(Errc::device_in_use, kPreflight, path,
                "the device is an LVM logical volume; LVM does not look for PVs on LVs "
                "(devices/scan_lvs=0), so it could not become a PV; give the disk itself",
                {"dm uuid " + uuid});
}

void check_not_raid_member(const std::string& path,
                           const std::vector<blockdev::Signature>& signatures) {
    const std::string member = "_raid_member";
    for (const auto& signature : signatures) {
        const auto& type = signature.type;
        if (type.size() < member.size() ||
            type.compare(type.size() - member.size(), member.size(), member) != 0)
            continue;
        throw Error(Errc::device_in_use, kPreflight, path,
                    "the device is a member of a RAID array (" + type +
                        "); LVM refuses RAID members as PVs (\"device is an md component\") and "
                        "lvmkit does not erase one, even with --wipe-signatures: give the "
                        "array's device (/dev/mdN), or clear the member first (mdadm "
                        "--zero-superblock) if the array is no longer wanted",
                    {signature.describe()});
    }
}

std::string stable_name(const std::string& path) {
    dev_t number = 0;
    if (!block_number(path, number))
        return {};
    std::error_code ec;
    std::string best;
    int best_rank = 3;
    for (auto it = fs::directory_iterator(kById, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        dev_t other = 0;
        if (!block_number(it->path().string(), other) || other != number)
            continue;
        const int rank = preference(name);
        if (rank < best_rank || (rank == best_rank && it->path().string() < best)) {
            best = it->path().string();
            best_rank = rank;
        }
    }
    return best;
}

}  // namespace lvmkit::setup::internal
