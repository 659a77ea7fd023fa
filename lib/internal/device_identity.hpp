// Which device a path names, whatever the name: device numbers after symlinks, LVM's own LVs,
// and the stable /dev/disk/by-id name of a device.
#pragma once

#include <string>
#include <vector>

#include "lvmkit/blockdev.hpp"

namespace lvmkit::setup::internal {

/// @p path with `//`, `/./` and a trailing `/` collapsed, so `/dev//sdb` and `/dev/sdb` compare
/// equal without looking at the machine.
std::string lexically_normal_device(const std::string& path);

/// Refuses two of @p devices that name one block device (same st_rdev after resolving symlinks:
/// `/dev/loop0` and a symlink to it). Paths that do not stat are left to the device probe.
/// @throws Error(Errc::invalid_argument, "preflight")
void check_distinct_devices(const std::vector<std::string>& devices);

/// Refuses an LVM logical volume (its dm UUID starts with `LVM-`) given as a device: LVM does not
/// scan LVs for PV labels (`devices/scan_lvs=0`), so pvcreate on it would fail after preflight.
/// @throws Error(Errc::device_in_use, "preflight")
void check_not_lvm_lv(const std::string& path);

/// Refuses a member of a RAID array (a `*_raid_member` signature: md's `linux_raid_member`, or a
/// firmware RAID's), assembled or not, whatever wipe permission the spec gives: LVM refuses md
/// components even with `pvcreate -ff` ("device is an md component"), and erasing the member's
/// superblock would take a disk from an array.
/// @throws Error(Errc::device_in_use, "preflight")
void check_not_raid_member(const std::string& path,
                           const std::vector<blockdev::Signature>& signatures);

/// The dm UUID of the device @p path names, or empty when it is no dm device.
std::string dm_uuid_of(const std::string& path);

/// A `/dev/disk/by-id/` name of the device @p path names, preferring `wwn-`, then a bus name
/// (`ata-`, `nvme-`, `scsi-`, `virtio-`), never a partition's; empty when there is none (loop
/// devices, no udev). Does not throw.
std::string stable_name(const std::string& path);

}  // namespace lvmkit::setup::internal
