// Reading the system and deciding: environment checks, device judgement, the plan and its
// text/JSON forms. Writes nothing.
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <algorithm>

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>

#include "internal/consumer.hpp"
#include "internal/device_identity.hpp"
#include "internal/file_checks.hpp"
#include "lvmkit/containerd_config.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "setup/fast_status.hpp"
#include "setup/graph_leftovers_internal.hpp"
#include "setup/setup_internal.hpp"
#include "setup/spare_leftover.hpp"
#include "setup/vg_identity.hpp"

namespace lvmkit::setup {
namespace internal {
namespace {

constexpr const char* kPreflight = "preflight";
// What judge_device() reads of a device: its signatures (a partition table's among them), users,
// kernel partitions and size; not the topology or the table's entries (issue 27: two of
// libblkid's three probes of every re-run).
constexpr blockdev::InspectOptions kSetupProbe = [] {
    blockdev::InspectOptions options;
    options.signatures_and_users_only = true;
    return options;
}();

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}
bool executable(const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0;
}

bool file_mentions(const std::string& path, const std::string& needle) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (line.find(needle) != std::string::npos)
            return true;
    return false;
}

// libdevmapper mknods /dev/mapper/control even where the kernel has no device-mapper, so the
// node must open (which also makes a modular kernel load dm-mod).
bool device_mapper_available() {
    const int fd = ::open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    ::close(fd);
    return true;
}

// The kernel loads dm-thin-pool on the first thin-pool table; it is enough that it can.
bool thin_pool_target_available() {
    if (exists("/sys/module/dm_thin_pool"))
        return true;
    utsname uts{};
    if (::uname(&uts) != 0)
        return false;
    const std::string dir = std::string("/lib/modules/") + uts.release;
    return file_mentions(dir + "/modules.dep", "dm-thin-pool.ko") ||
           file_mentions(dir + "/modules.builtin", "dm-thin-pool.ko");
}

bool any_executable(std::initializer_list<const char*> paths) {
    for (const char* path : paths)
        if (executable(path))
            return true;
    return false;
}

[[noreturn]] void refuse_device(Errc code, const std::string& device, const std::string& why,
                                std::vector<std::string> details = {}) {
    throw Error(code, kPreflight, device, why, std::move(details));
}

bool is_lvm_label(const blockdev::Signature& signature) {
    return signature.type == "LVM2_member";
}

// A PV marked in use whose VG LVM can not find. If its label holds no VG metadata (see
// label_holds_no_vg_metadata), create_pv may write a new label. Anything else (metadata areas
// ignored, damaged or holding a VG) may be a PV of a VG whose other devices are missing: refused.
void judge_stranded_label(DeviceState& state, const blockdev::Verdict& verdict) {
    if (label_holds_no_vg_metadata(verdict)) {
        state.is_pv = false;
        state.vg.clear();
        state.stranded_label = true;
        return;
    }
    refuse_device(Errc::device_in_use, state.path,
                  "the device is an LVM PV marked in use by a volume group LVM can not find "
                  "(pvs shows it as [unknown]): its VG's metadata is on missing devices or "
                  "damaged, so lvmkit will not touch it",
                  {"LVM suggests checking it with `pvck` and `vgck`"});
}

DeviceState judge_device(const ThinPoolSpec& spec, const std::string& path,
                         const blockdev::Verdict& verdict, const std::vector<lvm::PvReport>& pvs) {
    if (verdict.kind == blockdev::Verdict::Kind::unknown)
        refuse_device(Errc::blkid_failed, path,
                      "the device's contents could not be read, so lvmkit will not touch it",
                      verdict.reasons);
    DeviceState state;
    state.path = path;
    state.size = verdict.device ? verdict.device->size : Bytes();
    const std::string resolved = verdict.device ? verdict.device->resolved_path : path;
    for (const auto& pv : pvs) {
        if (pv.name == path || pv.name == resolved) {
            state.is_pv = true;
            state.vg = pv.vg;
            state.pv_free = pv.free;
        }
    }
    if (state.is_pv && state.vg == kUnknownVg)
        judge_stranded_label(state, verdict);
    if (state.is_pv && !state.vg.empty() && state.vg != spec.vg.str())
        refuse_device(Errc::device_in_use, path,
                      "the device is a PV of volume group '" + state.vg + "', not of '" +
                          spec.vg.str() + "'");
    // Our own PV is held by our own LVs once the pool is active: that is not "in use".
    const bool ours = state.is_pv && state.vg == spec.vg.str();
    if (verdict.kind == blockdev::Verdict::Kind::in_use && !ours)
        refuse_device(Errc::device_in_use, path, "the device is in use", verdict.reasons);
    check_not_raid_member(path, verdict.signatures);
    for (const auto& signature : verdict.signatures) {
        if (is_lvm_label(signature) && signature.lvm)
            state.pv_uuid = signature.lvm->pv_uuid;
        if (is_lvm_label(signature) && (state.is_pv || state.stranded_label))
            continue;
        state.signatures.push_back(signature.describe());
    }
    if (verdict.device && !verdict.device->kernel_partitions.empty() && !ours)
        state.signatures.push_back("the kernel has partitions on it");
    state.needs_wipe = !state.signatures.empty();
    if (state.needs_wipe && !spec.wipe_signatures)
        refuse_device(Errc::has_signatures, path,
                      "the device holds data signatures; lvmkit erases them only when allowed "
                      "(wipe_signatures / --wipe-signatures)",
                      state.signatures);
    return state;
}

void check_vg_ownership(const ThinPoolSpec& spec, const SystemState& state) {
    if (!state.vg || spec.use_existing_vg)
        return;
    const bool any_device_in_vg =
        std::any_of(state.devices.begin(), state.devices.end(),
                    [&](const DeviceState& d) { return d.vg == spec.vg.str(); });
    if (!any_device_in_vg)
        throw Error(Errc::already_exists, kPreflight, "VG " + spec.vg.str(),
                    "the volume group exists on other devices; to take space from it, ask for "
                    "the existing VG (use_existing_vg / --existing-vg)");
}

void check_existing_pool(const ThinPoolSpec& spec, const SystemState& state) {
    const auto* pool = state.pool();
    if (pool == nullptr)
        return;
    const std::string name = spec.vg.str() + "/" + spec.pool.str();
    std::vector<std::string> differences;
    if (pool->segment_type == "thin-pool") {
        if (!chunk_matches(spec, pool->chunk_size))
            differences.push_back("chunk size is " + format_human(pool->chunk_size) +
                                  ", the spec wants " + wanted_chunk_text(spec));
        if (!pool->when_full.empty() && pool->when_full != to_string(spec.when_full))
            differences.push_back("when full it does '" + pool->when_full + "', the spec wants '" +
                                  to_string(spec.when_full) + "'");
        if (pool->zeroing && *pool->zeroing != spec.zero)
            differences.push_back(std::string("zeroing is ") + (*pool->zeroing ? "on" : "off") +
                                  ", the spec wants " + (spec.zero ? "on" : "off"));
        if (!pool->profile.empty() && pool->profile != spec.profile_name)
            differences.push_back("profile is '" + pool->profile + "', the spec wants '" +
                                  spec.profile_name + "'");
    } else if (pool->segment_type != "linear") {
        differences.push_back("it is a " + pool->segment_type + " LV, not a thin pool");
    }
    if (!differences.empty())
        throw Error(Errc::mismatch, kPreflight, name,
                    "an existing LV differs from the spec; lvmkit does not change it", differences);
}

void check_sizes(const ThinPoolSpec& spec, const ResolvedSizes& sizes) {
    const std::string pool = spec.vg.str() + "/" + spec.pool.str();
    const Bytes extent = sizes.extent_size;
    const Bytes data(sizes.data_extents * extent.count());
    const Bytes metadata(sizes.metadata_extents * extent.count());
    if (sizes.metadata_extents == 0)
        throw Error(Errc::insufficient_space, kPreflight, pool,
                    "metadata " + to_string(spec.metadata_size) + " of " +
                        std::to_string(sizes.vg_extents) +
                        " extents rounds down to 0 extents; use a larger device or an explicit "
                        "metadata size");
    if (data < kMinimumPoolData)
        throw Error(Errc::insufficient_space, kPreflight, pool,
                    "the pool's data would be " + format_human(data) +
                        ", below the useful "
                        "minimum of " +
                        format_human(kMinimumPoolData));
    const std::uint64_t chunks = data.count() / sizes.chunk_size.count();
    const Bytes needed(std::max<std::uint64_t>(chunks * kMetadataBytesPerChunk, 2u << 20));
    if (metadata < needed)
        throw Error(Errc::insufficient_space, kPreflight, pool,
                    "metadata of " + format_human(metadata) + " is too small for " +
                        std::to_string(chunks) + " chunks of " + format_human(sizes.chunk_size) +
                        " (needs at least " + format_human(needed) + ")");
    lvm::check_metadata_size(metadata);
    const std::uint64_t needed_extents =
        sizes.data_extents + sizes.metadata_extents + sizes.spare_extents;
    if (needed_extents - sizes.spare_extents > sizes.vg_extents)
        throw Error(Errc::insufficient_space, kPreflight, pool,
                    fmt::format("data and metadata need {} extents, the VG has {}",
                                needed_extents - sizes.spare_extents, sizes.vg_extents));
}

std::string headroom_warning(const ThinPoolSpec& spec, const ResolvedSizes& sizes,
                             const Headroom& headroom) {
    const std::uint64_t extent = sizes.extent_size.count();
    // Called when no step fits, so the step is larger than what is free; never wrap around.
    const std::uint64_t missing = headroom.data_step_extents > sizes.free_extents_after
                                      ? headroom.data_step_extents - sizes.free_extents_after
                                      : 0;
    return fmt::format(
        "autoextend can not grow the pool's data: after setup the VG keeps {} free ({} extents, "
        "counting the {} metadata spare), one data step of {}% needs {} ({} extents); add a PV "
        "of at least {} to the VG for one step",
        format_human(Bytes(sizes.free_extents_after * extent)), sizes.free_extents_after,
        format_human(Bytes(sizes.spare_extents * extent)), spec.autoextend_percent,
        format_human(Bytes(headroom.data_step_extents * extent)), headroom.data_step_extents,
        format_human(Bytes(missing * extent)));
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty())
            out += separator;
        out += item;
    }
    return out;
}

