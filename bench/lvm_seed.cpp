// The seed procedure end to end (PV, VG, two LVs, thin pool conversion, profile, monitoring,
// daemon.json), three peers measured in the same kernel, alternating, on fresh loop devices each
// round:
//   lvmkit  one process calling setup::apply (this program re-executed with --child-setup: the
//           library equivalent of `lvmkit-docker setup`)
//   manual  the seed's seven lvm commands as separate processes, as an administrator types them
//   shell   one `lvm` shell fed the same seven commands on stdin
//   cli     `lvmkit-docker setup --yes` (with --cli PATH: what an administrator runs), the same
//           spec as the lvmkit peer's
// Per round and peer: wall time, CPU time and peak RSS of the processes (wait4), and the reads and
// writes the PVs saw (/sys/block/loopN/stat). Growth: each configuration FOREIGN:PVS adds FOREIGN
// loop devices that LVM scans (half of them PVs of other VGs) and spreads the VG over PVS devices.
// Needs root and device-mapper (tests/vm/run). Prints one "JSON {...}" line per measurement.
//   bench-lvm_seed [--rounds N] [--warm-up 0|1] [--grid FOREIGN:PVS,...] [--size-mib MIB]
//                  [--peers lvmkit,manual,shell] [--cli PATH-OF-lvmkit-docker (adds peer cli)]
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "bench_util.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/log.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"

namespace {

using bench::Clock;

const char* const kProfileText =
    "activation {\nthin_pool_autoextend_threshold=80\nthin_pool_autoextend_percent=20\n}\n";
const char* const kDaemonJson =
    "{\n  \"storage-driver\": \"devicemapper\",\n  \"storage-opts\": [\n"
    "    \"dm.thinpooldev=/dev/mapper/docker-thinpool\",\n"
    "    \"dm.use_deferred_removal=true\",\n    \"dm.use_deferred_deletion=true\"\n  ]\n}\n";

struct Options {
    int rounds = 5;
    bool warm_up = true;                                            // one unreported round first
    std::vector<std::pair<std::size_t, std::size_t>> grid{{0, 1}};  // foreign devices : PVs
    std::uint64_t size_bytes = 4ull << 30;                          // of the whole VG
    std::vector<std::string> peers{"lvmkit", "manual", "shell"};
    std::string cli;  // lvmkit-docker, for the cli peer
};

/// What one peer's setup cost.
struct Measurement {
    double wall = 0;
    double cpu = 0;
    long maxrss_kib = 0;
    int processes = 0;
    bench::IoCounters io;
};

/// The seed's seven commands (without the leading "lvm"), for the given PVs.
std::vector<std::vector<std::string>> seed_commands(const std::vector<std::string>& pvs) {
    std::vector<std::string> pvcreate{"pvcreate"};
    std::vector<std::string> vgcreate{"vgcreate", "docker"};
    for (const auto& pv : pvs) {
        pvcreate.push_back(pv);
        vgcreate.push_back(pv);
    }
    return {pvcreate,
            vgcreate,
            {"lvcreate", "--wipesignatures", "y", "-n", "thinpool", "docker", "-l", "95%VG"},
            {"lvcreate", "--wipesignatures", "y", "-n", "thinpoolmeta", "docker", "-l", "1%VG"},
            {"lvconvert", "-y", "--zero", "n", "-c", "512K", "--thinpool", "docker/thinpool",
             "--poolmetadata", "docker/thinpoolmeta"},
            {"lvchange", "--metadataprofile", "docker-thinpool", "docker/thinpool"},
            {"lvchange", "--monitor", "y", "docker/thinpool"}};
}

void write_text(const std::string& path, const char* text) {
    std::ofstream out(path);
    out << text;
    if (!out.flush())
        throw std::runtime_error("can not write " + path);
}

class Runner {
  public:
    Runner(std::string self, std::string cli, std::string profile_dir)
        : self_(std::move(self)), cli_(std::move(cli)), profile_dir_(std::move(profile_dir)) {}

    Measurement run_peer(const std::string& peer, const bench::Loops& pvs) {
        const auto devices = bench::paths_of(pvs);
        target_ = bench::temp_dir() + "/lvmkit-bench-root";
        bench::run_checked({"mkdir", "-p", target_ + "/etc/docker"});
        const auto before = bench::io_counters(pvs);
        const auto start = Clock::now();
        Measurement m;
        if (peer == "lvmkit")
            lvmkit(devices, m);
        else if (peer == "manual")
            manual(devices, m);
        else if (peer == "shell")
            shell(devices, m);
        else if (peer == "cli" && !cli_.empty())
            cli(devices, m);
        else
            throw std::runtime_error("unknown peer " + peer);
        m.wall = bench::seconds_since(start);
        m.io = bench::io_counters(pvs) - before;
        check_result(peer, devices);
        clean_up(devices);
        return m;
    }

