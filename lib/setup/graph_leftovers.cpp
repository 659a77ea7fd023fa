// Which of a pool's thin devices Docker's devicemapper graph driver left (graph_leftovers.hpp):
// the pool's metadata lists every id, LVM its thin LVs, Docker's metadata directory and
// containerd's snapshotter database the ids each made. An id is Docker's only when Docker's
// metadata names it and nobody else does: containerd's snapshotter numbers its devices from 1
// too, so the same number may be claimed twice.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "internal/consumer.hpp"
#include "internal/json_document.hpp"
#include "lvmkit/containerd_config.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/graph_leftovers.hpp"
#include "setup/graph_leftovers_internal.hpp"
#include "setup/pool_contents_read.hpp"
#include "setup/setup_internal.hpp"
#include "setup/snapshotter_ids.hpp"

namespace lvmkit::setup {
namespace {

namespace fs = std::filesystem;

std::string read_whole(const fs::path& path, const char* operation) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(Errc::io_error, operation, path.string(), "the file can not be opened");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw Error(Errc::io_error, operation, path.string(), "the file can not be read");
    return text.str();
}

std::string under_root(const ThinPoolSpec& spec, const std::string& path) {
    return spec.target_root == "/" ? path : spec.target_root + path;
}

// "1-4, 7": runs of consecutive ids, for a line a human reads.
std::string id_ranges(std::vector<std::uint64_t> ids) {
    std::sort(ids.begin(), ids.end());
    std::string out;
    for (std::size_t i = 0; i < ids.size();) {
        std::size_t j = i;
        while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
            ++j;
        out += (out.empty() ? "" : ", ") + std::to_string(ids[i]) +
               (j > i ? "-" + std::to_string(ids[j]) : "");
        i = j + 1;
    }
    return out;
}

// The snapshotter's databases: lvmkit's root_path (<pool>.db) and containerd's default
// directory, every `*.db` in them (older releases and other pool names included: an id any of
// them names is kept).
std::vector<std::string> containerd_databases(const ThinPoolSpec& spec) {
    const auto config = containerd_devmapper_config(spec.vg, spec.pool);
    std::vector<std::string> out;
    for (const std::string& dir :
         {config.root_path,
          std::string("/var/lib/containerd/io.containerd.snapshotter.v1.devmapper")}) {
        std::error_code ec;
        for (auto it = fs::directory_iterator(under_root(spec, dir), ec);
             !ec && it != fs::directory_iterator(); it.increment(ec))
            if (it->path().extension() == ".db")
                out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

Bytes GraphLeftovers::data() const {
    std::uint64_t sum = 0;
    for (const auto& device : devices)
        sum += device.data.count();
    return Bytes(sum);
}

std::string GraphLeftovers::summary() const {
    std::vector<std::uint64_t> ids;
    for (const auto& device : devices)
        ids.push_back(device.id);
    std::string out = fmt::format(
        "{} thin device(s) of Docker's devicemapper graph driver{}, {} mapped (a block they "
        "share counts in each)",
        devices.size(), ids.empty() ? "" : " (ids " + id_ranges(ids) + ")", format_human(data()));
    if (!ambiguous.empty())
        out += "; ids " + id_ranges(ambiguous) + " named by Docker's and containerd's metadata";
    if (!unattributed.empty())
        out += "; ids " + id_ranges(unattributed) + " nobody's metadata names";
    return out;
}

GraphLeftovers attribute_graph_leftovers(const std::map<std::uint64_t, Bytes>& unknown,
                                         const std::map<std::uint64_t, std::string>& docker,
                                         const std::set<std::uint64_t>& containerd) {
    GraphLeftovers out;
    for (const auto& [id, data] : unknown) {
        const auto named = docker.find(id);
        const bool by_containerd = containerd.count(id) > 0;
        if (named != docker.end() && by_containerd)
            out.ambiguous.push_back(id);
        else if (named != docker.end())
            out.devices.push_back(GraphLeftover{id, named->second, data});
        else if (by_containerd)
            out.containerd.push_back(id);
        else
            out.unattributed.push_back(id);
    }
    return out;
}

std::map<std::uint64_t, std::string> read_docker_device_ids(const std::string& metadata_dir) {
    std::map<std::uint64_t, std::string> out;
    std::error_code ec;
    if (!fs::exists(metadata_dir, ec))
        return out;
    fs::directory_iterator it(metadata_dir, ec);
    if (ec)
        throw Error(Errc::io_error, "read Docker's devicemapper metadata", metadata_dir,
                    "the directory can not be read: " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec)
            throw Error(Errc::io_error, "read Docker's devicemapper metadata", metadata_dir,
                        "the directory can not be read: " + ec.message());
        const std::string name = it->path().filename().string();
        // The driver's own state, not devices (deviceset.go: deviceSetMetaFile,
        // transactionMetaFile); the transaction's id, if open, is a device file's too.
        if (name == "deviceset-metadata" || name == "transaction-metadata" || name.front() == '.')
            continue;
        const auto text = read_whole(it->path(), "read Docker's devicemapper metadata");
        const auto document = lvmkit::internal::load_json_object(text, it->path().string());
        const auto id = document.value.find("device_id");
        if (id == document.value.end() || !id->is_number_unsigned())
            throw Error(Errc::parse_error, "read Docker's devicemapper metadata",
                        it->path().string(), "the device's JSON has no device_id number");
        out[id->template get<std::uint64_t>()] = name;
    }
    return out;
}

std::set<std::uint64_t> read_containerd_device_ids(const std::string& database) {
    std::set<std::uint64_t> out;
    std::error_code ec;
    if (!fs::exists(database, ec))
        return out;
    const std::string bytes = read_whole(database, "read containerd's devmapper metadata");
    const std::string key = "\"device_id\":";
    for (auto at = bytes.find(key); at != std::string::npos; at = bytes.find(key, at + 1)) {
        std::size_t pos = at + key.size();
        std::uint64_t id = 0;
        std::size_t digits = 0;
        while (pos < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[pos])) &&
               digits < 9) {
            id = id * 10 + static_cast<std::uint64_t>(bytes[pos++] - '0');
            ++digits;
        }
        if (digits > 0)
            out.insert(id);
    }
    return out;
}

