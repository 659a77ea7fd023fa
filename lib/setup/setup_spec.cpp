// The pure half of the setup facade: names of things, spec validation, size arithmetic and the
// autoextend headroom advisor. Nothing here touches the system.
#include <algorithm>
#include <set>

#include "internal/device_identity.hpp"
#include "lvmkit/docker_config.hpp"
#include "lvmkit/error.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup {

const char* to_string(StepKind kind) noexcept {
    switch (kind) {
        case StepKind::probe:
            return "probe";
        case StepKind::wipe:
            return "wipe";
        case StepKind::create_pv:
            return "create_pv";
        case StepKind::create_vg:
            return "create_vg";
        case StepKind::record_devices_file:
            return "record_devices_file";
        case StepKind::create_data_lv:
            return "create_data_lv";
        case StepKind::create_metadata_lv:
            return "create_metadata_lv";
        case StepKind::convert_to_pool:
            return "convert_to_pool";
        case StepKind::write_profile:
            return "write_profile";
        case StepKind::attach_profile:
            return "attach_profile";
        case StepKind::enable_monitoring:
            return "enable_monitoring";
        case StepKind::write_daemon_config:
            return "write_daemon_config";
        case StepKind::backup_graph_dir:
            return "backup_graph_dir";
        case StepKind::remove_pool:
            return "remove_pool";
        case StepKind::remove_vg:
            return "remove_vg";
        case StepKind::remove_pv_labels:
            return "remove_pv_labels";
        case StepKind::remove_profile:
            return "remove_profile";
        case StepKind::remove_daemon_config:
            return "remove_daemon_config";
        case StepKind::grow_metadata:
            return "grow_metadata";
        case StepKind::grow_data:
            return "grow_data";
        case StepKind::reserve_snapshotter_ids:
            return "reserve_snapshotter_ids";
    }
    return "?";
}

namespace {

// all_step_kinds must list every enumerator once, in order, ending with the last one.
constexpr bool all_step_kinds_in_order() {
    for (std::size_t i = 0; i < all_step_kinds.size(); ++i)
        if (static_cast<std::size_t>(all_step_kinds[i]) != i)
            return false;
    return all_step_kinds.back() == StepKind::reserve_snapshotter_ids;
}
static_assert(all_step_kinds_in_order(), "all_step_kinds lists every StepKind in order");

}  // namespace

const char* to_string(Progress::Phase phase) noexcept {
    switch (phase) {
        case Progress::Phase::started:
            return "started";
        case Progress::Phase::finished:
            return "finished";
        case Progress::Phase::skipped:
            return "skipped";
        case Progress::Phase::failed:
            return "failed";
        case Progress::Phase::rolling_back:
            return "rolling_back";
        case Progress::Phase::rolled_back:
            return "rolled_back";
    }
    return "?";
}

bool Plan::nothing_to_do() const noexcept {
    return std::all_of(steps.begin(), steps.end(),
                       [](const Step& s) { return s.done || s.kind == StepKind::probe; });
}

