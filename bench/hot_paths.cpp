// The hot paths (issue 27): what the boot re-run and monitoring cost, beside the small tools they
// stand in for, all as processes alternating in the same round:
//   cli_version   `lvmkit-docker --version` (start-up and exit only)
//   cli_setup     `lvmkit-docker setup --yes --quiet ...` with nothing to do (the boot re-run)
//   cli_status    `lvmkit-docker status ...`
//   lvs           `lvs docker/thinpool` (one LVM report of the pool)
//   vgchange      `vgchange -ay docker` (what a boot without lvmkit would run)
//   dmsetup       `dmsetup version` (the floor of a small device-mapper tool)
//   lvm_version   `lvm version` (LVM's own start-up)
//   true          `/bin/true` (the floor of any process here)
// and in-process, per round, the library's no-op check (setup::plan with nothing to do) and
// setup::status (median of --calls calls). Per round the ratio peer / lvmkit; the figures are the
// medians over the rounds of those ratios, with wall medians, CPU and peak RSS.
// Needs root and device-mapper (tests/vm/run).
//   bench-hot_paths --cli PATH [--rounds 7] [--calls 20]
#include <cstring>
#include <map>

#include "bench_util.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/setup.hpp"

namespace {

using bench::Clock;
namespace setup = lvmkit::setup;

struct Options {
    std::string cli;
    std::size_t rounds = 7;
    std::size_t calls = 20;
};

struct Samples {
    std::vector<double> wall, cpu, rss_mib;
};

double timed_process(const std::vector<std::string>& argv, Samples& into) {
    const auto start = Clock::now();
    const auto child = bench::run(argv);
    const double wall = bench::seconds_since(start);
    if (child.exit_code != 0) {
        std::string line;
        for (const auto& a : argv)
            line += a + " ";
        throw std::runtime_error(line + "failed (" + std::to_string(child.exit_code) +
                                 "): " + child.output);
    }
    into.wall.push_back(wall);
    into.cpu.push_back(child.cpu_seconds);
    into.rss_mib.push_back(static_cast<double>(child.maxrss_kib) / 1024.0);
    return wall;
}

template <typename Call>
double median_of_calls(std::size_t calls, Call&& call) {
    std::vector<double> samples;
    for (std::size_t i = 0; i < calls; ++i) {
        const auto start = Clock::now();
        call();
        samples.push_back(bench::seconds_since(start));
    }
    return bench::summarize(samples).median;
}

void print_peer(const std::string& peer, const Samples& s) {
    const auto wall = bench::summarize(s.wall);
    bench::JsonLine line;
    line.add("bench", "hot_paths")
        .add("peer", peer)
        .add("rounds", static_cast<std::uint64_t>(s.wall.size()))
        .add("median_s", wall.median)
        .add("min_s", wall.min)
        .add("max_s", wall.max);
    if (!s.cpu.empty())
        line.add("cpu_s", bench::summarize(s.cpu).median)
            .add("rss_mib", bench::summarize(s.rss_mib).median);
    line.print();
}

void print_ratio(const std::string& name, const std::vector<double>& ratios) {
    const auto r = bench::summarize(ratios);
    bench::JsonLine()
        .add("bench", "hot_paths_ratio")
        .add("ratio", name)
        .add("median", r.median)
        .add("min", r.min)
        .add("max", r.max)
        .print();
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--cli")
            o.cli = value;
        else if (key == "--rounds")
            o.rounds = std::stoul(value);
        else if (key == "--calls")
            o.calls = std::stoul(value);
        else
            throw std::runtime_error("unknown option " + key);
    }
    if (o.cli.empty() || o.rounds == 0 || o.calls == 0)
        throw std::runtime_error("usage: bench-hot_paths --cli PATH [--rounds N] [--calls N]");
    return o;
}

void measure(const Options& o) {
    bench::Loop disk(4ull << 30);
    const std::string root = bench::temp_dir() + "/lvmkit-bench-hot-root";
    bench::run_checked({"mkdir", "-p", root});
    const std::vector<std::string> cli_setup = {o.cli,      "setup",     "--yes",  "--quiet",
                                                "--device", disk.path(), "--root", root};
    bench::run_checked(cli_setup);  // the real setup, once
    setup::ThinPoolSpec spec;
    spec.devices = {disk.path()};
    spec.target_root = root;

    const std::vector<std::pair<std::string, std::vector<std::string>>> peers = {
        {"cli_version", {o.cli, "--version"}},
        {"cli_setup", cli_setup},
        {"cli_status", {o.cli, "status", "--root", root}},
        {"lvs", {"lvs", "docker/thinpool"}},
        {"vgchange", {"vgchange", "-ay", "docker"}},
        {"dmsetup", {"dmsetup", "version"}},
        {"lvm_version", {"lvm", "version"}},
        {"true", {"/bin/true"}},
    };
    std::map<std::string, Samples> samples;
    std::map<std::string, std::vector<double>> ratios;
    Samples lib_check, lib_status;
    for (const auto& peer : peers)  // warm-up: binaries and libraries into the page cache
        bench::run(peer.second);
    for (std::size_t round = 0; round < o.rounds; ++round) {
        std::map<std::string, double> wall;
        // Alternate the order each round so no peer always runs after the same one.
        for (std::size_t i = 0; i < peers.size(); ++i) {
            const auto& peer = peers[(round % 2 == 0) ? i : peers.size() - 1 - i];
            wall[peer.first] = timed_process(peer.second, samples[peer.first]);
        }
        const double check = median_of_calls(o.calls, [&] {
            if (!setup::plan(spec).nothing_to_do())
                throw std::runtime_error("setup::plan finds work on a set-up pool");
        });
        const double status = median_of_calls(o.calls, [&] {
            if (!setup::status(spec).exists)
                throw std::runtime_error("setup::status finds no pool");
        });
        lib_check.wall.push_back(check);
        lib_status.wall.push_back(status);
        ratios["lvs / cli_setup"].push_back(wall["lvs"] / wall["cli_setup"]);
        ratios["lvs / cli_status"].push_back(wall["lvs"] / wall["cli_status"]);
        ratios["cli_setup / dmsetup"].push_back(wall["cli_setup"] / wall["dmsetup"]);
        ratios["cli_status / dmsetup"].push_back(wall["cli_status"] / wall["dmsetup"]);
        ratios["cli_version / dmsetup"].push_back(wall["cli_version"] / wall["dmsetup"]);
        ratios["vgchange / cli_setup"].push_back(wall["vgchange"] / wall["cli_setup"]);
        ratios["lvs / lib_check"].push_back(wall["lvs"] / check);
        ratios["lvs / lib_status"].push_back(wall["lvs"] / status);
    }
    for (const auto& peer : peers)
        print_peer(peer.first, samples[peer.first]);
    print_peer("lib_check", lib_check);
    print_peer("lib_status", lib_status);
    for (const auto& [name, values] : ratios)
        print_ratio(name, values);

    setup::TeardownOptions teardown;
    teardown.force = true;
    setup::teardown(spec, teardown);
    bench::run_checked({"rm", "-rf", root});
}

}  // namespace

int main(int argc, char** argv) {
    ::setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
    try {
        measure(parse(argc, argv));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-hot_paths: %s\n", e.what());
        return 1;
    }
}
