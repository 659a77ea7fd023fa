/// @file dm.hpp
/// @brief Device-mapper, in-process through libdevmapper: devices, tables, typed target status,
///        raw thin pools and thin volumes.
///
/// Every call takes lvmkit's libdevmapper lock, installs lvmkit's log hook (messages go to the log
/// sink, category `dm`) and the udev policy (see udev_sync_enabled()), runs one or a few ioctls and
/// returns plain values. Nothing here spawns `dmsetup`. Calls from several threads are
/// serialised (libdevmapper's state is process-wide). Nothing is removed implicitly: removal is
/// always an explicit call.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lvmkit/size.hpp"

namespace lvmkit::dm {

// ---- names -------------------------------------------------------------------------------------

/// The kernel's DM_NAME_LEN (128) less the terminating NUL.
inline constexpr std::size_t kMaxNameLength = 127;
/// The kernel's DM_UUID_LEN (129) less the terminating NUL.
inline constexpr std::size_t kMaxUuidLength = 128;

/// Checks a device-mapper name before it reaches an ioctl: 1..127 characters from udev's safe set
/// `[A-Za-z0-9#+-.:=@_]` (so libdevmapper never mangles it), not `.`, `..` or `control`.
/// @throws Error(Errc::invalid_argument) naming the rule the name breaks.
void validate_name(std::string_view name);

/// Checks a device-mapper uuid: 1..128 characters from the same set as names.
/// @throws Error(Errc::invalid_argument) naming the rule the uuid breaks.
void validate_uuid(std::string_view uuid);

// ---- target tables -----------------------------------------------------------------------------

/// `linear <device> <offset>`: maps onto @p device starting at @p offset.
struct LinearTarget {
    std::string device;  ///< a path (`/dev/loop0`) or `major:minor` as the kernel prints it
    Sectors offset;      ///< where on @ref device the mapping starts
    /// Same device string and offset.
    friend bool operator==(const LinearTarget& a, const LinearTarget& b) {
        return a.device == b.device && a.offset == b.offset;
    }
};

/// `error`: every I/O fails.
struct ErrorTarget {
    /// Always true: the target has no parameters.
    friend bool operator==(const ErrorTarget&, const ErrorTarget&) { return true; }
};

/// `zero`: reads return zeros, writes are dropped.
struct ZeroTarget {
    /// Always true: the target has no parameters.
    friend bool operator==(const ZeroTarget&, const ZeroTarget&) { return true; }
};

/// Optional features of a thin pool (the kernel's feature args).
struct ThinPoolFeatures {
    bool skip_block_zeroing = false;   ///< new blocks are not zeroed before first use
    bool ignore_discard = false;       ///< discards are not supported at all
    bool no_discard_passdown = false;  ///< discards free pool blocks but are not passed down
    bool read_only = false;            ///< the pool refuses metadata changes
    bool error_if_no_space = false;    ///< I/O fails at once when data space runs out (no queueing)
    /// Every flag equal.
    friend bool operator==(const ThinPoolFeatures& a, const ThinPoolFeatures& b) {
        return a.skip_block_zeroing == b.skip_block_zeroing &&
               a.ignore_discard == b.ignore_discard &&
               a.no_discard_passdown == b.no_discard_passdown && a.read_only == b.read_only &&
               a.error_if_no_space == b.error_if_no_space;
    }
};

/// Smallest and largest thin-pool data block sizes the kernel accepts (64 KiB .. 1 GiB), and the
/// multiple it wants (64 KiB).
inline constexpr Sectors kMinThinPoolBlockSize{128};
/// The largest thin-pool data block size the kernel accepts: 2097152 sectors (1 GiB).
inline constexpr Sectors kMaxThinPoolBlockSize{2097152};

/// `thin-pool <metadata dev> <data dev> <data block size> <low water mark> [<n> <features>...]`.
struct ThinPoolTarget {
    std::string metadata_device;   ///< a path or `major:minor`
    std::string data_device;       ///< a path or `major:minor`
    Sectors data_block_size{128};  ///< 64 KiB .. 1 GiB, a multiple of 64 KiB (default 64 KiB)
    /// In data blocks; an event fires when free blocks drop below.
    std::uint64_t low_water_mark = 0;
    ThinPoolFeatures features;  ///< the optional feature args
    /// Every field equal.
    friend bool operator==(const ThinPoolTarget& a, const ThinPoolTarget& b) {
        return a.metadata_device == b.metadata_device && a.data_device == b.data_device &&
               a.data_block_size == b.data_block_size && a.low_water_mark == b.low_water_mark &&
               a.features == b.features;
    }
};

/// `thin <pool dev> <device id> [<external origin dev>]`.
struct ThinTarget {
    std::string pool_device;                     ///< the pool's path or `major:minor`
    std::uint32_t device_id = 0;                 ///< 24 bits in the kernel (0..2^24-1)
    std::optional<std::string> external_origin;  ///< read-only origin for unprovisioned blocks
    /// Every field equal.
    friend bool operator==(const ThinTarget& a, const ThinTarget& b) {
        return a.pool_device == b.pool_device && a.device_id == b.device_id &&
               a.external_origin == b.external_origin;
    }
};

/// Any other target type (striped, crypt, ...), kept verbatim so a table read never fails on it.
struct OtherTarget {
    std::string type;    ///< the kernel's target type name, e.g. `striped`
    std::string params;  ///< the parameter string, verbatim
    /// Same type and parameter string.
    friend bool operator==(const OtherTarget& a, const OtherTarget& b) {
        return a.type == b.type && a.params == b.params;
    }
};

/// One target of a table line, typed where lvmkit knows the target type.
using Target =
    std::variant<LinearTarget, ErrorTarget, ZeroTarget, ThinPoolTarget, ThinTarget, OtherTarget>;

/// The largest thin device id the kernel accepts (24 bits).
inline constexpr std::uint32_t kMaxThinDeviceId = (1u << 24) - 1;

/// One line of a table: a range of the device and the target that maps it.
struct TableLine {
    Sectors start;   ///< first sector of the range on this device
    Sectors length;  ///< length of the range
    Target target;   ///< what maps it
    /// Same range and target.
    friend bool operator==(const TableLine& a, const TableLine& b) {
        return a.start == b.start && a.length == b.length && a.target == b.target;
    }
};

/// A device's table: its lines in order of start sector.
using Table = std::vector<TableLine>;

/// The kernel's type name of a target: `linear`, `error`, `zero`, `thin-pool`, `thin`, or the
/// OtherTarget's type.
std::string target_type(const Target& target);

/// The target's parameter string as the kernel reads it (what follows the type on a table line).
/// @throws Error(Errc::invalid_argument) for values the kernel would refuse (empty device,
///         bad block size, thin id over 24 bits, spaces inside a device).
std::string render_params(const Target& target);

/// Parses a target's parameter string for @p type; unknown types become OtherTarget.
/// @throws Error(Errc::parse_error) with the text in the message when it is malformed.
Target parse_target(std::string_view type, std::string_view params);

/// `<start> <length> <type> <params>` per line, `\n`-terminated (the `dmsetup table` format).
/// @throws Error(Errc::invalid_argument) as render_params().
std::string render_table(const Table& table);

/// Parses text in the format of render_table() (blank lines ignored).
/// @throws Error(Errc::parse_error) naming the line and what is wrong with it.
Table parse_table(std::string_view text);

// ---- typed status ------------------------------------------------------------------------------

/// The pool's mode as its status line reports it.
enum class PoolMode {
    read_write,        ///< `rw`: working normally
    read_only,         ///< `ro`: metadata changes refused (an error, or the `read_only` feature)
    out_of_data_space  ///< `out_of_data_space`: writes to unprovisioned blocks queue or fail
};
/// How the pool handles discards.
enum class DiscardMode {
    passdown,     ///< `discard_passdown`: frees pool blocks and passes discards down
    no_passdown,  ///< `no_discard_passdown`: frees pool blocks only
    ignore        ///< `ignore_discard`: discards are ignored
};
/// What the pool does with writes once data space is exhausted.
enum class NoSpacePolicy {
    queue,  ///< `queue_if_no_space`: I/O waits (for a while) for the pool to grow
    error   ///< `error_if_no_space`: I/O fails at once
};

/// The status-line word: `rw`, `ro` or `out_of_data_space`.
const char* to_string(PoolMode mode) noexcept;
/// The status-line word: `discard_passdown`, `no_discard_passdown` or `ignore_discard`.
const char* to_string(DiscardMode mode) noexcept;
/// The status-line word: `queue_if_no_space` or `error_if_no_space`.
const char* to_string(NoSpacePolicy policy) noexcept;

/// Thin-pool metadata blocks are always 4 KiB.
inline constexpr Bytes kThinMetadataBlockSize{4096};

/// A working pool's status:
/// `<transaction id> <used>/<total metadata blocks> <used>/<total data blocks>`
/// `<held root|-> <mode> <discards> <no-space policy> <needs_check|-> <metadata low water mark>`
/// (the fields after the discards appeared over kernels 3.x..4.x; mode and discards are
/// required, so a kernel older than 3.10 is not understood).
struct ThinPoolUsage {
    std::uint64_t transaction_id = 0;                 ///< the pool's metadata transaction id
    std::uint64_t used_metadata_blocks = 0;           ///< in 4 KiB metadata blocks
    std::uint64_t total_metadata_blocks = 0;          ///< in 4 KiB metadata blocks
    std::uint64_t used_data_blocks = 0;               ///< in data blocks (see data_block_size)
    std::uint64_t total_data_blocks = 0;              ///< in data blocks (see data_block_size)
    std::optional<std::uint64_t> held_metadata_root;  ///< set while a metadata snapshot is held
    PoolMode mode = PoolMode::read_write;             ///< the pool's mode
    DiscardMode discards = DiscardMode::passdown;     ///< how it handles discards
    /// Kernels before 3.14 print no policy: they always queue, so `queue` is what they do.
    NoSpacePolicy no_space_policy = NoSpacePolicy::queue;
    bool needs_check = false;  ///< the metadata needs `thin_check` before the pool is reused
    std::optional<std::uint64_t> metadata_low_water_mark;  ///< in metadata blocks (kernel 4.19+)
    /// The data block size from the pool's table; zero when only a status line was parsed.
    Sectors data_block_size;

