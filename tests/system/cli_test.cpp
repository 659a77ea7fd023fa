// lvmkit-docker, the built binary, on loop devices under a real kernel: plan, setup (plain
// progress without a terminal), a re-run with --json, status, teardown, config, and the exit
// codes for usage errors, refusals and a failure that is rolled back.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include "catch_compat.hpp"

#include "system/cli_fixtures.hpp"
#include "system/fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using lvmkit::test::cli_binary;
using lvmkit::test::LoopDevice;
using lvmkit::test::run_command;
using lvmkit::test::ScratchDir;
using lvmkit::test::shell_quote;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;
constexpr const char* kVg = "lkcli";

// Runs lvmkit-docker with stdin from /dev/null (never a terminal); stderr dropped when asked,
// so stdout alone can be checked (the --json contract).
lvmkit::test::CommandResult cli(const std::vector<std::string>& args, bool keep_stderr = true) {
    std::string command = shell_quote(cli_binary());
    for (const auto& arg : args)
        command += " " + shell_quote(arg);
    command += " </dev/null";
    if (!keep_stderr)
        command += " 2>/dev/null";
    return run_command({"/bin/sh", "-c", command});
}

std::vector<std::string> pool_args(const std::string& device, const ScratchDir& root) {
    return {"--device", device, "--vg", kVg, "--root", root.path()};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// `plan --json` output in which every step but probe is still to do: nothing is left of a run.
void check_nothing_done(const lvmkit::test::CommandResult& plan) {
    INFO(plan.output);
    REQUIRE(plan.exit_code == 0);
    // Keep the document alive: ranging over a temporary's member would read freed memory.
    const auto document = nlohmann::json::parse(plan.output);
    for (const auto& step : document["steps"])
        if (step["step"] != "probe")
            CHECK(step["done"] == false);
}

}  // namespace

TEST_CASE("cli: plan, setup, re-run, status, teardown through lvmkit-docker", "[system][cli]") {
    LoopDevice disk(kDisk, "cli");
    ScratchDir root;
    const auto args = pool_args(disk.path(), root);

    // plan: every step still to do, nothing written
    auto r = cli(std::vector<std::string>{"plan"} + args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.output, "[ do ]"));
    CHECK(contains(r.output, disk.path()));

    // setup without --yes on a non-terminal stdin: refused, nothing touched
    r = cli(std::vector<std::string>{"setup"} + args);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.output, "--yes"));
    r = cli(std::vector<std::string>{"plan", "--json"} + args, false);
    auto plan = nlohmann::json::parse(r.output);
    for (const auto& step : plan["steps"])
        if (step["step"] != "probe")
            CHECK(step["done"] == false);

    // setup --yes: plain progress lines (stdout is a pipe), then the status table
    r = cli(std::vector<std::string>{"setup", "--yes"} + args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(contains(r.output, "\033["));
    CHECK(contains(r.output, "] done "));
    CHECK(contains(r.output, "Setup complete in "));
    CHECK(contains(r.output, "monitored by dmeventd"));
    CHECK(contains(r.output, "metadata"));
    CHECK(contains(read_file(root.path() + "/etc/docker/daemon.json"),
                   "dm.thinpooldev=/dev/mapper/lkcli-thinpool"));

    // the same again with --json: one document on stdout, nothing to do
    r = cli(std::vector<std::string>{"setup", "--yes", "--json"} + args, false);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.output);  // throws on anything but one document
    CHECK(doc["result"]["ok"] == true);
    CHECK(doc["result"]["nothing_to_do"] == true);
    CHECK(doc["status"]["exists"] == true);
    CHECK(doc["plan"]["steps"].size() == doc["steps"].size());
    for (const auto& step : doc["steps"])
        if (step["step"] != "probe")
            CHECK(step["outcome"] == "skipped");

    // status: bars, percentages, monitoring; JSON for machines
    r = cli({"status", "--vg", kVg, "--root", root.path()});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "%"));
    CHECK(contains(r.output, "autoext."));
    r = cli({"status", "--vg", kVg, "--root", root.path(), "--json"}, false);
    const auto status = nlohmann::json::parse(r.output);
    CHECK(status["exists"] == true);
    CHECK(status["monitored"] == true);
    CHECK(status["data"]["total_bytes"].get<std::uint64_t>() > 0);

    // teardown: refused without --yes, then done; status then says not found (exit 1)
    r = cli(std::vector<std::string>{"teardown"} + args);
    CHECK(r.exit_code == 2);
    r = cli(std::vector<std::string>{"teardown", "--yes"} + args);
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "Teardown complete"));
    r = cli({"status", "--vg", kVg, "--root", root.path()});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "not found"));
}

