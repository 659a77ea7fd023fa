/// @file lvm.hpp
/// @brief Typed LVM operations and reports, run in-process through liblvm2cmd.
///
/// liblvm2cmd keeps global state and is not thread-safe: every call made through any
/// lvm::Session, from any thread, is serialised on one process-wide handle. The handle is created
/// on first use and released by lvm::release_session() or at process exit. What liblvm2cmd changes
/// in the process (umask, locale, stdio streams, its log callback, libdevmapper's control fd) is
/// restored or accounted for after every call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "lvmkit/names.hpp"
#include "lvmkit/size.hpp"

namespace lvmkit::lvm {

/// An absolute path to an existing block device, checked when built.
class DevicePath {
  public:
    /// @throws Error(Errc::invalid_argument) for a relative or empty path, or one that is not a
    ///         block device; Error(Errc::not_found) when nothing exists at @p path.
    explicit DevicePath(std::string_view path);

    /// The path as given (not resolved).
    const std::string& str() const noexcept { return path_; }

    /// Same path string (two paths to one device compare unequal).
    friend bool operator==(const DevicePath& a, const DevicePath& b) { return a.path_ == b.path_; }

  private:
    std::string path_;
};

/// A metadata profile name (a file `<profile_dir>/<name>.profile`): LVM's name characters.
class ProfileName {
  public:
    /// @throws Error(Errc::invalid_argument) naming the rule the text breaks.
    explicit ProfileName(std::string_view text);
    /// The validated name.
    const std::string& str() const noexcept { return name_; }

  private:
    std::string name_;
};

/// One value of an lvm.conf setting.
using ConfigValue = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

/// Settings passed to every command of a session as one `--config` text, built from typed values.
class ConfigOverride {
  public:
    /// Sets `section/key` (lower case, digits and `_`) to @p value; a later set of the same key
    /// replaces the earlier one. Strings may not contain quotes, backslashes or control characters.
    /// @throws Error(Errc::invalid_argument)
    ConfigOverride& set(std::string_view key, ConfigValue value);

    /// The settings in the order first set: `section/key` and value.
    const std::vector<std::pair<std::string, ConfigValue>>& entries() const noexcept {
        return entries_;
    }