    /// Used data blocks in percent of the total, 0..100 (0 when the total is 0).
    double data_percent() const noexcept;
    /// Used metadata blocks in percent of the total, 0..100 (0 when the total is 0).
    double metadata_percent() const noexcept;
    /// Used metadata in bytes (blocks times 4 KiB).
    Bytes used_metadata_bytes() const noexcept;
    /// Metadata device capacity in bytes (blocks times 4 KiB).
    Bytes total_metadata_bytes() const noexcept;
    /// Used data in bytes (blocks times data_block_size).
    /// @throws Error(Errc::invalid_argument) when data_block_size is unknown (zero).
    Bytes used_data_bytes() const;
    /// Data capacity in bytes (blocks times data_block_size).
    /// @throws Error(Errc::invalid_argument) when data_block_size is unknown (zero).
    Bytes total_data_bytes() const;
};

/// The kernel printed `Fail`: the pool is in failure mode (I/O errors on metadata or data).
struct ThinPoolFailed {};
/// The kernel printed `Error`: it could not read the pool's metadata to report status.
struct ThinPoolStatusError {};

/// A thin pool's status: working (with figures), failed or errored.
using ThinPoolStatus = std::variant<ThinPoolUsage, ThinPoolFailed, ThinPoolStatusError>;

/// Parses a thin-pool status line (the params part, after `thin-pool`).
/// @throws Error(Errc::parse_error) with the text in the message when it is not a thin-pool
///         status line (unknown words, truncated, numbers out of range, used > total).
ThinPoolStatus parse_thin_pool_status(std::string_view params);

/// A thin volume's status: `<mapped sectors> <highest mapped sector|->`, or `Fail`.
struct ThinUsage {
    Sectors mapped;                         ///< sectors provisioned for the volume
    std::optional<Sectors> highest_mapped;  ///< none while nothing is mapped
};
/// The kernel printed `Fail` for a thin volume.
struct ThinFailed {};
/// A thin volume's status: working (with figures) or failed.
using ThinStatus = std::variant<ThinUsage, ThinFailed>;

/// Parses a thin status line (the params part, after `thin`).
/// @throws Error(Errc::parse_error) with the text in the message.
ThinStatus parse_thin_status(std::string_view params);

// ---- devices -----------------------------------------------------------------------------------

/// A block device number.
struct DeviceNumber {
    std::uint32_t major = 0;  ///< the major number
    std::uint32_t minor = 0;  ///< the minor number
    /// `major:minor`, the way tables name devices.
    std::string str() const;
    /// Same major and minor.
    friend bool operator==(DeviceNumber a, DeviceNumber b) {
        return a.major == b.major && a.minor == b.minor;
    }
};

/// What DM_DEVICE_INFO reports.
struct DeviceInfo {
    bool exists = false;             ///< all other fields are meaningful only when true
    std::string name;                ///< the name asked about
    std::string uuid;                ///< empty when the device has none
    DeviceNumber number;             ///< the device's major:minor
    std::int32_t open_count = 0;     ///< how many openers it has (mounts, holders, processes)
    bool suspended = false;          ///< I/O is suspended
    bool read_only = false;          ///< the live table is read-only
    bool live_table = false;         ///< a table is active
    bool inactive_table = false;     ///< a table is loaded and waits for resume()
    bool deferred_remove = false;    ///< a deferred removal is pending
    std::uint32_t event_number = 0;  ///< the kernel's event counter (bumped by target events)
    std::int32_t target_count = 0;   ///< number of targets in the live table
};

/// One device in list_devices().
struct DeviceEntry {
    std::string name;     ///< the device-mapper name
    DeviceNumber number;  ///< its major:minor
};

/// One target's status line.
struct TargetStatus {
    Sectors start;     ///< first sector of the target's range
    Sectors length;    ///< length of the range
    std::string type;  ///< the target type, e.g. `thin-pool`
    std::string
        params;  ///< the status text after the type, verbatim (see parse_thin_pool_status())
};

/// Options for create().
struct CreateOptions {
    std::string uuid;        ///< empty: no uuid
    bool read_only = false;  ///< load the table read-only
};

/// Options for suspend().
struct SuspendOptions {
    bool no_flush = false;     ///< do not flush queued I/O (needed for a pool that is out of space)
    bool skip_lockfs = false;  ///< do not freeze a filesystem on the device
};

/// Options for remove().
struct RemoveOptions {
    /// Let libdevmapper retry a removal that fails with EBUSY (it tries for a few seconds; a
    /// short-lived opener such as blkid from udev is the usual cause).
    bool retry = true;
    /// Deferred removal: if the device is open, the kernel removes it when the last opener closes
    /// it, and remove() returns at once (kernel 3.13+).
    bool deferred = false;
};

/// True when lvmkit synchronises with udev: udev runs (`/run/udev/control` exists) and
/// `DM_DISABLE_UDEV` is unset. Otherwise no cookies are used and libdevmapper creates and removes
/// the `/dev/mapper` nodes itself.
bool udev_sync_enabled();

/// How long a udev wait may take before the call fails with Errc::timeout (default 30 s).
void set_udev_wait_timeout(std::chrono::milliseconds timeout);

/// Every device-mapper device, sorted by name.
/// @throws Error(Errc::dm_failed) with libdevmapper's messages.
std::vector<DeviceEntry> list_devices();

/// Info about @p name; `exists` is false when there is no such device.
/// @throws Error(Errc::invalid_argument) for a bad name, Error(Errc::dm_failed) otherwise.
DeviceInfo info(const std::string& name);

/// The live table of @p name.
/// @throws Error(Errc::not_found) when there is no such device; Error(Errc::dm_failed).
Table table(const std::string& name);

/// The status line of each target of @p name.
/// @param name the device-mapper name
/// @param no_flush do not let a thin pool commit metadata first (kernel DM_NOFLUSH_FLAG)
/// @throws Error(Errc::not_found) when there is no such device; Error(Errc::dm_failed).
std::vector<TargetStatus> status(const std::string& name, bool no_flush = false);

/// The typed status of a thin pool device (e.g. `docker-thinpool` or `docker-thinpool-tpool`),
/// including its data block size from the table.
/// @param name the device-mapper name of the pool
/// @param commit_first let the kernel commit the pool's metadata before reporting (what plain
///        `dmsetup status` does): a superblock write and a flush of the metadata device on each
///        call. The default reads the kernel's in-core figures, which are current; the kernel
///        commits by itself every second and on every flush from a thin device.
/// @throws Error(Errc::not_found) when there is no such device; Error(Errc::mismatch) when it is
///         not a single thin-pool target; Error(Errc::parse_error) for a status line lvmkit can
///         not read.
ThinPoolStatus thin_pool_status(const std::string& name, bool commit_first = false);

/// The typed status of a thin volume.
/// @throws as thin_pool_status().
ThinStatus thin_status(const std::string& name);

/// Creates @p name with @p table, loaded and resumed, and its `/dev/mapper` node.
/// libdevmapper removes the half-made device itself if loading or resuming fails.
/// @throws Error(Errc::invalid_argument) for a bad name/uuid/table, Error(Errc::already_exists),
///         Error(Errc::device_in_use) when a target's device is held exclusively (EBUSY),
///         Error(Errc::dm_failed) with the kernel's refusal otherwise.
void create(const std::string& name, const Table& table, const CreateOptions& options = {});

/// Loads @p table as the inactive table of @p name (takes effect on resume()).
/// @throws as create(), Error(Errc::not_found).
void reload(const std::string& name, const Table& table);

/// Suspends @p name.
/// @throws Error(Errc::not_found), Error(Errc::dm_failed)
void suspend(const std::string& name, const SuspendOptions& options = {});

/// Resumes @p name (switching to the inactive table if one was loaded).
/// @throws Error(Errc::not_found), Error(Errc::dm_failed), Error(Errc::timeout) (udev wait)
void resume(const std::string& name);

/// Renames @p name to @p new_name.
/// @throws Error(Errc::invalid_argument), Error(Errc::not_found), Error(Errc::already_exists)
void rename(const std::string& name, const std::string& new_name);

/// Removes @p name and its node.
/// @throws Error(Errc::not_found), Error(Errc::busy) (still open), Error(Errc::dm_failed)
void remove(const std::string& name, const RemoveOptions& options = {});

/// Sends @p message to the target at @p sector of @p name; returns the target's reply (often "").
/// @throws Error(Errc::not_found), Error(Errc::dm_failed) with the kernel's refusal
std::string message(const std::string& name, const std::string& message, Sectors sector = {});

// ---- raw thin pools ----------------------------------------------------------------------------

/// A thin pool made directly from two block devices, without LVM (what containerd's devmapper
/// snapshotter and Docker's loop-lvm mode do).
struct RawThinPoolSpec {
    std::string name;              ///< device-mapper name of the pool
    std::string metadata_device;   ///< its first 4 KiB are zeroed: the pool starts empty
    std::string data_device;       ///< the pool spans all of it, rounded down to whole data blocks
    Sectors data_block_size{128};  ///< 64 KiB .. 1 GiB, a multiple of 64 KiB
    std::uint64_t low_water_mark = 0;  ///< in data blocks
    ThinPoolFeatures features;         ///< the pool's feature args
};

/// A thin pool device by name, with its messages. It does not own the device: destroying it
/// leaves the pool as it is; remove_thin_pool() removes it.
class ThinPool {
  public:
    /// Refers to an existing pool device (no ioctl until a method is called).
    /// @throws Error(Errc::invalid_argument) for a bad name.
    explicit ThinPool(std::string name);