namespace internal {

GraphLeftovers find_graph_leftovers(const ThinPoolSpec& spec, const PoolContents& contents) {
    GraphLeftovers out;
    out.docker_metadata_dir = under_root(spec, spec.graph_dir + "/devicemapper/metadata");
    out.containerd_databases = containerd_databases(spec);
    if (!contents.thin_devices) {
        out.note = "the pool's metadata was not read: " + contents.metadata_note;
        return out;
    }
    try {
        const auto docker = read_docker_device_ids(out.docker_metadata_dir);
        std::set<std::uint64_t> containerd;
        for (const auto& database : out.containerd_databases)
            containerd.merge(read_containerd_device_ids(database));
        auto attributed = attribute_graph_leftovers(contents.unknown_thin_data, docker, containerd);
        attributed.docker_metadata_dir = out.docker_metadata_dir;
        attributed.containerd_databases = out.containerd_databases;
        return attributed;
    } catch (const Error& e) {
        out.note = e.what();
        return out;
    }
}

bool graph_leftovers_apply(const ThinPoolSpec& spec) {
    return spec.consumer != Consumer::docker ||
           choose_docker_storage(spec).mode != DockerStorage::devicemapper;
}

Advice graph_leftovers_advice(const ThinPoolSpec& spec, const GraphLeftovers& leftovers) {
    return {"graph_driver_leftovers",
            leftovers.summary() +
                ": Docker 25 and later can not read them (pull the images again); they hold "
                "their space until removed",
            cleanup_command(spec)};
}

std::string graph_leftovers_decision(const ThinPoolSpec& spec, const GraphLeftovers& leftovers,
                                     const std::optional<SnapshotterIds>& ids) {
    std::string out = "the pool keeps " + leftovers.summary() +
                      ": Docker 25 and later can not read them, so its images must be pulled "
                      "again and its containers created again; they stay (a way back to Docker "
                      "24) until `" +
                      cleanup_command(spec) + "` removes exactly them";
    if (ids && (!ids->database_exists || ids->database_reserves))
        return out +
               ". containerd's snapshotter, which numbers its devices without asking the "
               "pool, starts after their ids (the last step)";
    return out + ". containerd's snapshotter" + (ids ? ", whose database exists already," : "") +
           " numbers its devices without asking the pool: it fails to create one on each id "
           "they hold (the pool refuses a taken id; containerd marks it faulty and takes the "
           "next)";
}

void add_graph_leftovers_to_plan(const ThinPoolSpec& spec, const SystemState& state,
                                 const FileWriter& writer, Plan& plan) {
    const auto* pool = state.pool();
    std::error_code ec;
    if (pool == nullptr || !state.pool_is_thin_pool() || !pool->active ||
        !fs::exists(under_root(spec, spec.graph_dir + "/devicemapper/metadata"), ec) ||
        !graph_leftovers_apply(spec))
        return;
    auto session = session_for(spec);
    const auto contents = read_pool_contents(spec, session, state.lvs);
    const auto leftovers = find_graph_leftovers(spec, contents);
    if (!leftovers.note.empty()) {
        plan.warnings.push_back(
            "Docker's devicemapper metadata is there, but lvmkit can not tell "
            "which of the pool's devices are its: " +
            leftovers.note);
        return;
    }
    if (leftovers.empty())
        return;
    const auto ids = snapshotter_ids(spec, contents, state.lvs, writer);
    plan.decisions.push_back(graph_leftovers_decision(spec, leftovers, ids));
    if (ids)
        plan.steps.push_back(snapshotter_ids_step(*ids));
}

}  // namespace internal

GraphLeftovers find_graph_leftovers(const ThinPoolSpec& spec) {
    internal::validate_spec(internal::without_devices(spec));
    auto session = internal::session_for(spec);
    const auto lvs =
        internal::find_vg(session, spec.vg) ? session.lvs(spec.vg) : std::vector<lvm::LvReport>{};
    return internal::find_graph_leftovers(spec, internal::read_pool_contents(spec, session, lvs));
}

}  // namespace lvmkit::setup
