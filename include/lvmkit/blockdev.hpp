/// @file blockdev.hpp
/// @brief What is on a block device before anything is destroyed, and wiping its signatures.
///
/// Everything here runs in-process over libblkid, sysfs and /proc: no `blkid`, `wipefs` or `lsblk`
/// process. A probe that fails never reads as "empty": inspect() throws, and assess() turns the
/// failure into Verdict::Kind::unknown, which callers must treat as a refusal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lvmkit/size.hpp"

namespace lvmkit::blockdev {

/// What a signature is used for (libblkid's USAGE, plus partition tables).
enum class Usage {
    filesystem,       ///< USAGE `filesystem` (ext4, xfs, vfat, ...)
    raid,             ///< USAGE `raid` (md, LVM2_member, ...)
    crypto,           ///< USAGE `crypto` (LUKS, ...)
    partition_table,  ///< a partition table (PTTYPE: `dos`, `gpt`, `PMBR`, ...)
    other             ///< any other USAGE libblkid reports (e.g. `swap`)
};

/// `filesystem`, `raid`, `crypto`, `partition_table`, `other`.
const char* to_string(Usage usage) noexcept;

/// What the LVM label and metadata area of an `LVM2_member` say about its volume group.
struct LvmPvInfo {
    /// Whether the PV belongs to a volume group, as far as its metadata area tells.
    enum class Membership {
        unknown,  ///< no readable metadata area (metadata copies ignored or absent, or damaged)
        orphan,   ///< metadata area readable and empty: a PV in no volume group
        member,   ///< the metadata names a volume group (`vg_name`)
    };
    Membership membership = Membership::unknown;  ///< what the metadata area says
    std::string vg_name;                          ///< set when membership is `member`
    std::string pv_uuid;  ///< the 32-character PV UUID from the PV header, without dashes
};

/// One signature (magic string) libblkid found, as `wipefs` lists it.
struct Signature {
    std::string type;  ///< libblkid's TYPE or PTTYPE: `ext4`, `LVM2_member`, `gpt`, `PMBR`...
    Usage usage = Usage::other;    ///< what the signature is used for
    Bytes offset;                  ///< where the magic string starts
    std::string magic;             ///< the magic bytes themselves (binary)
    std::string label;             ///< filesystem label, if any
    std::string uuid;              ///< filesystem / PV / table UUID, if any
    std::string version;           ///< superblock version, if libblkid reports one
    std::optional<LvmPvInfo> lvm;  ///< for `LVM2_member` only

    /// One line for humans, e.g. `ext4 (filesystem) at offset 1080, label "data", UUID ...`.
    std::string describe() const;
};

/// The I/O topology the kernel reports (libblkid topology chain).
struct Topology {
    Bytes logical_sector_size{512};   ///< smallest addressable unit (512 for image files)
    Bytes physical_sector_size{512};  ///< the device's internal sector size
    Bytes alignment_offset;           ///< offset of the first naturally aligned sector
    Bytes minimum_io_size;            ///< smallest I/O without read-modify-write (0 for images)
    Bytes optimal_io_size;            ///< 0 when the device does not report one
};

/// A partition, as the kernel knows it or as the partition table on the device describes it.
struct Partition {
    unsigned number = 0;      ///< partition number (1 for `sdb1`)
    Bytes start;              ///< offset from the start of the disk
    Bytes size;               ///< length
    std::string kernel_name;  ///< `sdb1`, `loop0p1` (kernel partitions only)
    std::string type;         ///< table partitions: `0x83` (dos) or the GPT type GUID
    std::string name;         ///< GPT partition name
    std::string uuid;         ///< PARTUUID
};

/// A mount of the device or of one of its partitions (from /proc/self/mountinfo).
struct Mount {
    std::string kernel_name;  ///< which device is mounted: the device itself or a partition
    std::string mount_point;  ///< where, as mountinfo shows it (unescaped)
    std::string fstype;       ///< the mounted filesystem type, e.g. `ext4`
};

/// A device stacked on the device or on one of its partitions (/sys/class/block/X/holders), or
/// for an image file a loop device it backs.
struct Holder {
    std::string held_kernel_name;  ///< the device or partition that is held (`the image`)
    std::string kernel_name;       ///< the holder: `dm-0`, `md127`, `loop3`
    std::string kind;              ///< `dm`, `md`, `loop` or `other`
    std::string name;              ///< dm name (`docker-thinpool`) or md name, when known
};

/// Active swap on the device or one of its partitions (/proc/swaps).
struct Swap {
    std::string kernel_name;  ///< which device; empty for a swap file that is the image itself
    std::string path;         ///< as /proc/swaps names it
};

/// Everything lvmkit knows about a device before it writes to it.
struct DeviceInfo {
    std::string path;              ///< as given
    std::string resolved_path;     ///< symlinks resolved, e.g. `/dev/sdb` for `/dev/disk/by-id/...`
    bool is_block_device = false;  ///< false only for image files (InspectOptions)
    unsigned major = 0;            ///< device major number (0 for image files)
    unsigned minor = 0;            ///< device minor number (0 for image files)
    std::string kernel_name;       ///< `sdb`, `loop3`, `dm-2`; empty for image files
    Bytes size;                    ///< the device's (or image file's) size
    Topology topology;             ///< I/O topology (defaults for image files)
    bool rotational = false;       ///< the kernel says the (whole) disk rotates
    bool read_only = false;        ///< read-only device (sysfs `ro`), or an image not writable
    bool is_partition = false;     ///< the device is a partition of `parent_kernel_name`
    std::string parent_kernel_name;            ///< the whole disk of a partition
    std::vector<Partition> kernel_partitions;  ///< partitions the kernel has (sysfs)
    std::string partition_table_type;          ///< `dos`, `gpt`... from the table; empty if none
    std::string partition_table_uuid;          ///< PTUUID of that table; empty if none
    std::vector<Partition> table_partitions;   ///< partitions the table on the device lists
    std::vector<Holder> holders;               ///< devices stacked on it or its partitions
    std::vector<Mount> mounts;                 ///< mounts of it or its partitions
    std::vector<Swap> swaps;                   ///< active swap on it or its partitions
    /// Another opener holds the device exclusively (O_EXCL refused with EBUSY) although no mount,
    /// holder or swap explains it (e.g. a running mkfs, a filesystem in another mount namespace).
    bool exclusively_opened_elsewhere = false;
    std::vector<Signature> signatures;  ///< in the order libblkid reports them