std::string devices_text(const ThinPoolSpec& spec) {
    return spec.devices.empty() ? "the VG's free space" : join(spec.devices, ", ");
}

// The devices with their stable names: `/dev/sdb` may be another disk after a reboot.
std::string devices_with_stable_names(const ThinPoolSpec& spec) {
    std::vector<std::string> out;
    for (const auto& device : spec.devices) {
        const std::string stable = stable_name(device);
        out.push_back(stable.empty() || stable == device ? device : device + " (" + stable + ")");
    }
    return out.empty() ? devices_text(spec) : join(out, ", ");
}

}  // namespace

void check_environment(const ThinPoolSpec& spec) {
    if (::geteuid() != 0)
        throw Error(Errc::permission_denied, kPreflight, "", "setting up a thin pool needs root");
    if (!device_mapper_available())
        throw Error(Errc::unsupported, kPreflight, "/dev/mapper/control",
                    "device-mapper is not available in this kernel (load it with: modprobe "
                    "dm_mod)");
    if (!thin_pool_target_available())
        throw Error(Errc::unsupported, kPreflight, "dm-thin-pool",
                    "the kernel has no thin-pool target (module dm-thin-pool)");
    if (!any_executable({"/usr/sbin/thin_check", "/sbin/thin_check"}))
        throw Error(Errc::unsupported, kPreflight, "thin_check",
                    "thin_check is missing and LVM can not activate thin pools without it "
                    "(Debian: thin-provisioning-tools, RHEL: device-mapper-persistent-data)");
    if (spec.monitor && !any_executable({"/sbin/dmeventd", "/usr/sbin/dmeventd"}))
        throw Error(Errc::unsupported, kPreflight, "dmeventd",
                    "dmeventd is missing, so the pool could not be monitored or autoextended "
                    "(Debian: dmeventd, RHEL: device-mapper-event; or turn monitoring off)");
}