namespace internal {
namespace {

[[noreturn]] void refuse(const std::string& what, const std::string& why) {
    throw Error(Errc::invalid_argument, "check spec", what, why);
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return (a + b - 1) / b;
}

// A percentage out of range would otherwise reach LVM only at its step, after the PV and VG exist.
void validate_percent(const char* what, const SizeSpec& size) {
    const auto* percent = std::get_if<Percent>(&size);
    if (percent != nullptr && (percent->value < 1 || percent->value > 100))
        refuse(std::string(what) + " " + to_string(size), "a percentage must be 1..100");
}

void validate_sizes(const ThinPoolSpec& spec) {
    validate_percent("data size", spec.data_size);
    validate_percent("metadata size", spec.metadata_size);
    // lvcreate reads N%PVS without PVs as N%VG; setup never guesses which one was meant.
    auto needs_devices = [&](const char* what, const SizeSpec& size) {
        if (is_percent_of_pvs(size) && spec.devices.empty())
            refuse(std::string(what) + " " + to_string(size),
                   "%PVS is a percentage of the free space on the devices given; name the "
                   "devices, or use %VG or %FREE");
    };
    needs_devices("data size", spec.data_size);
    needs_devices("metadata size", spec.metadata_size);
    lvm::check_chunk_size(spec.chunk_size);
    if (const auto* meta = std::get_if<Bytes>(&spec.metadata_size))
        lvm::check_metadata_size(*meta);
    const auto* data_pct = std::get_if<Percent>(&spec.data_size);
    const auto* meta_pct = std::get_if<Percent>(&spec.metadata_size);
    if (data_pct != nullptr && meta_pct != nullptr && data_pct->of == meta_pct->of &&
        data_pct->value + meta_pct->value > 100)
        refuse("data " + to_string(spec.data_size) + " + metadata " + to_string(spec.metadata_size),
               "together they exceed 100% of the " + std::string(to_string(data_pct->of)));
}

void validate_devices(const ThinPoolSpec& spec) {
    if (spec.devices.empty() && !spec.use_existing_vg)
        refuse("devices", "name at least one device, or take space from an existing VG");
    std::set<std::string> seen;
    for (const auto& device : spec.devices) {
        if (device.empty() || device.front() != '/')
            refuse("device '" + device + "'", "a device must be an absolute path such as /dev/sdb");
        // `/dev//sdb` is `/dev/sdb`: the command line alone shows it (symlinks are preflight's).
        if (!seen.insert(lexically_normal_device(device)).second)
            refuse("device '" + device + "'", "the device is named twice");
    }
}

bool has_dot_dot(const std::string& path) {
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        if (path.compare(start, end - start, "..") == 0)
            return true;
        start = end + 1;
    }
    return false;
}

void validate_paths(const ThinPoolSpec& spec) {
    auto absolute = [](const std::string& what, const std::string& path) {
        if (path.empty() || path.front() != '/')
            refuse(what + " '" + path + "'", "must be an absolute path");
    };
    absolute("target root", spec.target_root);
    // `/mnt/x/../../etc` would quietly make the real /etc the root: refuse rather than resolve.
    if (has_dot_dot(spec.target_root))
        refuse("target root '" + spec.target_root + "'",
               "must not contain '..' components; name the directory itself");
    if (spec.consumer == Consumer::docker)
        absolute("daemon.json path", spec.daemon_json);
    if (spec.consumer != Consumer::none)
        absolute("containerd config path", spec.containerd_config);
    if (spec.cri_default_snapshotter &&
        (spec.consumer == Consumer::none ||
         (spec.consumer == Consumer::docker && spec.docker_storage == DockerStorage::devicemapper)))
        refuse("the CRI default snapshotter",
               "is set in containerd's config.toml: it needs consumer containerd or Docker's "
               "snapshotter mode");
    if (spec.backup_graph_dir)
        absolute("graph directory", spec.graph_dir);
}

}  // namespace

const lvm::LvReport* SystemState::find_lv(const std::string& name) const {
    for (const auto& lv : lvs)
        if (lv.name == name)
            return &lv;
    return nullptr;
}

const lvm::LvReport* SystemState::pool() const {
    return find_lv(pool_name);
}

bool SystemState::pool_is_thin_pool() const {
    const auto* lv = pool();
    return lv != nullptr && lv->segment_type == "thin-pool";
}

LvName metadata_lv_name(const ThinPoolSpec& spec) {
    return LvName(spec.pool.str() + "meta");
}

LvmProfile profile_of(const ThinPoolSpec& spec) {
    LvmProfile profile;
    profile.name = spec.profile_name;
    profile.autoextend_threshold = spec.autoextend_threshold;
    profile.autoextend_percent = spec.autoextend_percent;
    return profile;
}

// An unreadable version must not quietly pick the devicemapper graph driver Docker 25+ lacks.
void validate_docker_version(const ThinPoolSpec& spec) {
    if (spec.docker_version && !parse_docker_version(*spec.docker_version))
        refuse("Docker version '" + *spec.docker_version + "'",
               std::string("is not a version lvmkit can read: give it as ") + kDockerVersionForms);
}

void validate_spec(const ThinPoolSpec& spec) {
    validate_docker_version(spec);
    validate_devices(spec);
    validate_sizes(spec);
    validate(profile_of(spec));  // threshold 50..100, percent, profile name
    lvm::ProfileName(spec.profile_name);
    (void)metadata_lv_name(spec);  // `<pool>meta` must itself be a valid LV name
    validate_paths(spec);
}

std::uint64_t extents_of(const SizeSpec& size, Bytes extent_size, const PercentBases& bases) {
    if (const auto* bytes = std::get_if<Bytes>(&size))
        return ceil_div(bytes->count(), extent_size.count());
    if (const auto* extents = std::get_if<Extents>(&size))
        return extents->count;
    const auto& percent = std::get<Percent>(size);
    std::uint64_t base = bases.vg;
    if (percent.of == PercentOf::FREE)
        base = bases.free;
    else if (percent.of == PercentOf::PVS)
        base = bases.pvs;
    // LVM rounds a percentage down to whole extents (percent_of_extents without roundup).
    return base * percent.value / 100;
}