TEST_CASE("cli: a fresh setup with --json prints one document with timed steps", "[system][cli]") {
    LoopDevice disk(kDisk, "cli-json");
    ScratchDir root;
    const auto args = pool_args(disk.path(), root) + std::vector<std::string>{"--no-docker-config"};
    auto r = cli(std::vector<std::string>{"setup", "--yes", "--json"} + args, false);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.output);
    CHECK(doc["result"]["nothing_to_do"] == false);
    bool created_pv = false;
    for (const auto& step : doc["steps"]) {
        CHECK(step["duration_ms"].is_number());
        created_pv = created_pv || (step["step"] == "create_pv" && step["outcome"] == "finished");
    }
    CHECK(created_pv);
    struct stat st {};
    CHECK(::stat((root.path() + "/etc/docker/daemon.json").c_str(), &st) != 0);

    // A pool with a thin volume: teardown refuses before its first step (3, no step reported).
    const auto thin = run_command({"lvm", "lvcreate", "-q", "-V", "64m", "-T",
                                   std::string(kVg) + "/thinpool", "-n", "thin1"});
    INFO(thin.output);
    REQUIRE(thin.exit_code == 0);
    r = cli(std::vector<std::string>{"teardown", "--yes", "--json"} + args, false);
    INFO(r.output);
    CHECK(r.exit_code == 3);
    auto teardown = nlohmann::json::parse(r.output);
    CHECK(teardown["result"]["error"]["code"] == "busy");
    CHECK(teardown["steps"].empty());

    // Forced, each step carries its own name.
    r = cli(std::vector<std::string>{"teardown", "--yes", "--force", "--json"} + args, false);
    INFO(r.output);
    CHECK(r.exit_code == 0);
    teardown = nlohmann::json::parse(r.output);
    CHECK(teardown["result"]["ok"] == true);
    std::vector<std::string> names;
    for (const auto& step : teardown["steps"]) {
        names.push_back(step["step"].get<std::string>());
        CHECK(step["outcome"] == "finished");
    }
    CHECK(names == std::vector<std::string>{"remove_pool", "remove_vg", "remove_pv_labels",
                                            "remove_profile", "remove_daemon_config"});
}

TEST_CASE("cli: refusals and failures have their exit codes", "[system][cli]") {
    ScratchDir root;

    SECTION("usage error: 2, naming the option") {
        const auto r = cli({"setup", "--data", "95", "--yes"});
        CHECK(r.exit_code == 2);
        CHECK(contains(r.output, "--data"));
    }

    SECTION("a pause hook that names no step: 2, one JSON document, nothing touched") {
        LoopDevice disk(kDisk, "cli-hook");
        const std::string before = lvmkit::test::edges_of(disk.path());
        const auto r = run_command(
            {"/bin/sh", "-c",
             "LVMKIT_DOCKER_PAUSE_AFTER_STEP=probe,bogus " + shell_quote(cli_binary()) +
                 " setup --yes --json --device " + shell_quote(disk.path()) + " --vg " + kVg +
                 " --root " + shell_quote(root.path()) + " </dev/null 2>/dev/null"});
        INFO(r.output);
        CHECK(r.exit_code == 2);
        const auto doc = nlohmann::json::parse(r.output);
        CHECK(doc["result"]["error"]["object"] == "LVMKIT_DOCKER_PAUSE_AFTER_STEP");
        CHECK(contains(doc["result"]["error"]["message"].get<std::string>(), "\"bogus\""));
        CHECK(lvmkit::test::edges_of(disk.path()) == before);
    }

    SECTION("a device with a filesystem: 3, nothing touched") {
        LoopDevice disk(kDisk, "cli-fs");
        REQUIRE(run_command({"mkfs.ext4", "-q", "-F", disk.path()}).exit_code == 0);
        const auto r =
            cli(std::vector<std::string>{"setup", "--yes"} + pool_args(disk.path(), root));
        INFO(r.output);
        CHECK(r.exit_code == 3);
        CHECK(contains(r.output, "signatures"));
        CHECK(contains(r.output, "hint: "));
        const auto blkid = run_command({"blkid", "-o", "value", "-s", "TYPE", disk.path()});
        CHECK(contains(blkid.output, "ext4"));
    }

    SECTION("a read-only config root: 3, refused before the disk is touched") {
        LoopDevice disk(kDisk, "cli-fail");
        // Preflight checks the config filesystem is writable, so nothing is created only to be
        // rolled back (rollback through the CLI is covered by the SIGTERM test below).
        const std::string ro = root.path() + "/ro";
        ::mkdir(ro.c_str(), 0755);
        REQUIRE(
            run_command({"mount", "-t", "tmpfs", "-o", "ro,size=1m", "lvmkit-ro", ro}).exit_code ==
            0);
        const auto args =
            std::vector<std::string>{"--device", disk.path(), "--vg", kVg, "--root", ro};
        const auto r = cli(std::vector<std::string>{"setup", "--yes"} + args);
        run_command({"umount", ro});
        INFO(r.output);
        CHECK(r.exit_code == 3);
        CHECK(contains(r.output, "read-only filesystem"));
        CHECK(contains(r.output, "hint: remount it read-write"));
        // The disk is as it was: no PV label, no VG, no pool.
        const auto plan =
            cli(std::vector<std::string>{"plan", "--json", "--no-docker-config", "--device",
                                         disk.path(), "--vg", kVg, "--root", root.path()},
                false);
        check_nothing_done(plan);
    }
}

