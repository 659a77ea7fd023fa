// What a pool's state means and the command that fixes it, for status(); and whether dmeventd
// really runs (LVM's `seg_monitor` only says that the pool is registered).
#include <dirent.h>

#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "setup/setup_internal.hpp"

namespace lvmkit::setup::internal {
namespace {

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

// Stops the runtime's users of the pool first: deactivating a pool in use fails.
std::string repair_command(const std::string& pool) {
    return fmt::format(
        "stop the container runtime, then: lvchange -an {0} && lvconvert --repair {0} && "
        "lvchange -ay {0}",
        pool);
}

std::string grow_command(const ThinPoolSpec& spec) {
    return fmt::format(
        "lvmkit-docker grow --vg {} --pool {}{} --device /dev/NEW-DISK (with setup's other "
        "options; it probes the disk, adds it and grows data and metadata)",
        spec.vg.str(), spec.pool.str(),
        spec.layout == Layout::recommended ? " --layout recommended" : "");
}

// One autoextend step's worth (20% when autoextend is off), rounded up to whole MiB.
Bytes growth(Bytes total, unsigned percent) {
    const std::uint64_t by = percent > 0 ? percent : 20;
    const std::uint64_t mib = Bytes::MiB(1).count();
    const std::uint64_t bytes = total.count() * by / 100;
    return Bytes(std::max<std::uint64_t>((bytes + mib - 1) / mib, 1) * mib);
}

Advice out_of_data_space(const ThinPoolSpec& spec, const PoolStatus& status,
                         const std::string& pool) {
    const Bytes step = growth(status.data_total, status.autoextend_percent);
    const std::string extend = fmt::format("lvextend -L +{} {}", to_lvm_string(step), pool);
    // A new disk goes through lvmkit's probe (grow.hpp), never a hand-typed vgextend: the one
    // step of a pool's life where a wrong device name destroys data.
    const std::string command = status.vg_free >= step ? extend : grow_command(spec);
    return {"out_of_data_space",
            fmt::format("the pool's data space is full: writes that need a new block {} until "
                        "the pool grows (VG free: {})",
                        status.when_full == "error" ? "fail at once" : "queue, then fail,",
                        format_human(status.vg_free)),
            command};
}

Advice read_only(const PoolStatus& status, const std::string& pool) {
    const bool metadata_full = status.metadata_percent >= 99.0;
    std::string command = repair_command(pool);
    if (metadata_full)
        command = fmt::format("lvextend --poolmetadatasize +{} {}; then {}",
                              to_lvm_string(growth(status.metadata_total, 20)), pool, command);
    return {"read_only",
            metadata_full ? "the pool's metadata is full, so the kernel made the pool read-only: "
                            "no block can be allocated, writes that need one fail"
                          : "the kernel made the pool's metadata read-only (a metadata error): no "
                            "block can be allocated, writes that need one fail",
            command};
}

}  // namespace

bool process_running(const std::string& wanted) {
    const std::unique_ptr<DIR, DirCloser> proc(::opendir("/proc"));
    if (!proc)
        return false;
    while (const dirent* entry = ::readdir(proc.get())) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        std::ifstream comm(std::string("/proc/") + entry->d_name + "/comm");
        std::string name;
        if (std::getline(comm, name) && name == wanted)
            return true;
    }
    return false;
}

bool dmeventd_running() {
    std::ifstream pid_file("/run/dmeventd.pid");
    long pid = 0;
    if (pid_file >> pid && pid > 0) {
        std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
        std::string name;
        if (std::getline(comm, name) && name == "dmeventd")
            return true;
    }
    return process_running("dmeventd");
}

std::vector<Advice> advice_for(const ThinPoolSpec& spec, const PoolStatus& status) {
    const std::string pool = spec.vg.str() + "/" + spec.pool.str();
    std::vector<Advice> out;
    if (status.mode == "out_of_data_space")
        out.push_back(out_of_data_space(spec, status, pool));
    else if (status.mode == "ro")
        out.push_back(read_only(status, pool));
    else if (status.mode == "needs_check")
        out.push_back({"needs_check",
                       "the kernel flagged the pool's metadata for checking: it stays read-only "
                       "until thin_check has run (LVM runs it on activation)",
                       repair_command(pool)});
    else if (status.mode == "fail")
        out.push_back({"fail",
                       "the pool failed (an I/O or metadata error): no I/O to its volumes works",
                       "check the PVs (dmesg, smartctl), then " + repair_command(pool)});
    if (!status.monitored && spec.monitor) {
        const std::string start = "systemctl start dm-event.socket dm-event.service && ";
        out.push_back(
            {"not_monitored",
             status.dmeventd_missing
                 ? "LVM has the pool registered with dmeventd, but dmeventd is not running: "
                   "autoextend will never happen"
                 : "dmeventd does not monitor the pool: autoextend will never happen",
             (status.dmeventd_missing ? start : std::string()) + "lvchange --monitor y " + pool});
    }
    return out;
}

}  // namespace lvmkit::setup::internal