    /// True when mounted, swap, held or opened exclusively elsewhere. Kernel partitions alone do
    /// not count (judge() reports them as `has_signatures`).
    bool in_use() const noexcept;
};

/// How inspect(), assess() and wipe() treat their path.
struct InspectOptions {
    /// Accept a regular file (a disk image) as well as a block device. Off by default: a typo
    /// naming a file must not be "inspected" as if it were a disk.
    bool allow_regular_file = false;
    /// Skip the topology and the partition table's entries (DeviceInfo::topology and
    /// `table_partitions` stay empty): the signatures (a partition table's among them), users,
    /// kernel partitions and size are read as always. What setup judges a device by; two of
    /// libblkid's three probes less.
    bool signatures_and_users_only = false;
};

/// Resolves @p path and reads everything about the device.
/// @throws Error(Errc::not_found) when the path does not exist;
///         Error(Errc::invalid_argument) when it is not a block device (or a regular file with
///         `allow_regular_file`);
///         Error(Errc::blkid_failed) when libblkid cannot probe it;
///         Error(Errc::io_error) when the device, sysfs or /proc can not be read.
DeviceInfo inspect(const std::string& path, const InspectOptions& options = {});

/// The decision the setup layer acts on.
struct Verdict {
    /// The overall decision.
    enum class Kind {
        free,            ///< no signatures, no partitions, not in use: safe to use
        has_signatures,  ///< only signatures / a partition table: usable if wiping is permitted
        in_use,          ///< mounted, swap, held, opened exclusively: refuse whatever the flags
        unknown,         ///< the device could not be fully read: refuse
    };
    Kind kind = Kind::unknown;  ///< the decision
    /// One sentence per fact behind the verdict (each signature with its offset, each mount,
    /// holder, swap, or the failure that made it unknown).
    std::vector<std::string> reasons;
    std::vector<Signature> signatures;  ///< every signature found (empty when unknown)
    /// The inspection, when it completed (absent for `unknown` after a failed probe).
    std::optional<DeviceInfo> device;

    /// `free`, `has signatures: ...`, `in use: ...`, `unknown: ...` on one line.
    std::string summary() const;
};

/// `free`, `has_signatures`, `in_use`, `unknown`.
const char* to_string(Verdict::Kind kind) noexcept;

/// The verdict for an inspection that completed. Pure: no I/O.
Verdict judge(const DeviceInfo& device);

/// Inspects @p path for writing and judges it. Probe and read failures become `unknown` (with the
/// reason); only errors about the path itself throw.
/// @throws Error(Errc::not_found), Error(Errc::invalid_argument) as resolve() does;
///         Error(Errc::permission_denied) when the device is read-only.
Verdict assess(const std::string& path, const InspectOptions& options = {});

/// Selects signatures for wipe(): by type, and by offset when given.
struct SignatureSelector {
    std::string type;             ///< libblkid TYPE/PTTYPE, e.g. `ext4`, `gpt`
    std::optional<Bytes> offset;  ///< only the magic string at this offset
};

/// What wipe() removes.
struct WipeOptions {
    /// Empty: every signature libblkid finds (`wipefs -a`). Otherwise only these; every selector
    /// must match a signature on the device, or nothing is written.
    std::vector<SignatureSelector> only;
    bool allow_regular_file = false;  ///< as InspectOptions::allow_regular_file
};

/// What wipe() did.
struct WipeResult {
    std::vector<Signature> wiped;  ///< in the order they were erased
    /// The kernel was asked to re-read the partition table (a table was erased on a whole disk).
    bool partition_table_reread = false;
};

/// Erases signatures (their magic strings, as `wipefs` does), flushes, and checks the result.
///
/// Refuses, whatever the options, when the device or one of its partitions is mounted, active
/// swap, held by dm/md, or opened exclusively elsewhere: block devices are opened with O_EXCL and
/// checked again while held. On a failed write the magic strings already erased are written back.
/// @throws Error(Errc::not_found) for a missing path, or a selector that matches nothing;
///         Error(Errc::invalid_argument) for a path that is not a block device;
///         Error(Errc::permission_denied) for a read-only device;
///         Error(Errc::device_in_use) naming the mount, swap or holder;
///         Error(Errc::blkid_failed) when probing fails (nothing was written);
///         Error(Errc::io_error) when a write or the flush fails and everything erased was put
///         back, or signatures remain afterwards;
///         Error(Errc::rollback_incomplete) when putting the erased magic strings back failed too.
WipeResult wipe(const std::string& path, const WipeOptions& options = {});

}  // namespace lvmkit::blockdev