namespace {

// Starts lvmkit-docker with stdout+stderr on a pipe, reads until @p marker shows up, sends
// @p signal_number, and returns the exit code and everything it printed.
lvmkit::test::CommandResult run_and_signal(const std::vector<std::string>& args,
                                           const std::string& marker, int signal_number) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        lvmkit::test::exec_cli(args);
    }
    ::close(fds[1]);
    lvmkit::test::CommandResult result;
    bool sent = false;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
        result.output.append(buffer, static_cast<std::size_t>(n));
        if (!sent && result.output.find(marker) != std::string::npos) {
            ::kill(pid, signal_number);
            sent = true;
        }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace

TEST_CASE("cli: SIGTERM during setup stops before the next step and rolls back", "[system][cli]") {
    LoopDevice disk(kDisk, "cli-sigint");
    ScratchDir root;
    const auto args = pool_args(disk.path(), root);
    // SIGTERM, as systemctl stop sends (liblvm2cmd handles SIGINT itself in places), once the VG
    // exists: the run must undo the VG and the PV label, then exit 1.
    const auto r = run_and_signal(std::vector<std::string>{"setup", "--yes"} + args,
                                  "] done    Create VG", SIGTERM);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.output, "stopped by SIGTERM"));
    CHECK(contains(r.output, "removed again"));
    const auto plan = cli(std::vector<std::string>{"plan", "--json"} + args, false);
    check_nothing_done(plan);
}

TEST_CASE("cli: config prints what setup would write, touching nothing", "[system][cli]") {
    ScratchDir root;
    auto r = cli({"config", "--vg", "my-vg", "--root", root.path(), "--kernel-deferred-deletion",
                  "no", "--autoextend-threshold", "70"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.output, "dm.thinpooldev=/dev/mapper/my--vg-thinpool"));
    CHECK_FALSE(contains(r.output, "dm.use_deferred_deletion"));
    CHECK(contains(r.output, "thin_pool_autoextend_threshold=70"));
    CHECK(contains(r.output, "io.containerd.snapshotter.v1.devmapper"));
    r = cli({"config", "--print", "daemon-json", "--root", root.path(), "--json"}, false);
    const auto doc = nlohmann::json::parse(r.output);
    CHECK(doc.size() == 1);
    CHECK(contains(doc["/etc/docker/daemon.json"].get<std::string>(), "devicemapper"));
    struct stat st {};
    CHECK(::stat((root.path() + "/etc").c_str(), &st) != 0);
}

#ifdef LVMKIT_EXAMPLES_DIR
TEST_CASE("cli: the embedder examples run against a real pool", "[system][cli]") {
    const std::string dir = LVMKIT_EXAMPLES_DIR;
    LoopDevice disk(kDisk, "cli-examples");
    ScratchDir root;

    // plan-only: one JSON document, nothing written
    auto r = run_command({dir + "/example-installer_plan", disk.path(), root.path()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.output)["steps"].size() > 3);

    // setup into a target root with progress lines (docker/thinpool: the defaults)
    r = run_command({dir + "/example-install_into_root", disk.path(), root.path()});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.output, "finished"));
    CHECK(contains(read_file(root.path() + "/etc/docker/daemon.json"), "docker-thinpool"));

    r = run_command({dir + "/example-pool_status", "docker", "thinpool", "--json"});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.output)["exists"] == true);

    r = cli({"teardown", "--yes", "--device", disk.path(), "--root", root.path()});
    INFO(r.output);
    CHECK(r.exit_code == 0);

    // the dm layer alone: a raw pool with two thin volumes, removed again
    LoopDevice meta(64ull << 20, "cli-raw-meta");
    LoopDevice data(kDisk, "cli-raw-data");
    r = run_command({dir + "/example-raw_thin_pool", meta.path(), data.path()});
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.output, "/dev/mapper/lvmkit-example-thin2"));
    CHECK(contains(r.output, "removed lvmkit-example-pool"));
}
#endif