  private:
    std::vector<std::pair<std::string, ConfigValue>> entries_;
};

/// How a session runs commands.
struct SessionOptions {
    /// When not empty, LVM scans only these devices (a `devices/filter` accepting exactly them,
    /// with `devices/use_devicesfile=0` because LVM ignores filters while a devices file is in
    /// use), so the cost does not grow with the number of block devices on the host. The
    /// session's commands then neither read nor edit LVM's devices file.
    std::vector<DevicePath> scan_only;
    /// `activation/monitoring`: whether activation registers LVs with dmeventd.
    std::optional<bool> monitoring;
    /// Further settings (e.g. `allocation/zero_metadata`), applied after the ones above.
    /// Settings lvmkit relies on are refused, not overridden: Session's constructor throws
    /// Error(Errc::invalid_argument) naming the key for any `report/...` key (lvmkit pins the
    /// report settings it parses LVM's JSON reports with), `log/report_command_log` (it adds
    /// LVM's command log to the JSON reports lvmkit parses), `devices/filter`
    /// and `devices/use_devicesfile` when `scan_only` is set and `activation/monitoring` when
    /// `monitoring` is set.
    ConfigOverride extra;
};

// ---- reports ------------------------------------------------------------------------------------

/// One physical volume (`pvs`).
struct PvReport {
    std::string name;  ///< device path
    std::string vg;    ///< empty for an orphan PV
    Bytes size;        ///< `pv_size`
    Bytes free;        ///< `pv_free`: unallocated space
    std::string uuid;  ///< `pv_uuid`, with dashes
};

/// One volume group (`vgs`).
struct VgReport {
    std::string name;                ///< `vg_name`
    std::string uuid;                ///< `vg_uuid`, with dashes
    Bytes size;                      ///< `vg_size`
    Bytes free;                      ///< `vg_free`: unallocated space
    Bytes extent_size;               ///< `vg_extent_size`
    std::uint64_t extent_count = 0;  ///< `vg_extent_count`: total extents
    std::uint64_t free_extents = 0;  ///< `vg_free_count`: unallocated extents
    std::uint64_t pv_count = 0;      ///< `pv_count`
    std::uint64_t lv_count = 0;      ///< `lv_count`: visible LVs (hidden sub-LVs not counted)
    std::string attributes;          ///< `vg_attr`, e.g. `wz--n-`
};

/// The volume type, first character of `lv_attr`.
enum class LvType {
    plain,           ///< `-`: a plain (e.g. linear) volume
    thin_pool,       ///< `t`: a thin pool
    thin_volume,     ///< `V`: a thin volume
    thin_pool_data,  ///< `T`: a pool's data sub-LV (`_tdata`)
    pool_metadata,   ///< `e`: a pool's metadata sub-LV (`_tmeta`) or the metadata spare
    other            ///< any other type character
};

/// `lv_attr` decoded.
struct LvAttributes {
    std::string raw;              ///< the 10 characters as LVM prints them
    LvType type = LvType::other;  ///< from the first character
    bool active = false;          ///< state `a`
    bool open = false;            ///< device open `o`
};

/// One logical volume (`lvs -a`). Hidden sub-LVs are listed without LVM's brackets.
struct LvReport {
    std::string name;                        ///< `lv_name`, without brackets
    std::string vg;                          ///< `vg_name`
    std::string full_name;                   ///< `vg/lv`
    std::string uuid;                        ///< `lv_uuid`, with dashes
    LvAttributes attributes;                 ///< `lv_attr`, decoded
    bool active = false;                     ///< `lv_active` is `active`
    bool hidden = false;                     ///< a sub-LV LVM manages itself (`[thinpool_tdata]`)
    Bytes size;                              ///< `lv_size`
    std::string segment_type;                ///< `linear`, `thin-pool`, `thin`, ...
    std::string pool;                        ///< the pool of a thin volume
    std::string data_lv;                     ///< the data sub-LV of a pool
    std::string metadata_lv;                 ///< the metadata sub-LV of a pool
    std::optional<double> data_percent;      ///< pools and thin volumes; unset when LVM has none
    std::optional<double> metadata_percent;  ///< pools; unset when LVM reports none
    Bytes chunk_size;                        ///< 0 when not a pool
    std::optional<bool> zeroing;             ///< thin pools: zeroing of new blocks
    std::string discards;                    ///< `passdown`, `nopassdown`, `ignore` or empty
    std::string profile;                     ///< attached metadata profile or empty
    std::string seg_monitor;                 ///< `monitored`, `not monitored`, ... or empty
    bool monitored = false;                  ///< seg_monitor is `monitored`
    std::optional<std::uint64_t> transaction_id;  ///< thin pools: metadata transaction id
    /// Thin pools: `lv_when_full`, `queue` or `error` (`--errorwhenfull`); empty otherwise.
    std::string when_full;
    std::optional<std::uint64_t> thin_id;  ///< thin volumes: the device id in the pool
};

/// PVs and their VGs from one `pvs` report (Session::pvs_with_vgs()).
struct PvsAndVgs {
    std::vector<PvReport> pvs;  ///< as Session::pvs() reports them
    std::vector<VgReport> vgs;  ///< each VG with a PV in `pvs` once, as Session::vgs() reports it
};

// ---- operation options --------------------------------------------------------------------------

/// `pvcreate` options.
struct PvCreateOptions {
    std::optional<Bytes> data_alignment;      ///< `--dataalignment`
    std::optional<Bytes> metadata_size;       ///< `--metadatasize`
    std::optional<unsigned> metadata_copies;  ///< `--pvmetadatacopies` (0, 1 or 2)
    /// `-ff --yes`: write a new label over a PV that is marked in use by a VG LVM can not find
    /// (pvs shows its VG as `[unknown]`), which pvcreate otherwise refuses. Only for a label the
    /// caller has proven holds no VG metadata (an interrupted vgcreate): -ff would also take a
    /// PV away from a VG whose metadata lives on other devices.
    bool overwrite_stranded_label = false;
};

/// Options of Session::remove_pv().
struct PvRemoveOptions {
    /// `-ff --yes`: remove a label that is marked in use by a VG LVM can not find (pvs shows
    /// `[unknown]`), which pvremove otherwise refuses. Only for a label proven to hold no VG
    /// metadata (see PvCreateOptions::overwrite_stranded_label).
    bool remove_stranded_label = false;
};

/// Thin pool discards handling (`--discards`).
enum class Discards {
    ignore,      ///< `ignore`
    nopassdown,  ///< `nopassdown`
    passdown     ///< `passdown` (LVM's default)
};

/// Options shared by the two ways to make a thin pool.
struct ThinPoolOptions {
    std::optional<Bytes> chunk_size;     ///< `-c`: 64 KiB .. 1 GiB, a multiple of 64 KiB
    std::optional<bool> zeroing;         ///< `--zero`
    std::optional<Discards> discards;    ///< `--discards`
    std::optional<ProfileName> profile;  ///< `--metadataprofile`
    /// `--errorwhenfull y|n`: fail writes at once when the data space is full, instead of
    /// queueing them (LVM's default).
    std::optional<bool> error_when_full;
};

/// `lvcreate` of a linear LV.
struct LinearLvOptions {
    /// `--wipesignatures y|n`; y also answers LVM's wipe prompt (an explicit choice here).
    std::optional<bool> wipe_signatures;
    /// PVs of the VG to allocate from (lvcreate's position arguments); empty: anywhere in the
    /// VG. A size of `N%PVS` is a percentage of their free space; without PVs, lvcreate reads
    /// `N%PVS` as `N%VG`.
    std::vector<DevicePath> pvs = {};
};

/// Whether remove_vg may take logical volumes with it.
enum class VgRemoveMode { only_if_empty, with_lvs };

/// Validates a thin pool chunk size against lvm2/dm-thin's limits (DM_THIN_MIN_DATA_BLOCK_SIZE
/// 128 sectors = 64 KiB, DM_THIN_MAX_DATA_BLOCK_SIZE 2097152 sectors = 1 GiB, a multiple of 64
/// KiB).
/// @throws Error(Errc::invalid_argument) naming the limit broken.
void check_chunk_size(Bytes chunk);

/// Validates a thin pool metadata size against lvm2's limits (DM_THIN_MIN_METADATA_SIZE 2 MiB,
/// DM_THIN_MAX_METADATA_SIZE 33161216 sectors = 15.81 GiB).
/// @throws Error(Errc::invalid_argument) naming the limit broken.
void check_metadata_size(Bytes size);

/// A view on the process-wide liblvm2cmd session with its own configuration override.
/// Cheap to build; any number may exist; their calls are serialised.
/// Every operation that fails throws Error with the error-level messages LVM logged as details,
/// mapped to an Errc when the meaning is clear (already_exists, not_found, insufficient_space,
/// device_in_use, invalid_argument, permission_denied), else Errc::lvm_failed; the message names
/// the lvm2_run return code.
class Session {
  public:
    /// A session with @p options. Builds the `--config` text once, so a bad setting is refused
    /// here rather than at the first command; does not touch liblvm2cmd.
    /// @throws Error(Errc::invalid_argument) for a `scan_only` path that can not be put in a
    ///         device filter (characters outside `A-Za-z0-9/_.+:-`), or an `extra` key lvmkit
    ///         relies on (see SessionOptions::extra).
    explicit Session(SessionOptions options = {});

