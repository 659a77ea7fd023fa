// grow under a real kernel: one seed pool, then in order a refused disk, a grow failing at its
// first lvextend (rolled back), a grow killed before its data step (resumed by the next run),
// all while a process writes into an ext4 on a thin volume of the pool; the data is verified
// after a remount. And dmeventd's autoextend on a recommended layout, past its threshold.
#include "lvmkit/grow.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>
#include "catch_compat.hpp"
#include "lvmkit/blockdev.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "system/cli_fixtures.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kDisk = 512ull << 20;  // 127 extents: 1%VG is one extent

setup::ThinPoolSpec spec_for(const std::vector<std::string>& devices, const ScratchDir& root,
                             const std::string& vg) {
    setup::ThinPoolSpec spec;
    spec.devices = devices;
    spec.vg = VgName(vg);
    spec.target_root = root.path();
    spec.consumer = setup::Consumer::none;
    return spec;
}

void run_ok(const std::vector<std::string>& argv) {
    const auto result = run_command(argv);
    INFO(argv.front() << ": " << result.output);
    REQUIRE(result.exit_code == 0);
}

lvm::VgReport vg_of(const std::string& vg) {
    for (auto& report : lvm::Session().vgs())
        if (report.name == vg)
            return report;
    FAIL("no VG " << vg);
    return {};
}

Bytes lv_size(const std::string& vg, const std::string& lv) {
    for (const auto& report : lvm::Session().lvs(VgName(vg)))
        if (report.name == lv)
            return report.size;
    FAIL("no LV " << vg << "/" << lv);
    return {};
}

// A process that writes files of random data into @p dir, each fsynced and its checksum
// recorded, until stopped: the runtime's container, in the [system] suite's terms.
class Writer {
  public:
    explicit Writer(const std::string& dir) : dir_(dir) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string script =
                "cd '" + dir +
                "' && i=0 && while [ ! -e stop ]; do "
                "dd if=/dev/urandom of=f$i bs=64k count=8 conv=fsync status=none && "
                "sha256sum f$i >> sums && sync sums && i=$((i+1)); done";
            ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~Writer() { stop(); }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    std::size_t files_written() const {
        const auto result = run_command({"sh", "-c", "wc -l < '" + dir_ + "/sums'"});
        return result.exit_code == 0 ? std::stoul(result.output) : 0;
    }
    int stop() {
        if (pid_ <= 0)
            return 0;
        run_command({"touch", dir_ + "/stop"});
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return status;
    }

  private:
    std::string dir_;
    pid_t pid_ = -1;
};

class Mount {
  public:
    Mount(const std::string& device, const std::string& dir) : dir_(dir) {
        load_module("ext4");
        const int rc = ::mount(device.c_str(), dir.c_str(), "ext4", 0, nullptr);
        INFO("mount " << device << ": " << std::strerror(errno));
        REQUIRE(rc == 0);
    }
    ~Mount() { ::umount(dir_.c_str()); }
    Mount(const Mount&) = delete;
    Mount& operator=(const Mount&) = delete;

  private:
    std::string dir_;
};

// One series' value from Prometheus' text: `name{labels} value`, the first line that starts with
// @p series (name and the labels' opening, e.g. `lvmkit_pool_data_size_bytes{`).
std::optional<double> sample(const std::string& text, const std::string& series) {
    std::size_t at = 0;
    while ((at = text.find(series, at)) != std::string::npos) {
        if (at == 0 || text[at - 1] == '\n') {
            const auto end = text.find('\n', at);
            const std::string line = text.substr(at, end - at);
            return std::stod(line.substr(line.rfind(' ') + 1));
        }
        at += series.size();
    }
    return std::nullopt;
}