std::optional<lvm::VgReport> find_vg(lvm::Session& session, const VgName& vg) {
    for (auto& report : session.vgs())
        if (report.name == vg.str())
            return std::move(report);
    return std::nullopt;
}

lvm::Session session_for(const ThinPoolSpec& spec) {
    lvm::SessionOptions options;
    // An existing VG may have PVs the spec does not name; LVM must see them all, or it finds
    // no VG (or a VG with missing PVs) on the devices it scans.
    if (!spec.use_existing_vg)
        for (const auto& device : spec.devices)
            options.scan_only.emplace_back(device);
    // Without scan_only (status, an existing VG) LVM's devices file would decide what lvmkit
    // sees: a pool PV missing from it would hide the pool instead of being reported. lvmkit's
    // commands never use the file; it edits the file itself (internal/devices_file.hpp).
    if (options.scan_only.empty())
        options.extra.set("devices/use_devicesfile", false);
    options.monitoring = spec.monitor;
    // LVM zeroes the whole new metadata LV and its spare by default; the kernel needs only the
    // superblock cleared (LVM still zeroes the first 4 KiB), and the full zeroing was half of a
    // setup's time and 99% of its writes (bench/results/analysis.md).
    options.extra.set("allocation/zero_metadata", false);
    return lvm::Session(std::move(options));
}

