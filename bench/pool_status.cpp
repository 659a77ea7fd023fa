// A thin pool's usage read three ways in the same kernel, with 0..N foreign block devices present:
//   lvmkit usage   dm::thin_pool_status in-process (what setup::status reads for the figures)
//   lvmkit status  setup::status in-process (usage plus LVM attributes, profile, config files)
//   dmsetup        `dmsetup status docker-thinpool` as a process
//   lvs            `lvs -o data_percent,metadata_percent docker/thinpool` as a process
// The pool comes from setup::apply on a fresh loop device; every call is one sample (median, min,
// max over the calls); the process peers alternate. Needs root and device-mapper (tests/vm/run).
//   bench-pool_status [--foreign 0,16,64,128] [--calls IN_PROCESS,PROCESS]
#include <cstring>

#include "bench_util.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/setup.hpp"

namespace {

using bench::Clock;
namespace setup = lvmkit::setup;

struct Options {
    std::vector<std::size_t> foreign{0};
    std::size_t in_process_calls = 1000;
    std::size_t process_calls = 20;
};

void print(const std::string& peer, std::size_t foreign, std::size_t labelled,
           const std::vector<double>& samples) {
    const auto s = bench::summarize(samples);
    bench::JsonLine()
        .add("bench", "status")
        .add("peer", peer)
        .add("foreign", static_cast<std::uint64_t>(foreign))
        .add("foreign_labelled", static_cast<std::uint64_t>(labelled))
        .add("calls", static_cast<std::uint64_t>(samples.size()))
        .add("median_s", s.median)
        .add("min_s", s.min)
        .add("max_s", s.max)
        .print();
}

template <typename Call>
double timed(Call&& call) {
    const auto start = Clock::now();
    call();
    return bench::seconds_since(start);
}

void check_usage(const lvmkit::dm::ThinPoolStatus& status) {
    if (!std::holds_alternative<lvmkit::dm::ThinPoolUsage>(status))
        throw std::runtime_error("docker-thinpool has no usable status");
}

void check_process(const bench::ChildResult& child, const char* expected) {
    if (child.exit_code != 0 || child.output.find(expected) == std::string::npos)
        throw std::runtime_error("status process failed: " + child.output);
}

void measure_one(const Options& o, const bench::ForeignDevices& foreign) {
    bench::Loop disk(4ull << 30);
    const std::string root = bench::temp_dir() + "/lvmkit-bench-status-root";
    bench::run_checked({"mkdir", "-p", root});
    setup::ThinPoolSpec spec;
    spec.devices = {disk.path()};
    spec.target_root = root;
    setup::apply(spec);

    std::vector<double> usage, full, dmsetup, lvs;
    check_usage(lvmkit::dm::thin_pool_status("docker-thinpool"));  // warm-up
    for (std::size_t i = 0; i < o.in_process_calls; ++i)
        usage.push_back(
            timed([] { check_usage(lvmkit::dm::thin_pool_status("docker-thinpool")); }));
    for (std::size_t i = 0; i < o.process_calls; ++i) {
        full.push_back(timed([&] {
            if (!setup::status(spec).exists)
                throw std::runtime_error("setup::status finds no pool");
        }));
        dmsetup.push_back(timed([] {
            check_process(bench::run({"dmsetup", "status", "docker-thinpool"}), "thin-pool");
        }));
        lvs.push_back(timed([] {
            check_process(bench::run({"lvm", "lvs", "--noheadings", "-o",
                                      "data_percent,metadata_percent", "docker/thinpool"}),
                          ".");
        }));
    }
    print("lvmkit_usage", foreign.size(), foreign.labelled(), usage);
    print("lvmkit_status", foreign.size(), foreign.labelled(), full);
    print("dmsetup", foreign.size(), foreign.labelled(), dmsetup);
    print("lvs", foreign.size(), foreign.labelled(), lvs);

    setup::TeardownOptions teardown;
    teardown.force = true;
    setup::teardown(spec, teardown);
    bench::run_checked({"rm", "-rf", root});
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--foreign") {
            o.foreign = bench::parse_list(value);
        } else if (key == "--calls") {
            const auto calls = bench::parse_list(value);
            if (calls.size() != 2)
                throw std::runtime_error("--calls takes IN_PROCESS,PROCESS");
            o.in_process_calls = calls[0];
            o.process_calls = calls[1];
        } else {
            throw std::runtime_error("unknown option " + key);
        }
    }
    if (o.foreign.empty() || o.in_process_calls == 0 || o.process_calls == 0)
        throw std::runtime_error("nothing to measure");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    ::setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
    try {
        const auto options = parse(argc, argv);
        bench::ForeignDevices foreign;
        for (const auto count : options.foreign) {
            foreign.resize(count);
            measure_one(options, foreign);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-pool_status: %s\n", e.what());
        return 1;
    }
}