  private:
    void account(const bench::ChildResult& child, const std::string& what, Measurement& m) {
        m.cpu += child.cpu_seconds;
        m.maxrss_kib = std::max(m.maxrss_kib, child.maxrss_kib);
        ++m.processes;
        if (child.exit_code != 0)
            throw std::runtime_error(what + " failed (" + std::to_string(child.exit_code) +
                                     "): " + child.output);
    }

    void lvmkit(const std::vector<std::string>& devices, Measurement& m) {
        std::vector<std::string> argv{self_, "--child-setup", target_};
        argv.insert(argv.end(), devices.begin(), devices.end());
        account(bench::run(argv), "lvmkit setup::apply", m);
    }

    // The library's defaults are the CLI's; Docker 20.10 for the graph driver's daemon.json.
    void cli(const std::vector<std::string>& devices, Measurement& m) {
        std::vector<std::string> argv{
            cli_, "setup", "--yes", "--quiet", "--root", target_, "--docker-version", "20.10.24"};
        for (const auto& device : devices) {
            argv.push_back("--device");
            argv.push_back(device);
        }
        account(bench::run(argv), "lvmkit-docker setup", m);
    }

    void manual(const std::vector<std::string>& devices, Measurement& m) {
        const auto commands = seed_commands(devices);
        for (std::size_t i = 0; i < commands.size(); ++i) {
            if (i == 5)  // the profile exists before lvchange attaches it
                write_text(profile_path(), kProfileText);
            std::vector<std::string> argv{"lvm"};
            argv.insert(argv.end(), commands[i].begin(), commands[i].end());
            account(bench::run(argv), argv[1], m);
        }
        write_text(target_ + "/etc/docker/daemon.json", kDaemonJson);
    }

    void shell(const std::vector<std::string>& devices, Measurement& m) {
        std::string input;
        for (const auto& command : seed_commands(devices)) {
            for (const auto& word : command)
                input += word + " ";
            input += "\n";
        }
        write_text(profile_path(), kProfileText);
        const auto child = bench::run({"lvm"}, input + "exit\n");
        account(child, "lvm shell", m);
        // The shell carries on after a failed command: its output is the only sign.
        if (child.output.find("Run `") != std::string::npos)
            throw std::runtime_error("lvm shell: " + child.output);
        write_text(target_ + "/etc/docker/daemon.json", kDaemonJson);
    }

    // Every peer must leave the same result: an active, monitored pool with the profile.
    void check_result(const std::string& peer, const std::vector<std::string>& devices) {
        const auto lvs = bench::run_checked(
            {"lvm", "lvs", "--config", bench::filter_for(devices), "--noheadings", "-o",
             "segtype,lv_profile,seg_monitor,chunk_size", "--units", "k", "docker/thinpool"});
        for (const char* expected : {"thin-pool", "docker-thinpool", "monitored", "512.00k"})
            if (lvs.output.find(expected) == std::string::npos)
                throw std::runtime_error(peer + " left no " + expected + " pool: " + lvs.output);
        if (bench::slurp(target_ + "/etc/docker/daemon.json").find("docker-thinpool") ==
            std::string::npos)
            throw std::runtime_error(peer + " wrote no daemon.json");
    }

    void clean_up(const std::vector<std::string>& devices) {
        bench::run_checked(
            {"lvm", "vgremove", "-f", "--config", bench::filter_for(devices), "docker"});
        std::remove(profile_path().c_str());
        bench::run_checked({"rm", "-rf", target_});
    }

    std::string profile_path() const { return profile_dir_ + "/docker-thinpool.profile"; }

    std::string self_;
    std::string cli_;
    std::string profile_dir_;
    std::string target_;
};

void print(const std::string& peer, std::size_t foreign, std::size_t labelled, std::size_t pvs,
           int round, const Measurement& m) {
    bench::JsonLine()
        .add("bench", "setup")
        .add("peer", peer)
        .add("foreign", static_cast<std::uint64_t>(foreign))
        .add("foreign_labelled", static_cast<std::uint64_t>(labelled))
        .add("pvs", static_cast<std::uint64_t>(pvs))
        .add("round", round)
        .add("wall_s", m.wall)
        .add("cpu_s", m.cpu)
        .add("maxrss_kib", m.maxrss_kib)
        .add("processes", m.processes)
        .add("pv_reads", m.io.reads)
        .add("pv_read_kib", m.io.read_sectors / 2)
        .add("pv_writes", m.io.writes)
        .add("pv_write_kib", m.io.write_sectors / 2)
        .print();
}

// LVMKIT_BENCH_TRACE=1: lvmkit's log (commands, steps) on stderr with milliseconds since start,
// to see where a setup spends its time; 2: every debug message too (libblkid probes, LVM's own
// debug lines).
void trace_if_asked() {
    const char* trace = std::getenv("LVMKIT_BENCH_TRACE");
    if (trace == nullptr || (std::strcmp(trace, "1") != 0 && std::strcmp(trace, "2") != 0))
        return;
    const bool everything = std::strcmp(trace, "2") == 0;
    const auto start = Clock::now();
    lvmkit::set_log_level(lvmkit::LogLevel::debug);
    lvmkit::set_log_sink([start, everything](lvmkit::LogCategory category, lvmkit::LogLevel level,
                                             std::string_view message) {
        if (!everything && level == lvmkit::LogLevel::debug &&
            (category != lvmkit::LogCategory::lvm || message.rfind("lvm2_run", 0) != 0))
            return;
        std::fprintf(stderr, "%8.0f ms %s: %.*s\n", bench::seconds_since(start) * 1e3,
                     lvmkit::to_string(category), static_cast<int>(message.size()), message.data());
    });
}

// How long the process had run when main() began (exec, dynamic linking), from /proc.
double process_age_ms() {
    std::ifstream stat("/proc/self/stat"), uptime("/proc/uptime");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }  // field 22: starttime, in clock ticks since boot
    double up = 0;
    uptime >> up;
    return (up - std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK))) * 1e3;
}