SystemState read_state(lvm::Session& session, const ThinPoolSpec& spec) {
    return read_state_from(spec, StateSource{
                                     [&](const std::vector<lvm::DevicePath>& paths) {
                                         return session.pvs_with_vgs(paths);
                                     },
                                     [&] { return session.lvs(spec.vg); },
                                     [&] { return session.profile_dir(); },
                                     [] { return lvmkit::internal::read_devices_file_state(); },
                                 });
}

SystemState read_state_from(const ThinPoolSpec& spec, const StateSource& source) {
    SystemState state;
    state.pool_name = spec.pool.str();
    // Probe every device once, before LVM sees any: a missing path or a non-block file gets its
    // own error from blockdev rather than a generic one from LVM.
    std::vector<blockdev::Verdict> verdicts;
    for (const auto& device : spec.devices)
        verdicts.push_back(blockdev::assess(device, kSetupProbe));
    log(LogCategory::setup, LogLevel::debug, "devices probed");
    check_distinct_devices(spec.devices);
    for (const auto& device : spec.devices)
        check_not_lvm_lv(device);
    // One pvs report says what pvs and vgs would: one device scan instead of two.
    std::vector<lvm::DevicePath> paths(spec.devices.begin(), spec.devices.end());
    const auto report = source.pvs_with_vgs(paths);
    for (std::size_t i = 0; i < spec.devices.size(); ++i)
        state.devices.push_back(judge_device(spec, spec.devices[i], verdicts[i], report.pvs));
    for (const auto& vg : report.vgs)
        if (vg.name == spec.vg.str())
            state.vg = vg;
    check_vg_not_elsewhere(spec, state);
    if (spec.use_existing_vg && !state.vg)
        throw Error(Errc::not_found, kPreflight, "VG " + spec.vg.str(),
                    "the volume group to take space from does not exist");
    if (state.vg)
        state.lvs = source.lvs();
    state.profile_dir = source.profile_dir();
    state.devices_file = source.devices_file();
    return state;
}