bool is_percent_of_pvs(const SizeSpec& size) {
    const auto* percent = std::get_if<Percent>(&size);
    return percent != nullptr && percent->of == PercentOf::PVS;
}

ResolvedSizes resolve_sizes(const ThinPoolSpec& spec, const SystemState& state) {
    ResolvedSizes sizes;
    std::uint64_t free_extents = 0;
    if (state.vg) {
        sizes.extent_size = state.vg->extent_size;
        sizes.vg_extents = state.vg->extent_count;
        free_extents = state.vg->free_extents;
    } else {
        sizes.extent_size = kDefaultExtentSize;
    }
    // %PVS: the free extents of the spec's devices, the PVs setup names to lvcreate.
    std::uint64_t pvs_free = 0;
    // Devices that are not in the VG yet add their extents.
    for (const auto& device : state.devices) {
        if (state.vg && device.vg == spec.vg.str()) {
            pvs_free += device.pv_free.count() / sizes.extent_size.count();
            continue;
        }
        if (device.size <= kDefaultPeStart)
            continue;
        const std::uint64_t extents =
            (device.size - kDefaultPeStart).count() / sizes.extent_size.count();
        sizes.vg_extents += extents;
        free_extents += extents;
        pvs_free += extents;
    }
    if (state.pool_is_thin_pool()) {
        // The pool exists: report what it has.
        const auto* pool = state.pool();
        sizes.data_extents = pool->size.count() / sizes.extent_size.count();
        for (const auto& lv : state.lvs) {
            if (lv.name == spec.pool.str() + "_tmeta")
                sizes.metadata_extents = lv.size.count() / sizes.extent_size.count();
            if (lv.name.find("_pmspare") != std::string::npos)
                sizes.spare_extents = lv.size.count() / sizes.extent_size.count();
        }
        sizes.free_extents_after = free_extents;
        return sizes;
    }
    const auto* data_lv = state.find_lv(spec.pool.str());
    const auto* meta_lv = state.find_lv(metadata_lv_name(spec).str());
    // A percentage of FREE or PVS is taken of what is free before each LV is created, as LVM
    // does.
    sizes.data_extents = data_lv != nullptr
                             ? data_lv->size.count() / sizes.extent_size.count()
                             : extents_of(spec.data_size, sizes.extent_size,
                                          PercentBases{sizes.vg_extents, free_extents, pvs_free});
    if (data_lv == nullptr) {
        free_extents -= std::min(free_extents, sizes.data_extents);
        // Given the PVs, lvcreate allocates only there. Otherwise LVM picks the PVs; the
        // devices keep at most what the VG keeps (exact when the VG is made of them alone).
        if (is_percent_of_pvs(spec.data_size))
            pvs_free -= std::min(pvs_free, sizes.data_extents);
        else
            pvs_free = std::min(pvs_free, free_extents);
    }
    sizes.metadata_extents =
        meta_lv != nullptr ? meta_lv->size.count() / sizes.extent_size.count()
                           : extents_of(spec.metadata_size, sizes.extent_size,
                                        PercentBases{sizes.vg_extents, free_extents, pvs_free});
    if (meta_lv == nullptr)
        free_extents -= std::min(free_extents, sizes.metadata_extents);
    bool has_spare = false;
    for (const auto& lv : state.lvs)
        has_spare |= lv.name.find("_pmspare") != std::string::npos;
    sizes.spare_extents = has_spare ? 0 : sizes.metadata_extents;
    sizes.free_extents_after = free_extents - std::min(free_extents, sizes.spare_extents);
    return sizes;
}

Headroom compute_headroom(const ResolvedSizes& sizes, unsigned threshold, unsigned percent) {
    Headroom headroom;
    headroom.autoextend_enabled = threshold < 100 && percent > 0;
    if (!headroom.autoextend_enabled)
        return headroom;
    headroom.data_step_extents = ceil_div(sizes.data_extents * percent, 100);
    headroom.metadata_step_extents = ceil_div(sizes.metadata_extents * percent, 100);
    headroom.metadata_step_possible = sizes.free_extents_after >= headroom.metadata_step_extents;
    // Each data step grows the pool, so the next step is larger.
    std::uint64_t free = sizes.free_extents_after;
    std::uint64_t data = sizes.data_extents;
    for (unsigned i = 0; i < 100; ++i) {
        const std::uint64_t step = ceil_div(data * percent, 100);
        if (step == 0 || step > free)
            break;
        free -= step;
        data += step;
        ++headroom.data_steps_possible;
    }
    return headroom;
}

}  // namespace internal

void check_spec(const ThinPoolSpec& spec) {
    internal::validate_spec(spec);
}

}  // namespace lvmkit::setup
