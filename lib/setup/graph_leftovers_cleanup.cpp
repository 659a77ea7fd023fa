// Removing Docker's graph-driver leftovers (graph_leftovers.hpp) with the care teardown has:
// everything is read and every refusal made before the first `delete` message; only ids the
// attribution gives to Docker alone are deleted; an active one (a Docker 24 still running on
// the pool) or a daemon.json still selecting the graph driver refuses without force.
#include <fmt/format.h>

#include <algorithm>

#include "internal/json_document.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/graph_leftovers.hpp"
#include "lvmkit/log.hpp"
#include "setup/graph_leftovers_internal.hpp"
#include "setup/pool_contents_read.hpp"
#include "setup/setup_internal.hpp"

namespace lvmkit::setup {
namespace {

constexpr const char* kCleanup = "remove the graph driver's leftovers";

std::string pool_name(const ThinPoolSpec& spec) {
    return spec.vg.str() + "/" + spec.pool.str();
}

// daemon.json's storage-driver is still Docker's graph driver: the devices are its live data.
bool graph_driver_selected(const ThinPoolSpec& spec) {
    const FileWriter reader{TargetRoot(spec.target_root)};
    const auto text = reader.read(spec.daemon_json);
    if (!text)
        return false;
    const auto document = lvmkit::internal::load_json_object(*text, spec.daemon_json);
    const auto driver = document.value.find("storage-driver");
    return driver != document.value.end() && *driver == "devicemapper";
}

// The dm devices on the pool that map one of @p leftovers: name and id.
std::vector<std::pair<std::string, std::uint64_t>> active_leftovers(
    const PoolContents& contents, const GraphLeftovers& leftovers) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (const auto& name : contents.active_devices) {
        const auto table = dm::table(name);
        for (const auto& line : table)
            if (const auto* thin = std::get_if<dm::ThinTarget>(&line.target))
                for (const auto& device : leftovers.devices)
                    if (device.id == thin->device_id)
                        out.emplace_back(name, device.id);
    }
    return out;
}

Bytes used_data(const std::string& pool) {
    const auto status = dm::thin_pool_status(pool, true);
    if (const auto* usage = std::get_if<dm::ThinPoolUsage>(&status))
        return usage->used_data_bytes();
    throw Error(Errc::dm_failed, kCleanup, pool, "the pool's dm status reports a failure");
}

}  // namespace

namespace internal {

std::string cleanup_command(const ThinPoolSpec& spec) {
    return fmt::format("lvmkit-docker cleanup-leftovers --vg {} --pool {}{}", spec.vg.str(),
                       spec.pool.str(),
                       spec.target_root == "/" ? "" : " --root " + spec.target_root);
}

}  // namespace internal

LeftoverCleanupResult remove_graph_leftovers(const ThinPoolSpec& spec,
                                             const LeftoverCleanupOptions& options) {
    internal::validate_spec(internal::without_devices(spec));
    auto session = internal::session_for(spec);
    if (!internal::find_vg(session, spec.vg))
        throw Error(Errc::not_found, kCleanup, "VG " + spec.vg.str(), "the VG does not exist");
    const auto lvs = session.lvs(spec.vg);
    const auto pool = std::find_if(lvs.begin(), lvs.end(), [&](const lvm::LvReport& lv) {
        return lv.name == spec.pool.str() && lv.segment_type == "thin-pool";
    });
    if (pool == lvs.end())
        throw Error(Errc::not_found, kCleanup, pool_name(spec), "no thin pool of that name");
    if (!pool->active)
        throw Error(Errc::not_found, kCleanup, pool_name(spec),
                    "the pool is inactive; activate it first (vgchange -ay " + spec.vg.str() + ")");
    const auto contents = internal::read_pool_contents(spec, session, lvs);
    LeftoverCleanupResult result;
    result.kept = internal::find_graph_leftovers(spec, contents);
    if (!result.kept.note.empty())
        throw Error(Errc::io_error, kCleanup, pool_name(spec),
                    "lvmkit can not tell which thin devices are Docker's, so it removes none",
                    {result.kept.note});
    const std::vector<GraphLeftover> devices = std::move(result.kept.devices);
    result.kept.devices.clear();
    const std::string dm_pool = internal::pool_dm_device(spec);
    result.data_used_before = used_data(dm_pool);
    result.data_used_after = result.data_used_before;
    if (devices.empty())
        return result;
    GraphLeftovers ours;
    ours.devices = devices;
    if (graph_driver_selected(spec) && !options.force)
        throw Error(Errc::busy, kCleanup, spec.daemon_json,
                    "daemon.json still selects Docker's devicemapper graph driver: these are its "
                    "images and containers; run setup for Docker 25 or later first, or force",
                    {ours.summary()});
    const auto active = active_leftovers(contents, ours);
    if (!active.empty() && !options.force) {
        std::vector<std::string> details;
        for (const auto& [name, id] : active)
            details.push_back(fmt::format("{} maps thin device {}", name, id));
        throw Error(Errc::busy, kCleanup, pool_name(spec),
                    "some of Docker's devices are active (a Docker 24 or older still runs on the "
                    "pool?); stop it, or force (they are deactivated and lost)",
                    details);
    }
    for (const auto& [name, id] : active)
        dm::remove(name);
    const dm::ThinPool thin_pool(dm_pool);
    for (const auto& device : devices) {
        if (options.on_remove)
            options.on_remove(device);
        try {
            thin_pool.delete_thin(static_cast<std::uint32_t>(device.id));
        } catch (const Error& e) {
            std::vector<std::string> details{e.what()};
            details.push_back(
                fmt::format("removed before it: {} of {}", result.removed.size(), devices.size()));
            throw Error(Errc::dm_failed, kCleanup, pool_name(spec),
                        fmt::format("deleting thin device {} ({}) failed; a re-run removes the "
                                    "rest",
                                    device.id, device.name),
                        details);
        }
        log(LogCategory::setup, LogLevel::info,
            fmt::format("deleted thin device {} (Docker's {})", device.id, device.name));
        result.removed.push_back(device);
    }
    result.data_used_after = used_data(dm_pool);
    return result;
}

}  // namespace lvmkit::setup