std::string pool_dm_device(const ThinPoolSpec& spec) {
    const std::string name = dm_name(spec.vg, spec.pool);
    const dm::Table table = dm::table(name);
    if (!table.empty() && std::holds_alternative<dm::ThinPoolTarget>(table.front().target))
        return name;
    return name + "-tpool";  // LVM's layered name once thin volumes use the pool
}

void check_file_kinds(const ThinPoolSpec& spec, const std::string& profile_dir,
                      const FileWriter& writer) {
    using lvmkit::internal::check_directory;
    using lvmkit::internal::check_regular_file;
    // The consumer's files the spec alone names (the mode Docker's detection picks is checked
    // with its unit, check_consumer_paths()), followed inside the root as a read would be.
    std::vector<std::string> files;
    if (spec.consumer == Consumer::docker)
        files.push_back(spec.daemon_json);
    if (spec.consumer == Consumer::containerd ||
        (spec.consumer == Consumer::docker && spec.docker_storage == DockerStorage::snapshotter))
        files.push_back(spec.containerd_config);
    for (const auto& file : files) {
        check_regular_file(writer.root().resolve(file, true), kPreflight);
        check_regular_file(writer.root().resolve(default_backup_path(file), true), kPreflight);
    }
    // LVM reads profiles from its own directory on this host, whatever the target root.
    if (!profile_dir.empty()) {
        check_directory(profile_dir, kPreflight);
        check_regular_file(profile_path(profile_dir, spec.profile_name), kPreflight);
    }
    if (spec.backup_graph_dir) {
        // The paths backup_graph_dir() opens and renames into.
        const std::string graph = writer.root().resolve(spec.graph_dir);
        check_directory(graph, kPreflight);
        check_directory(graph + ".backup", kPreflight);
    }
}