// Debian's prometheus-node-exporter with only the textfile collector, on loopback; stopped (by
// its pid) on destruction.
class NodeExporter {
  public:
    NodeExporter(const std::string& dir, int port) : port_(port) {
        run_command({"ip", "link", "set", "lo", "up"});
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
            const std::string textfile = "--collector.textfile.directory=" + dir;
            ::execl("/usr/bin/prometheus-node-exporter", "prometheus-node-exporter",
                    "--collector.disable-defaults", "--collector.textfile", textfile.c_str(),
                    listen.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~NodeExporter() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    NodeExporter(const NodeExporter&) = delete;
    NodeExporter& operator=(const NodeExporter&) = delete;

    // GET /metrics (python3's urllib), retried while the exporter starts.
    std::string scrape() const {
        const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics";
        for (int i = 0; i < 60; ++i) {
            const auto got = run_command(
                {"python3", "-c",
                 "import sys,urllib.request;sys.stdout.write(urllib.request.urlopen(sys.argv[1],"
                 "timeout=5).read().decode())",
                 url});
            if (got.exit_code == 0)
                return got.output;
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        return {};
    }

  private:
    int port_;
    pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("grow: a new disk joins a seed pool while a writer runs; refusals, rollback, resume",
          "[system][grow]") {
    LoopDevice first(kDisk, "grow-a");
    LoopDevice second(kDisk, "grow-b");
    ScratchDir root;
    const std::string vg = "growvg";
    const auto spec = spec_for({first.path()}, root, vg);
    setup::apply(spec);
    {  // the seed layout keeps no room for one autoextend step: status says so
        const auto status = setup::status(spec);
        INFO(status.to_text());
        CHECK(status.headroom.data_steps_possible == 0);
        CHECK(status.to_text().find("room for 0 data step(s)") != std::string::npos);
    }
    const Bytes data_before = lv_size(vg, "thinpool");
    const Bytes meta_before = lv_size(vg, "thinpool_tmeta");
    const std::uint64_t extents_before = vg_of(vg).extent_count;

    // A container's stand-in: ext4 on a thin volume of the pool, written to throughout.
    lvm::Session().create_thin_volume(spec.vg, spec.pool, LvName("online"), Bytes::MiB(256));
    const std::string thin = "/dev/mapper/" + vg + "-online";
    run_ok({"mkfs.ext4", "-q", "-F", "-E", "nodiscard", thin});
    ScratchDir mnt;
    auto mounted = std::make_unique<Mount>(thin, mnt.path());
    Writer writer(mnt.path());

    // The longer device list, as a configuration would pass it: the pool's own disk is skipped.
    auto grown = spec;
    grown.devices = {first.path(), second.path()};

    {  // a disk with a filesystem is refused by setup's probe, and left as it was
        run_ok({"mkfs.ext4", "-q", "-F", second.path()});
        const std::string edges = edges_of(second.path());
        try {
            setup::grow(grown);
            FAIL("grow took a disk with a filesystem");
        } catch (const Error& e) {
            INFO(e.what());
            CHECK(e.errc() == Errc::has_signatures);
        }
        CHECK(edges_of(second.path()) == edges);
        blockdev::wipe(second.path());
    }

    const auto plan = setup::plan_grow(grown);
    INFO(plan.to_text());
    CHECK(plan.sizes.data_before == data_before);
    CHECK(plan.sizes.metadata_before == meta_before);
    CHECK(plan.sizes.vg_after.count() > plan.sizes.vg_before.count());
    // The seed's proportion on the grown VG: 95%VG of data, 1%VG of metadata.
    const std::uint64_t extent = vg_of(vg).extent_size.count();
    const std::uint64_t vg_after = plan.sizes.vg_after.count() / extent;
    CHECK(plan.sizes.data_after.count() / extent == vg_after * 95 / 100);
    CHECK(plan.sizes.metadata_after.count() / extent == vg_after / 100);
    CHECK(plan.to_text().find("data") != std::string::npos);

    {  // the first lvextend fails: the new disk leaves the VG and loses its label
        setup::ApplyOptions options;
        options.before_step = [](setup::StepKind kind) {
            if (kind == setup::StepKind::grow_metadata)
                throw Error(Errc::io_error, "test", "grow_metadata", "injected failure");
        };
        try {
            setup::grow(grown, options);
            FAIL("the injected failure was not reported");
        } catch (const Error& e) {
            INFO(e.what());
            CHECK(e.errc() == Errc::io_error);
            CHECK(std::string(e.what()).find("removed again") != std::string::npos);
        }
        CHECK(device_is_blank(second.path()));
        CHECK(vg_of(vg).extent_count == extents_before);
        CHECK(lv_size(vg, "thinpool") == data_before);
    }

    {  // killed right before the data step: the next run resumes
        const int status = run_killed_before(
            [](const setup::ThinPoolSpec& s, const setup::ApplyOptions& o) { setup::grow(s, o); },
            grown, setup::StepKind::grow_data);
        CHECK(WIFSIGNALED(status));
        CHECK(lv_size(vg, "thinpool") == data_before);
        CHECK(lv_size(vg, "thinpool_tmeta") == plan.sizes.metadata_after);
        const auto resumed = setup::plan_grow(grown);
        INFO(resumed.to_text());
        std::vector<std::string> to_do;
        for (const auto& step : resumed.plan.steps)
            if (!step.done && step.kind != setup::StepKind::probe)
                to_do.emplace_back(setup::to_string(step.kind));
        CHECK(to_do == std::vector<std::string>{"grow_data"});
    }

    const std::size_t written_before = writer.files_written();
    const auto start = Clock::now();
    const auto result = setup::grow(grown);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    // Let the writer finish a few files on the grown pool.
    for (int i = 0; i < 50 && writer.files_written() < written_before + 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(result.nothing_to_do);
    CHECK(lv_size(vg, "thinpool") == plan.sizes.data_after);
    CHECK(lv_size(vg, "thinpool_tmeta") == plan.sizes.metadata_after);
    const auto status = setup::status(grown);
    INFO(status.to_text());
    CHECK(status.mode == "rw");
    CHECK(status.monitored);  // kept
    CHECK(status.profile == "docker-thinpool");
    CHECK(status.data_total == plan.sizes.data_after);
    CHECK(status.advice.empty());
    std::cout << "grow figures: VG " << format_human(plan.sizes.vg_before) << " -> "
              << format_human(plan.sizes.vg_after) << ", data " << format_human(data_before)
              << " -> " << format_human(plan.sizes.data_after) << ", metadata "
              << format_human(meta_before) << " -> " << format_human(plan.sizes.metadata_after)
              << ", resumed grow " << took.count() << " ms, writer files " << written_before
              << " -> " << writer.files_written() << "\n"
              << plan.to_text();

    CHECK(setup::grow(grown).nothing_to_do);  // a re-run changes nothing

    // The writer's data, read back from the pool after a remount (not from the page cache).
    CHECK(writer.stop() == 0);
    CHECK(writer.files_written() > written_before);
    mounted.reset();
    mounted = std::make_unique<Mount>(thin, mnt.path());
    const auto check =
        run_command({"sh", "-c", "cd '" + mnt.path() + "' && sha256sum -c --quiet sums"});
    INFO(check.output);
    CHECK(check.exit_code == 0);
    mounted.reset();
    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(grown, force);
}

TEST_CASE("grow: dmeventd autoextends a recommended pool past its threshold; its metrics scraped",
          "[system][grow][metrics]") {
    LoopDevice disk(256ull << 20, "autoext");
    ScratchDir root;
    auto spec = spec_for({disk.path()}, root, "autoextvg");
    spec.layout = setup::Layout::recommended;
    setup::apply(spec);
    const auto before = setup::status(spec);
    INFO(before.to_text());
    REQUIRE(before.monitored);
    REQUIRE(before.headroom.data_steps_possible >= 1);
    // Fill a thin volume to 85% of the pool's data: past the profile's 80%.
    lvm::Session().create_thin_volume(spec.vg, spec.pool, LvName("fill"), before.data_total);
    const std::uint64_t mib = before.data_total.count() * 85 / 100 / (1u << 20);
    run_ok({"dd", "if=/dev/zero", "of=/dev/mapper/autoextvg-fill", "bs=1M",
            "count=" + std::to_string(mib), "oflag=direct", "status=none"});
    // dmeventd's thin plugin looks every 10 s.
    setup::PoolStatus after;
    const auto start = Clock::now();
    for (int i = 0; i < 60; ++i) {
        after = setup::status(spec);
        if (after.data_total.count() > before.data_total.count())
            break;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    INFO(after.to_text());
    CHECK(after.data_total.count() > before.data_total.count());
    CHECK(after.data_percent < 80.0);
    std::cout << "autoextend figures: data " << format_human(before.data_total) << " -> "
              << format_human(after.data_total) << " after writing " << mib << " MiB, in "
              << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count()
              << " s\n";

    // The figures for monitoring: lvmkit-docker metrics into node_exporter's textfile directory,
    // scraped over loopback, equal to status --json.
    ScratchDir textfiles;
    const std::string prom = textfiles.path() + "/lvmkit.prom";
    const auto wrote =
        run_command({cli_binary(), "metrics", "--vg", "autoextvg", "--root", root.path(),
                     "--no-docker-config", "--quiet", "--output", prom});
    INFO(wrote.output);
    REQUIRE(wrote.exit_code == 0);
    const auto json_run = run_command({cli_binary(), "status", "--vg", "autoextvg", "--root",
                                       root.path(), "--no-docker-config", "--quiet", "--json"});
    REQUIRE(json_run.exit_code == 0);
    const auto doc = nlohmann::json::parse(json_run.output);
    const NodeExporter exporter(textfiles.path(), 19100);
    const std::string scraped = exporter.scrape();
    INFO(scraped.substr(0, 4000));
    auto value = [&](const std::string& name) {
        const auto v = sample(scraped, name + "{pool=\"thinpool\",vg=\"autoextvg\"");
        return v ? *v : -1.0;
    };
    CHECK(value("lvmkit_pool_exists") == 1);
    CHECK(value("lvmkit_pool_data_size_bytes") == doc["data"]["total_bytes"].get<double>());
    CHECK(value("lvmkit_pool_data_used_bytes") == doc["data"]["used_bytes"].get<double>());
    CHECK(value("lvmkit_pool_metadata_size_bytes") == doc["metadata"]["total_bytes"].get<double>());
    CHECK(value("lvmkit_pool_metadata_used_bytes") == doc["metadata"]["used_bytes"].get<double>());
    CHECK(value("lvmkit_pool_monitored") == (doc["monitored"].get<bool>() ? 1 : 0));
    CHECK(value("lvmkit_pool_autoextend_steps") ==
          doc["autoextend"]["data_steps_possible"].get<double>());
    CHECK(value("lvmkit_pool_vg_free_bytes") == doc["vg_free_bytes"].get<double>());
    CHECK(sample(scraped, "lvmkit_pool_mode{mode=\"" + doc["mode"].get<std::string>() +
                              "\",pool=\"thinpool\",vg=\"autoextvg\"}") == 1.0);
    // node_exporter read the file without complaint
    CHECK(sample(scraped, "node_textfile_scrape_error") == 0.0);

    setup::TeardownOptions force;
    force.force = true;
    setup::teardown(spec, force);
}