    /// The pool's device-mapper name.
    const std::string& name() const noexcept { return name_; }
    /// thin_pool_status() of the pool (in-core figures, no commit).
    /// @throws as thin_pool_status().
    ThinPoolStatus status() const;

    /// Creates thin device @p id (message `create_thin`).
    /// @throws Error(Errc::invalid_argument) id over 24 bits; Error(Errc::dm_failed) e.g. id taken
    void create_thin(std::uint32_t id) const;
    /// Creates thin device @p id as a snapshot of @p origin_id (message `create_snap`); suspend
    /// an active origin first so the snapshot is consistent.
    void create_snap(std::uint32_t id, std::uint32_t origin_id) const;
    /// Deletes thin device @p id and frees its blocks (message `delete`); deactivate it first.
    void delete_thin(std::uint32_t id) const;
    /// Message `set_transaction_id <current> <next>`; the kernel refuses when current is wrong.
    void set_transaction_id(std::uint64_t current, std::uint64_t next) const;
    /// Activates thin device @p id as device @p name with @p size (its virtual size).
    /// @throws Error(Errc::invalid_argument) for a bad name or zero size; as create()
    void activate_thin(const std::string& name, std::uint32_t id, Sectors size) const;
    /// Names of the active thin devices that map onto this pool (a thin target naming the pool
    /// by path or by major:minor), sorted.
    /// @throws Error(Errc::not_found) when the pool does not exist; as table()
    std::vector<std::string> active_thins() const;

  private:
    std::string name_;
};

/// Validates @p spec, checks both devices can be opened exclusively and the metadata device has
/// at least 2 MiB, zeroes the start of the metadata device, then creates the pool device spanning
/// the whole data device (rounded down to whole data blocks).
/// Nothing is written when a check fails.
/// @throws Error(Errc::invalid_argument) bad spec; Error(Errc::not_found) missing device;
///         Error(Errc::already_exists) the name is taken; Error(Errc::insufficient_space) a
///         device is too small; Error(Errc::device_in_use) a device is
///         held (mounted, used by another dm device); Error(Errc::io_error) zeroing failed;
///         as create().
ThinPool create_thin_pool(const RawThinPoolSpec& spec);

/// Removes a pool device; its thin volumes must be removed first.
/// @throws as remove().
void remove_thin_pool(const std::string& name, const RemoveOptions& options = {});

/// Deactivates every active thin device of pool @p name, then the pool. The thin devices'
/// data stays in the pool's metadata (nothing is deleted); creating a pool over the same
/// devices with create_thin_pool() would zero it.
/// @throws as remove(); Error(Errc::busy) names the thin device still open.
void teardown_thin_pool(const std::string& name, const RemoveOptions& options = {});

}  // namespace lvmkit::dm