Plan build_plan(const ThinPoolSpec& spec, const SystemState& state, const FileWriter& writer) {
    // First: a FIFO or a device among the files is refused before anything else is decided.
    check_file_kinds(spec, state.profile_dir, writer);
    check_vg_ownership(spec, state);
    check_existing_pool(spec, state);
    Plan plan;
    plan.sizes = resolve_sizes(spec, state);
    apply_layout(spec, state, plan.sizes, plan.decisions);
    if (!state.pool_is_thin_pool())
        check_sizes(spec, plan.sizes);
    plan.headroom =
        compute_headroom(plan.sizes, spec.autoextend_threshold, spec.autoextend_percent);

    const std::string vg = spec.vg.str();
    const std::string pool = vg + "/" + spec.pool.str();
    const std::string meta = metadata_lv_name(spec).str();
    const Bytes extent = plan.sizes.extent_size;
    auto size_text = [&](std::uint64_t extents) {
        return format_human(Bytes(extents * extent.count()));
    };
    const auto* pool_lv = state.pool();
    const bool is_pool = state.pool_is_thin_pool();
    auto add = [&](StepKind kind, std::string text, bool done) {
        plan.steps.push_back(Step{kind, std::move(text), done});
    };

    add(StepKind::probe,
        "Check " + devices_with_stable_names(spec) + ": no data to lose, not in use", false);
    std::vector<std::string> to_wipe, to_label, to_add;
    for (const auto& d : state.devices) {
        if (d.needs_wipe)
            to_wipe.push_back(d.path + " (" + join(d.signatures, "; ") + ")");
        if (!d.is_pv)
            to_label.push_back(d.path + (d.stranded_label
                                             ? " (over a label that an interrupted vgcreate left "
                                               "marked in use, with no VG metadata on it)"
                                             : ""));
        if (d.vg != vg)
            to_add.push_back(d.path);
    }
    if (!to_wipe.empty())
        add(StepKind::wipe, "Erase signatures on " + join(to_wipe, ", "), false);
    add(StepKind::create_pv,
        "Create PV label on " + (to_label.empty() ? devices_text(spec) : join(to_label, ", ")),
        to_label.empty());
    std::string vg_text;
    if (!state.vg)
        vg_text = "Create VG " + vg + " on " + devices_text(spec) + " (" +
                  std::to_string(plan.sizes.vg_extents) + " extents of " + format_human(extent) +
                  ")";
    else if (to_add.empty())
        vg_text = "VG " + vg + " holds " + devices_text(spec);
    else
        vg_text = "Add " + join(to_add, ", ") + " to VG " + vg;
    add(StepKind::create_vg, vg_text, state.vg.has_value() && to_add.empty());
    add_devices_file_step(spec, state, plan);
    add(StepKind::create_data_lv,
        "Create data LV " + pool + " of " + to_string(data_request(spec, plan.sizes)) + " (" +
            size_text(plan.sizes.data_extents) + ") with signatures wiped",
        pool_lv != nullptr);
    add(StepKind::create_metadata_lv,
        "Create metadata LV " + vg + "/" + meta + " of " +
            to_string(metadata_request(spec, plan.sizes)) + " (" +
            size_text(plan.sizes.metadata_extents) + ") with signatures wiped",
        is_pool || state.find_lv(meta) != nullptr);
    if (spare_to_adopt(spec, state.lvs))
        add(StepKind::convert_to_pool,
            "Finish " + pool + "'s interrupted conversion: make " +
                spare_leftovers(spec, state.lvs).front() + " its metadata spare",
            false);
    else
        add(StepKind::convert_to_pool,
            "Convert " + pool + " into a thin pool with metadata " + meta + ", chunk " +
                format_human(plan.sizes.chunk_size) + ", zeroing " + (spec.zero ? "on" : "off") +
                (spec.when_full == WhenFull::error ? ", errors when full" : "") +
                " (LVM adds a metadata spare of " + size_text(plan.sizes.metadata_extents) + ")",
            is_pool);

    const LvmProfile profile = profile_of(spec);
    const std::string profile_file = profile_path(state.profile_dir, spec.profile_name);
    const FileWriter host_writer;
    const auto existing_profile = host_writer.read(profile_file);
    const bool profile_done = existing_profile && *existing_profile == render_profile(profile);
    if (!profile_done)
        lvmkit::internal::check_writable(profile_file, render_profile(profile).size());
    add(StepKind::write_profile, "Write " + profile_file + ": " + describe(profile), profile_done);
    add(StepKind::attach_profile, "Attach profile " + spec.profile_name + " to " + pool,
        pool_lv != nullptr && pool_lv->profile == spec.profile_name);
    if (spec.monitor)
        add(StepKind::enable_monitoring,
            "Monitor " + pool + " with dmeventd (autoextend acts only on monitored pools)",
            is_pool && pool_lv->monitored);

    add_consumer_step(spec, writer, plan);
    if (const auto leftover = describe_spare_leftovers(spare_leftovers(spec, state.lvs));
        !leftover.empty() && !spare_to_adopt(spec, state.lvs))
        plan.decisions.push_back(leftover);
    if (spec.backup_graph_dir)
        add(StepKind::backup_graph_dir,
            "Move the contents of " + spec.graph_dir + " to " + spec.graph_dir + ".backup", false);

    plan.decisions.push_back(when_full_decision(spec));
    if (!plan.headroom.autoextend_enabled) {
        plan.decisions.push_back(describe(profile));
    } else {
        if (plan.headroom.data_steps_possible == 0)
            plan.warnings.push_back(headroom_warning(spec, plan.sizes, plan.headroom));
        if (!plan.headroom.metadata_step_possible)
            plan.warnings.push_back("the VG keeps no room for one metadata autoextend step");
    }
    if (spec.strict && !plan.warnings.empty())
        throw Error(Errc::insufficient_space, kPreflight, pool,
                    "strict mode refuses a plan with warnings", plan.warnings);
    // Every setup plan (plan(), apply()'s, the hot path's) says what becomes of Docker's
    // graph-driver devices and keeps containerd off their ids; it reads the pool only where
    // Docker's metadata directory exists.
    add_graph_leftovers_to_plan(spec, state, writer, plan);
    return plan;
}