    // PVs
    /// `pvcreate`. @throws Error
    void create_pv(const DevicePath& device, const PvCreateOptions& options = {});
    /// `pvremove` (refused by LVM while the PV is in a VG). @throws Error
    void remove_pv(const DevicePath& device, const PvRemoveOptions& options = {});
    /// `pvresize`, to the device size or to @p size. @throws Error
    void resize_pv(const DevicePath& device, std::optional<Bytes> size = std::nullopt);

    // VGs
    /// `vgcreate [-s extent_size] vg devices...`. @throws Error
    void create_vg(const VgName& vg, const std::vector<DevicePath>& devices,
                   std::optional<Bytes> extent_size = std::nullopt);
    /// `vgextend`. @throws Error
    void extend_vg(const VgName& vg, const std::vector<DevicePath>& devices);
    /// `vgreduce`. @throws Error
    void reduce_vg(const VgName& vg, const std::vector<DevicePath>& devices);
    /// `vgremove`; only_if_empty refuses (Errc::busy) when the VG still has LVs.
    /// @throws Error
    void remove_vg(const VgName& vg, VgRemoveMode mode = VgRemoveMode::only_if_empty);
    /// `vgchange -a y|n`. @throws Error
    void activate_vg(const VgName& vg, bool active);
    /// `vgcfgbackup -f file vg`: the VG's metadata as text in @p file. @throws Error
    void backup_vg_metadata(const VgName& vg, const std::string& file);
    /// `vgcfgrestore --force -y -f file vg`: writes @p file's metadata to the VG's PVs. LVM asks
    /// for --force when the VG has thin pools, because a restore can lose thin volumes the text
    /// does not list; only give it text just read with backup_vg_metadata(). @throws Error
    void restore_vg_metadata(const VgName& vg, const std::string& file);

