/// @file
/// What a thin pool holds, read from the pool itself: the thin devices in its metadata (LVM's
/// thin LVs and the ones a container runtime made with dm messages), its mapped data, the devices
/// active on top of it, and whose metadata claims it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lvmkit/size.hpp"

namespace lvmkit::setup {

/// One thin device of Docker's devicemapper graph driver.
struct GraphLeftover {
    std::uint64_t id = 0;  ///< the thin device id in the pool
    std::string name;      ///< Docker's name for it: `base` or a layer/container hash
    Bytes data;            ///< data it maps (blocks shared with its snapshots count in each)
};

/// The pool's thin devices no LVM thin LV carries, sorted by who claims them.
struct GraphLeftovers {
    /// Docker's graph driver's devices: named by its metadata, by nobody else. Sorted by id.
    std::vector<GraphLeftover> devices;
    /// In containerd's snapshotter metadata (never removed).
    std::vector<std::uint64_t> containerd;
    /// Named by both Docker's and containerd's metadata (containerd reuses ids from 1 and marks
    /// the ones the pool refused as faulty): never removed, listed so a human can look.
    std::vector<std::uint64_t> ambiguous;
    /// Named by nobody lvmkit can read: never removed.
    std::vector<std::uint64_t> unattributed;
    /// Where Docker's metadata was looked for.
    std::string docker_metadata_dir;
    /// containerd's snapshotter databases read.
    std::vector<std::string> containerd_databases;
    /// Why the attribution could not be made (the pool's metadata or a database not read);
    /// empty when it was. With a note, nothing is removed.
    std::string note;

    /// The sum of the devices' mapped data.
    Bytes data() const;
    /// No device of Docker's graph driver is left.
    bool empty() const noexcept { return devices.empty(); }
    /// One line: "4 thin device(s) of Docker's devicemapper graph driver (ids 1-4), 298 MiB
    /// mapped (a block they share counts in each)", then the ids named twice or by nobody.
    std::string summary() const;
};

/// A thin pool's contents, as status() shows them and teardown() judges them.
struct PoolContents {
    /// The pool's figures below (data, transaction id) were read: from the kernel for an active
    /// pool, from its committed metadata for an inactive one.
    bool read = false;
    /// The pool was inactive: its metadata was read through LVM's read-only activation of the
    /// `<pool>_tmeta` component, which was deactivated again.
    bool read_inactive = false;
    /// The pool was inactive and its metadata could not be read (metadata_note says why, with
    /// LVM's message): nobody can tell it holds nothing, so teardown refuses without --force.
    bool metadata_unreadable = false;
    /// Thin LVs LVM knows in this pool (their names).
    std::vector<std::string> lvm_thin_volumes;
    /// Thin device ids in the pool's committed metadata; unset when it could not be read
    /// (then `metadata_note` says why).
    std::optional<std::size_t> thin_devices;
    /// Ids in the metadata that no thin LV of LVM carries: a runtime's devices (Docker's
    /// devicemapper driver, containerd's devmapper snapshotter send `create_thin`/`create_snap`).
    std::vector<std::uint64_t> unknown_thin_ids;
    /// The data each of `unknown_thin_ids` maps (blocks it shares with a snapshot count in both).
    std::map<std::uint64_t, Bytes> unknown_thin_data;
    /// Why the metadata's devices could not be counted; empty when they were.
    std::string metadata_note;
    /// dm devices stacked on the pool that are not LVM's LVs (a runtime's active thin devices).
    std::vector<std::string> active_devices;
    /// Data the pool maps (used data blocks times the block size).
    Bytes data_used;
    /// The kernel's metadata transaction id (a runtime's `set_transaction_id` moves it).
    std::uint64_t kernel_transaction_id = 0;
    /// LVM's recorded transaction id of the pool.
    std::optional<std::uint64_t> lvm_transaction_id;
    /// Who appears to own the devices: runtime metadata found under the target root.
    std::vector<std::string> owners;

    /// Anything lives in the pool: thin LVs, thin devices, mapped data, devices on top, or a
    /// transaction id LVM did not set.
    bool holds_anything() const;
    /// Thin devices counted: the metadata's count when read, else LVM's thin LVs plus active
    /// devices not LVM's.
    std::size_t device_count() const;
    /// One line for humans: how many devices, how much data, who owns them.
    std::string summary() const;
    /// One line per fact behind summary(), for error details.
    std::vector<std::string> details() const;
};

}  // namespace lvmkit::setup