void check_pool_matches(const ThinPoolSpec& spec, const SystemState& state) {
    check_existing_pool(spec, state);
}

std::vector<lvm::PvReport> pvs_of(lvm::Session& session, const std::vector<std::string>& devices) {
    std::vector<lvm::DevicePath> paths;
    for (const auto& device : devices)
        paths.emplace_back(device);
    return session.pvs(paths);
}

bool label_holds_no_vg_metadata(const blockdev::Verdict& verdict) {
    return std::any_of(verdict.signatures.begin(), verdict.signatures.end(), [](const auto& s) {
        return is_lvm_label(s) && s.lvm &&
               s.lvm->membership == blockdev::LvmPvInfo::Membership::orphan;
    });
}

}  // namespace internal

void preflight(const ThinPoolSpec& spec) {
    (void)plan(spec);
}

Plan plan(const ThinPoolSpec& spec) {
    internal::validate_spec(spec);
    internal::check_environment(spec);
    // A target root that is no directory is refused before LVM is asked anything, a FIFO or a
    // device among the files before LVM scans the devices.
    const FileWriter writer{TargetRoot(spec.target_root)};
    // The boot re-run's hot path: nothing to do, seen without liblvm2cmd (fast_status.hpp).
    if (Plan noop; internal::fast_noop_state(spec, writer, &noop))
        return noop;
    auto session = internal::session_for(spec);
    internal::check_file_kinds(spec, session.profile_dir(), writer);
    const auto state = internal::read_state(session, spec);
    return internal::build_plan(spec, state, writer);
}

std::string Plan::to_text() const {
    std::string out;
    std::size_t index = 0;
    for (const auto& step : steps) {
        ++index;
        out +=
            fmt::format("{:>3}. [{}] {}\n", index, step.done ? "done" : " do ", step.description);
    }
    for (const auto& decision : decisions)
        out += "  note: " + decision + "\n";
    for (const auto& warning : warnings)
        out += "  WARNING: " + warning + "\n";
    if (nothing_to_do())
        out += "  Nothing to do: everything is in place.\n";
    return out;
}

std::string Plan::to_json() const {
    nlohmann::ordered_json doc;
    auto& step_list = doc["steps"] = nlohmann::ordered_json::array();
    for (const auto& step : steps)
        step_list.push_back({{"step", to_string(step.kind)},
                             {"description", step.description},
                             {"done", step.done}});
    const std::uint64_t extent = sizes.extent_size.count();
    doc["sizes"] = {{"extent_size", extent},
                    {"vg_extents", sizes.vg_extents},
                    {"data_extents", sizes.data_extents},
                    {"data_bytes", sizes.data_extents * extent},
                    {"metadata_extents", sizes.metadata_extents},
                    {"metadata_bytes", sizes.metadata_extents * extent},
                    {"spare_extents", sizes.spare_extents},
                    {"free_extents_after", sizes.free_extents_after},
                    {"chunk_size", sizes.chunk_size.count()},
                    {"metadata_capped", sizes.metadata_capped}};
    doc["headroom"] = {{"autoextend_enabled", headroom.autoextend_enabled},
                       {"data_step_extents", headroom.data_step_extents},
                       {"data_steps_possible", headroom.data_steps_possible},
                       {"metadata_step_extents", headroom.metadata_step_extents},
                       {"metadata_step_possible", headroom.metadata_step_possible}};
    doc["devices_file"] = {
        {"mode", devices_file_mode}, {"path", devices_file_path}, {"action", devices_file_action}};
    doc["decisions"] = decisions;
    doc["warnings"] = warnings;
    doc["nothing_to_do"] = nothing_to_do();
    return doc.dump(2);
}

}  // namespace lvmkit::setup