    // LVs
    /// `lvcreate -n lv -L|-l size vg`. @throws Error
    void create_linear_lv(const VgName& vg, const LvName& lv, const SizeSpec& size,
                          const LinearLvOptions& options = {});
    /// `lvcreate --type thin-pool` in one step. @throws Error
    void create_thin_pool(const VgName& vg, const LvName& pool, const SizeSpec& data_size,
                          std::optional<Bytes> metadata_size, const ThinPoolOptions& options = {});
    /// `lvconvert -y --thinpool vg/data --poolmetadata vg/metadata` (the seed's path).
    /// @throws Error
    void convert_to_thin_pool(const VgName& vg, const LvName& data, const LvName& metadata,
                              const ThinPoolOptions& options = {});
    /// `lvcreate -n lv -V size --thinpool vg/pool`. @throws Error
    void create_thin_volume(const VgName& vg, const LvName& pool, const LvName& lv,
                            Bytes virtual_size);
    /// `lvextend -L +size` / `-l +N%...`. @throws Error
    void extend_lv(const VgName& vg, const LvName& lv, const SizeSpec& grow_by);
    /// `lvextend --poolmetadatasize +size vg/pool`: the pool's metadata (LVM grows the metadata
    /// spare along when it is smaller). @throws Error
    void extend_pool_metadata(const VgName& vg, const LvName& pool, Bytes grow_by);
    /// `lvextend --use-policies` (the profile's autoextend settings). @throws Error
    void extend_lv_by_policy(const VgName& vg, const LvName& lv);
    /// `lvremove -y vg/lv`. @throws Error
    void remove_lv(const VgName& vg, const LvName& lv);
    /// `lvrename vg from to`. @throws Error
    void rename_lv(const VgName& vg, const LvName& from, const LvName& to);
    /// `lvchange --metadataprofile p` or, with no profile, `--detachprofile`. @throws Error
    void set_metadata_profile(const VgName& vg, const LvName& lv,
                              const std::optional<ProfileName>& profile);
    /// `lvchange -a y|n vg/lv` (a no-op for an LV already in that state). @throws Error
    void activate_lv(const VgName& vg, const LvName& lv, bool active);
    /// `lvchange --monitor y|n`. @throws Error
    void set_monitoring(const VgName& vg, const LvName& lv, bool monitored);
    /// `lvchange -a y|n --yes vg/pool_tmeta`: LVM's component activation (lvm2 >= 2.02.178) of
    /// an inactive thin pool's metadata sub-LV, read-only, as dm device `vg-pool_tmeta`. LVM
    /// refuses to activate the pool while it is active, so deactivate it again after reading.
    /// @throws Error (LVM refuses it while the pool is active)
    void activate_pool_metadata_component(const VgName& vg, const LvName& pool, bool active);

    // Reports (fields always named explicitly; sizes in bytes)
    /// `pvs`, restricted to @p devices when given. @throws Error
    std::vector<PvReport> pvs(const std::vector<DevicePath>& devices = {});
    /// One `pvs` report with the VG fields too: what pvs() and vgs() say together, for one
    /// device scan instead of two. PVs restricted to @p devices when given; VGs are those of the
    /// PVs LVM reports (before that restriction). @throws Error
    PvsAndVgs pvs_with_vgs(const std::vector<DevicePath>& devices = {});
    /// `vgs`, restricted to @p vg when given. @throws Error
    std::vector<VgReport> vgs(const std::optional<VgName>& vg = std::nullopt);
    /// `lvs -a`, restricted to @p vg when given. @throws Error
    std::vector<LvReport> lvs(const std::optional<VgName>& vg = std::nullopt);

    /// LVM's metadata profile directory as LVM resolves it (`config/profile_dir`, honouring
    /// LVM_SYSTEM_DIR and this session's override). Read once per process for the same
    /// LVM_SYSTEM_DIR, lvm.conf and override. @throws Error
    std::string profile_dir();

    /// The options this session was built with.
    const SessionOptions& options() const noexcept { return options_; }

  private:
    std::string read_profile_dir();

    SessionOptions options_;
};

/// Releases the process-wide liblvm2cmd handle (lvm2_exit) and libdevmapper's control fd; the next
/// call creates a new one. Safe to call at any time and more than once.
void release_session() noexcept;

/// Whether the process-wide handle currently exists.
bool session_active() noexcept;

/// LVM's spelling: "ignore", "nopassdown" or "passdown".
const char* to_string(Discards discards) noexcept;

}  // namespace lvmkit::lvm