int child_setup(int argc, char** argv) {
    const bool tracing = std::getenv("LVMKIT_BENCH_TRACE") != nullptr;
    if (tracing)
        std::fprintf(stderr, "process age at main: %.0f ms\n", process_age_ms());
    trace_if_asked();
    lvmkit::setup::ThinPoolSpec spec;
    spec.target_root = argv[2];
    for (int i = 3; i < argc; ++i)
        spec.devices.emplace_back(argv[i]);
    lvmkit::setup::apply(spec);
    if (tracing) {  // what follows until the process is gone is exit, measured by the caller
        lvmkit::log(lvmkit::LogCategory::setup, lvmkit::LogLevel::notice, "apply returned");
        lvmkit::lvm::release_session();  // lvm2_exit, otherwise run at exit
        lvmkit::log(lvmkit::LogCategory::setup, lvmkit::LogLevel::notice, "lvm2_exit returned");
    }
    return 0;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--rounds") {
            o.rounds = std::stoi(value);
        } else if (key == "--warm-up") {
            o.warm_up = value != "0";
        } else if (key == "--size-mib") {
            o.size_bytes = std::stoull(value) << 20;
        } else if (key == "--peers") {
            o.peers.clear();
            std::stringstream in(value);
            for (std::string p; std::getline(in, p, ',');)
                o.peers.push_back(p);
        } else if (key == "--cli") {
            o.cli = value;
        } else if (key == "--grid") {
            o.grid.clear();
            std::stringstream in(value);
            for (std::string item; std::getline(in, item, ',');) {
                const auto colon = item.find(':');
                o.grid.emplace_back(
                    std::stoul(item.substr(0, colon)),
                    colon == std::string::npos ? 1 : std::stoul(item.substr(colon + 1)));
            }
        } else {
            throw std::runtime_error("unknown option " + key);
        }
    }
    if (!o.cli.empty() && std::find(o.peers.begin(), o.peers.end(), "cli") == o.peers.end())
        o.peers.push_back("cli");
    if (o.rounds < 1 || o.grid.empty() || o.peers.empty())
        throw std::runtime_error("nothing to measure");
    return o;
}

int measure(const Options& options, const std::string& self) {
    // The profile directory as LVM resolves it (LVM_SYSTEM_DIR); then the parent drops liblvm2cmd.
    const std::string profiles = lvmkit::lvm::Session().profile_dir();
    lvmkit::lvm::release_session();
    Runner runner(self, options.cli, profiles);
    bench::ForeignDevices foreign;
    for (const auto& [foreign_count, pv_count] : options.grid) {
        foreign.resize(foreign_count);
        const std::uint64_t pv_size = options.size_bytes / pv_count;
        const auto fresh = [&] {
            bench::Loops pvs;
            for (std::size_t i = 0; i < pv_count; ++i)
                pvs.push_back(std::make_unique<bench::Loop>(pv_size));
            return pvs;
        };
        // Round 0 warms up (binaries from the 9p root, dmeventd start) and is not reported.
        for (int round = options.warm_up ? 0 : 1; round <= options.rounds; ++round) {
            const std::size_t n = options.peers.size();
            for (std::size_t k = 0; k < n; ++k) {
                const auto& peer = options.peers[(k + static_cast<std::size_t>(round)) % n];
                const auto pvs = fresh();
                const auto m = runner.run_peer(peer, pvs);
                if (round > 0)
                    print(peer, foreign.size(), foreign.labelled(), pv_count, round, m);
            }
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ::setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
    try {
        if (argc >= 3 && std::strcmp(argv[1], "--child-setup") == 0)
            return child_setup(argc, argv);
        char self[4096] = {};
        if (::readlink("/proc/self/exe", self, sizeof self - 1) <= 0)
            throw std::runtime_error("can not read /proc/self/exe");
        return measure(parse(argc, argv), self);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-lvm_seed: %s\n", e.what());
        return 1;
    }
}
