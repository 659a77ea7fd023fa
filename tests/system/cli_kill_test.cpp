// lvmkit-docker, the built binary, SIGKILLed after each step of `setup` (stopped there by the
// LVMKIT_DOCKER_PAUSE_AFTER_STEP hook, so the kill lands exactly between two steps): the next
// `setup` must resume from what is on disk and end in the same state as an uninterrupted run
// (status, daemon.json, the LVM profile, LVM's own view of the LVs), and teardown must then leave
// the device blank.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>
#include "catch_compat.hpp"

#include "lvmkit/lvm.hpp"
#include "system/cli_fixtures.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit::test;
using nlohmann::json;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;  // 1 GiB, as cli_test.cpp
constexpr const char* kVg = "lkkill";        // lk*: a stray /etc/lvm/backup file is easy to spot
constexpr auto kStopDeadline = std::chrono::seconds(300);

std::vector<std::string> pool_args(const std::string& device, const ScratchDir& root) {
    return {"--device", device, "--vg", kVg, "--root", root.path()};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Runs lvmkit-docker with stdin from /dev/null; stderr dropped so stdout is the JSON document.
CommandResult cli(const std::vector<std::string>& args) {
    std::string command = shell_quote(cli_binary());
    for (const auto& arg : args)
        command += " " + shell_quote(arg);
    return run_command({"/bin/sh", "-c", command + " </dev/null 2>/dev/null"});
}

json cli_json(const std::vector<std::string>& args, int expected_exit = 0) {
    const auto r = cli(args);
    INFO(r.output);
    REQUIRE(r.exit_code == expected_exit);
    return json::parse(r.output);
}

// Step names the plan will run, in order, probe included ("after probe": before any write).
std::vector<std::string> steps_to_run(const std::vector<std::string>& args) {
    std::vector<std::string> names;
    const auto plan = cli_json(std::vector<std::string>{"plan", "--json"} + args);
    for (const auto& step : plan["steps"])
        if (step["step"] == "probe" || step["done"] == false)
            names.push_back(step["step"].get<std::string>());
    return names;
}

// LVM's own view of the VG's LVs (hidden ones too), nothing device- or time-dependent.
std::string lvs_facts(const std::string& device) {
    const auto r = run_command(
        {"lvm", "lvs", "-a", "--reportformat", "json", "--units", "b", "--nosuffix", "-o",
         "lv_name,lv_attr,lv_size,chunk_size,lv_profile,zero,discards,lv_when_full,seg_monitor",
         "--config", "devices/filter=[\"a|^" + device + "$|\",\"r|.*|\"]", kVg});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return r.output;
}

std::string profile_path() {
    static const std::string path =
        lvmkit::lvm::Session().profile_dir() + "/docker-thinpool.profile";
    return path;
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

// Everything a finished setup leaves behind, as text to compare with ==.
// Reference and kill runs share the VG name and the root, and status names no device and no
// time, so all of it compares as is.
struct EndState {
    std::string status;  // `status --json`: sizes, usage, mode, monitoring, profile, config
    std::string daemon_json;
    std::string profile;
    std::string lvs;
};

EndState end_state(const std::string& device, const ScratchDir& root) {
    const auto status = cli_json({"status", "--json", "--vg", kVg, "--root", root.path()});
    return {status.dump(2), read_text(root.path() + "/etc/docker/daemon.json"),
            read_text(profile_path()), lvs_facts(device)};
}

bool check_same(const EndState& got, const EndState& want) {
    CHECK(got.status == want.status);
    CHECK(got.daemon_json == want.daemon_json);
    CHECK(got.profile == want.profile);
    CHECK(got.lvs == want.lvs);
    return got.status == want.status && got.daemon_json == want.daemon_json &&
           got.profile == want.profile && got.lvs == want.lvs;
}

// Teardown, then nothing of the pool is left; daemon.json (kept by teardown without lvmkit's
// keys: it never deletes a file on a guess) is removed so the next run starts from scratch.
void tear_down(const std::string& device, const ScratchDir& root) {
    const auto r = cli(std::vector<std::string>{"teardown", "--yes"} + pool_args(device, root));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    REQUIRE(device_is_blank(device));
    CHECK(no_dm_devices_named(std::string(kVg) + "-"));
    CHECK_FALSE(exists(profile_path()));
    const std::string daemon = root.path() + "/etc/docker/daemon.json";
    CHECK(read_text(daemon).find("thinpooldev") == std::string::npos);
    ::unlink(daemon.c_str());
}

// Starts `setup --yes` with the pause hook on @p step; output goes to @p log.
pid_t start_paused_setup(const std::vector<std::string>& args, const std::string& step,
                         const std::string& log) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(in, STDIN_FILENO);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        ::close_range(3, ~0U, 0);  // libdevmapper's control fd is not close-on-exec
        // Only in the child: tests/vm/run passes LVMKIT_* on, so never set it in the suite.
        ::setenv("LVMKIT_DOCKER_PAUSE_AFTER_STEP", step.c_str(), 1);
        lvmkit::test::exec_cli(args);
    }
    return pid;
}

// waitpid(WUNTRACED) with a deadline: a CLI that never stops is killed, and the caller's check of
// WIFSTOPPED fails, instead of hanging the suite.
int wait_stopped(pid_t pid) {
    const auto deadline = std::chrono::steady_clock::now() + kStopDeadline;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WUNTRACED | WNOHANG);
        REQUIRE(r >= 0);
        if (r == pid)
            return status;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::size_t index_of(const std::vector<std::string>& names, const json& step) {
    const auto name = step["step"].get<std::string>();
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

// The killed run's state: the steps through @p killed are done, and unless it was the last step
// something is still to do, so the resume has work to prove.
void check_resumable(const std::vector<std::string>& args, const std::vector<std::string>& names,
                     std::size_t killed, const ScratchDir& root) {
    const auto plan = cli_json(std::vector<std::string>{"plan", "--json"} + args);
    std::size_t to_do = 0;
    for (const auto& step : plan["steps"]) {
        if (step["step"] == "probe")
            continue;
        INFO("step " << step["step"]);
        if (index_of(names, step) <= killed)
            CHECK(step["done"] == true);
        to_do += step["done"] == false ? 1u : 0u;
    }
    const bool last = killed + 1 == names.size();
    CHECK(plan["nothing_to_do"] == last);
    CHECK((to_do == 0) == last);
    // Before the conversion there is no pool for status to show (exit 1).
    const auto convert = std::find(names.begin(), names.end(), "convert_to_pool") - names.begin();
    if (static_cast<std::ptrdiff_t>(killed) < convert)
        CHECK(cli_json({"status", "--json", "--vg", kVg, "--root", root.path()}, 1)["exists"] ==
              false);
}

// The resumed run skips every step through @p killed and finishes the rest; true when it did.
bool check_resumed(const json& doc, const std::vector<std::string>& names, std::size_t killed) {
    std::size_t skipped = 0;
    std::size_t failed = 0;
    for (const auto& step : doc["steps"]) {
        INFO("step " << step["step"] << ": " << step["outcome"]);
        if (step["step"] != "probe" && index_of(names, step) <= killed) {
            CHECK(step["outcome"] == "skipped");
            skipped += step["outcome"] == "skipped" ? 1u : 0u;
        }
        CHECK(step["outcome"] != "failed");
        failed += step["outcome"] == "failed" ? 1u : 0u;
    }
    const bool nothing_to_do = killed + 1 == names.size();
    CHECK(doc["result"]["ok"] == true);
    CHECK(doc["result"]["nothing_to_do"] == nothing_to_do);
    CHECK(skipped == killed);  // every step before it but probe, and the killed one
    CHECK(doc["status"]["exists"] == true);
    return doc["result"]["ok"] == true && doc["result"]["nothing_to_do"] == nothing_to_do &&
           skipped == killed && failed == 0;
}

// Stops setup after step names[killed], SIGKILLs it, and checks what it left can be resumed.
void kill_after(const std::vector<std::string>& args, const std::vector<std::string>& names,
                std::size_t killed, const ScratchDir& root, const ScratchDir& logs) {
    const std::string log = logs.path() + "/setup-" + names[killed] + ".log";
    const pid_t pid =
        start_paused_setup(std::vector<std::string>{"setup", "--yes"} + args, names[killed], log);
    int status = wait_stopped(pid);
    INFO("killed setup's output:\n" << read_text(log));
    REQUIRE(WIFSTOPPED(status));
    CHECK(WSTOPSIG(status) == SIGSTOP);
    REQUIRE(::kill(pid, SIGKILL) == 0);
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    check_resumable(args, names, killed, root);
}

}  // namespace

TEST_CASE("cli kill: setup SIGKILLed after each step is finished by the next setup",
          "[system][cli][reliability]") {
    ScratchDir root;
    ScratchDir logs;
    EndState reference;
    std::vector<std::string> names;
    {
        // The uninterrupted run, on a disk of its own, with the same VG name and root.
        LoopDevice disk(kDisk, "cli-kill-ref");
        const auto args = pool_args(disk.path(), root);
        names = steps_to_run(args);
        const auto doc = cli_json(std::vector<std::string>{"setup", "--yes", "--json"} + args);
        REQUIRE(doc["result"]["ok"] == true);
        reference = end_state(disk.path(), root);
        tear_down(disk.path(), root);
    }
    REQUIRE(names.size() == 10);  // probe and the nine writing steps
    REQUIRE(names.front() == "probe");

    LoopDevice disk(kDisk, "cli-kill");
    const auto args = pool_args(disk.path(), root);
    std::size_t resumed = 0;
    for (std::size_t killed = 0; killed < names.size(); ++killed) {
        INFO("SIGKILL after " << names[killed]);
        kill_after(args, names, killed, root, logs);
        const auto doc = cli_json(std::vector<std::string>{"setup", "--yes", "--json"} + args);
        const bool finished = check_resumed(doc, names, killed);
        const bool same = check_same(end_state(disk.path(), root), reference);
        tear_down(disk.path(), root);
        resumed += finished && same ? 1u : 0u;
    }
    CHECK(resumed == names.size());
    const std::string outcome = resumed == names.size()
                                    ? "all resumed"
                                    : std::to_string(resumed) + " resumed to the reference state";
    std::fprintf(stderr, "reliability: %zu kill points after a step through lvmkit-docker, %s\n",
                 names.size(), outcome.c_str());
}
