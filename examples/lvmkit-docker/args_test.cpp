// lvmkit-docker's command line, on the host: options land in the spec, bad values are usage
// errors naming the option, and errors map to the documented exit codes.
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include "catch_compat.hpp"

#include "cli.hpp"
#include "lvmkit/version.hpp"

using namespace lvmkit_docker;
using lvmkit::setup::Consumer;
using lvmkit::setup::DeferredDeletionChoice;

namespace {

ParseOutcome parse(const std::vector<const char*>& args) {
    std::vector<const char*> argv{"lvmkit-docker"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("cli: setup options land in the spec", "[cli]") {
    const auto out = parse({"setup",
                            "--device",
                            "/dev/sdb",
                            "--device",
                            "/dev/sdc",
                            "--vg",
                            "dk",
                            "--pool",
                            "tp",
                            "--data",
                            "80%VG",
                            "--meta",
                            "1G",
                            "--chunk",
                            "1M",
                            "--zero",
                            "--autoextend-threshold",
                            "70",
                            "--autoextend-percent",
                            "10",
                            "--profile",
                            "p1",
                            "--no-monitor",
                            "--wipe-signatures",
                            "--kernel-deferred-deletion",
                            "no",
                            "--root",
                            "/mnt/sysimage",
                            "--backup-graph-dir",
                            "--yes",
                            "--json",
                            "-vv"});
    REQUIRE(out.invocation);
    const auto& inv = *out.invocation;
    CHECK(inv.command == Command::setup);
    const auto& spec = inv.spec;
    CHECK(spec.devices == std::vector<std::string>{"/dev/sdb", "/dev/sdc"});
    CHECK(spec.vg.str() == "dk");
    CHECK(spec.pool.str() == "tp");
    CHECK(lvmkit::to_string(spec.data_size) == "80%VG");
    CHECK(std::get<lvmkit::Bytes>(spec.metadata_size) == lvmkit::Bytes::GiB(1));
    CHECK(spec.chunk_size == lvmkit::Bytes::MiB(1));
    CHECK(spec.zero);
    CHECK(spec.autoextend_threshold == 70);
    CHECK(spec.autoextend_percent == 10);
    CHECK(spec.profile_name == "p1");
    CHECK_FALSE(spec.monitor);
    CHECK(spec.wipe_signatures);
    CHECK(spec.deferred_deletion == DeferredDeletionChoice::disable);
    CHECK(spec.target_root == "/mnt/sysimage");
    CHECK(spec.backup_graph_dir);
    CHECK(spec.consumer == Consumer::docker);
    CHECK(inv.yes);
    CHECK(inv.json);
    CHECK(inv.verbosity == 2);
}

TEST_CASE("cli: teardown takes setup's options, so it knows the profile setup wrote", "[cli]") {
    // teardown removes the LVM profile only when it says what these options write: without
    // the autoextend values a profile written with other values stayed behind.
    const auto out = parse({"teardown", "--device", "/dev/sdb", "--autoextend-threshold", "90",
                            "--autoextend-percent", "10", "--chunk", "256K", "--yes"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->command == Command::teardown);
    CHECK(out.invocation->spec.autoextend_threshold == 90);
    CHECK(out.invocation->spec.autoextend_percent == 10);
    CHECK(parse({"teardown", "--device", "/dev/sdb", "--autoextend-threshold", "49"}).exit_code ==
          kExitUsage);
}

TEST_CASE("cli: defaults are the seed procedure's", "[cli]") {
    const auto out = parse({"plan", "--device", "/dev/sdb"});
    REQUIRE(out.invocation);
    const auto& spec = out.invocation->spec;
    const lvmkit::setup::ThinPoolSpec seed;
    CHECK(spec.vg == seed.vg);
    CHECK(spec.pool == seed.pool);
    CHECK(spec.data_size == seed.data_size);
    CHECK(spec.metadata_size == seed.metadata_size);
    CHECK(spec.chunk_size == seed.chunk_size);
    CHECK(spec.zero == seed.zero);
    CHECK(spec.monitor);
    CHECK_FALSE(spec.wipe_signatures);
    CHECK(spec.daemon_json == seed.daemon_json);
    CHECK(spec.target_root == "/");
    CHECK_FALSE(out.invocation->yes);
}

TEST_CASE("cli: consumer follows the config options", "[cli]") {
    auto out = parse({"setup", "--device", "/dev/sdb", "--no-docker-config", "--no-zero"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.consumer == Consumer::none);
    CHECK_FALSE(out.invocation->spec.zero);
    out = parse({"setup", "--device", "/dev/sdb", "--containerd-config", "/etc/c.toml"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.consumer == Consumer::containerd);
    CHECK(out.invocation->spec.containerd_config == "/etc/c.toml");
}

TEST_CASE("cli: --docker-storage, --containerd-config and --cri-default", "[cli]") {
    using lvmkit::setup::DockerStorage;
    auto out = parse({"setup", "--device", "/dev/sdb"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.docker_storage == DockerStorage::automatic);
    CHECK_FALSE(out.invocation->spec.cri_default_snapshotter);
    out = parse({"setup", "--device", "/dev/sdb", "--docker-storage", "snapshotter"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.consumer == Consumer::docker);
    CHECK(out.invocation->spec.docker_storage == DockerStorage::snapshotter);
    CHECK(out.invocation->spec.containerd_config == "/etc/containerd/config.toml");
    out = parse({"setup", "--device", "/dev/sdb", "--docker-storage", "snapshotter",
                 "--containerd-config", "/etc/c.toml", "--cri-default"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.consumer == Consumer::docker);
    CHECK(out.invocation->spec.containerd_config == "/etc/c.toml");
    CHECK(out.invocation->spec.cri_default_snapshotter);
    out = parse({"setup", "--device", "/dev/sdb", "--docker-storage", "devicemapper"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.docker_storage == DockerStorage::devicemapper);
    out = parse(
        {"setup", "--device", "/dev/sdb", "--containerd-config", "/etc/c.toml", "--cri-default"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.consumer == Consumer::containerd);
    CHECK(out.invocation->spec.cri_default_snapshotter);
}

TEST_CASE("cli: bad values are usage errors naming the option", "[cli]") {
    struct Case {
        std::vector<const char*> args;
        std::string names;
    };
    const std::vector<Case> cases = {
        {{"setup", "--vg", "a;b"}, "--vg"},
        {{"setup", "--pool", "snapshot1"}, "--pool"},
        {{"setup", "--data", "95"}, "--data"},
        {{"setup", "--meta", "1%XX"}, "--meta"},
        {{"setup", "--chunk", "512KB"}, "--chunk"},
        {{"setup", "--kernel-deferred-deletion", "maybe"}, "--kernel-deferred-deletion"},
        {{"setup", "--autoextend-threshold", "x"}, "--autoextend-threshold"},
        {{"status", "--watch", "0"}, "--watch"},
        {{"setup", "--bogus"}, "--bogus"},
        {{"frobnicate"}, "subcommand"},
    };
    for (const auto& c : cases) {
        const auto out = parse(c.args);
        INFO(c.names << " -> " << out.err);
        CHECK_FALSE(out.invocation);
        CHECK(out.exit_code == kExitUsage);
        CHECK(out.err.find(c.names) != std::string::npos);
    }
}

TEST_CASE("cli: --docker-version as people write it; anything else is a usage error", "[cli]") {
    for (const char* version : {"28", "v28", "28.5", "28.5.2", "Docker version 28.5.2, build x"}) {
        INFO(version);
        const auto out = parse({"config", "--docker-version", version});
        REQUIRE(out.invocation);
        CHECK(out.invocation->spec.docker_version == std::string(version));
    }
    // These used to select Docker's devicemapper graph driver, which Docker 25 and later lack.
    for (const char* command : {"config", "plan", "setup"})
        for (const char* version : {"banana", "latest", "28x", "twenty-eight"}) {
            const auto out = parse({command, "--docker-version", version});
            INFO(command << " " << version << " -> " << out.err);
            CHECK_FALSE(out.invocation);
            CHECK(out.exit_code == kExitUsage);
            CHECK(out.err.find("--docker-version") != std::string::npos);
            CHECK(out.err.find(version) != std::string::npos);
            CHECK(out.err.find("28, v28, 28.5, 28.5.2") != std::string::npos);
        }
}

TEST_CASE("cli: every value the library's spec check refuses is a usage error", "[cli]") {
    // Exit 2 is a bad command line whatever the machine holds; 3 is kept for refusals that look
    // at the machine. These values used to pass the parser and be refused with 3 by the facade.
    struct Case {
        std::vector<const char*> args;
        std::string names;
    };
    const std::string long_pool(124, 'p');  // `<pool>meta` is then 128 characters
    const std::vector<Case> cases = {
        {{"setup", "--device", "/dev/sdb", "--chunk", "100K"}, "--chunk"},
        {{"setup", "--device", "/dev/sdb", "--chunk", "32K"}, "--chunk"},
        {{"plan", "--device", "/dev/sdb", "--chunk", "2G"}, "--chunk"},
        {{"setup", "--device", "/dev/sdb", "--meta", "1M"}, "--meta"},
        {{"setup", "--device", "/dev/sdb", "--meta", "16G"}, "--meta"},
        {{"setup", "--device", "/dev/sdb", "--autoextend-threshold", "49"},
         "--autoextend-threshold"},
        {{"setup", "--device", "/dev/sdb", "--autoextend-threshold", "101"},
         "--autoextend-threshold"},
        {{"setup", "--device", "/dev/sdb", "--autoextend-percent", "1001"}, "--autoextend-percent"},
        {{"config", "--autoextend-threshold", "49"}, "--autoextend-threshold"},
        {{"setup", "--device", "/dev/sdb", "--profile", "bad name"}, "--profile"},
        {{"setup", "--device", "/dev/sdb", "--data", "95%VG", "--meta", "6%VG"}, "--data, --meta"},
        {{"setup", "--device", "/dev/sdb", "--root", "/tmp/../etc"}, "--root"},
        {{"setup", "--device", "/dev/sdb", "--daemon-json", "etc/daemon.json"}, "--daemon-json"},
        {{"setup", "--device", "/dev/sdb", "--containerd-config", "c.toml"}, "--containerd-config"},
        {{"setup", "--device", "/dev/sdb", "--pool", long_pool.c_str()}, "--pool"},
        {{"setup", "--yes"}, "--device"},
        {{"teardown", "--yes"}, "--device"},
        {{"plan", "--device", "sdb"}, "--device"},
        {{"plan", "--device", "/dev/sdb", "--device", "/dev/sdb"}, "--device"},
        {{"plan", "--existing-vg", "--data", "90%PVS"}, "--data"},
        {{"plan", "--device", "/dev/sdb", "--docker-storage", "overlay2"}, "--docker-storage"},
        {{"plan", "--device", "/dev/sdb", "--docker-storage", "devicemapper", "--containerd-config",
          "/etc/c.toml"},
         "--docker-storage"},
        {{"plan", "--device", "/dev/sdb", "--docker-storage", "snapshotter", "--no-docker-config"},
         "--docker-storage"},
        {{"plan", "--device", "/dev/sdb", "--no-docker-config", "--cri-default"}, "--cri-default"},
        {{"plan", "--device", "/dev/sdb", "--docker-storage", "devicemapper", "--cri-default"},
         "--cri-default"},
    };
    for (const auto& c : cases) {
        const auto out = parse(c.args);
        INFO(c.names << " -> " << out.err);
        CHECK_FALSE(out.invocation);
        CHECK(out.exit_code == kExitUsage);
        CHECK(out.err.find(c.names + ": ") != std::string::npos);
    }

    // What only the machine can tell is left to preflight (exit 3): the parser accepts it.
    for (const auto& args : std::vector<std::vector<const char*>>{
             {"setup", "--device", "/dev/lvmkit-no-such-disk"},
             {"setup", "--device", "/dev/sdb", "--daemon-json", "/etc/../../../tmp/x.json"},
             {"teardown", "--vg", "shared", "--existing-vg"},
             {"plan", "--existing-vg", "--data", "90%FREE"},
             {"status"},
             {"config"}}) {
        const auto out = parse(args);
        INFO(args.front() << " -> " << out.err);
        CHECK(out.invocation);
    }
}

TEST_CASE("cli: no subcommand is a usage error; --help and --version succeed", "[cli]") {
    auto out = parse({});
    CHECK_FALSE(out.invocation);
    CHECK(out.exit_code == kExitUsage);

    out = parse({"--version"});
    CHECK_FALSE(out.invocation);
    CHECK(out.exit_code == kExitOk);
    CHECK(out.out.find(lvmkit::kVersion) != std::string::npos);

    out = parse({"setup", "--help"});
    CHECK_FALSE(out.invocation);
    CHECK(out.exit_code == kExitOk);
    CHECK(out.out.find("--wipe-signatures") != std::string::npos);
    CHECK(out.out.find("Examples:") != std::string::npos);
    CHECK(out.out.find("Exit codes:") != std::string::npos);
}

TEST_CASE("cli: errors map to the documented exit codes", "[cli]") {
    using lvmkit::Errc;
    using lvmkit::Error;
    CHECK(exit_code_for(Error(Errc::has_signatures, "preflight", "/dev/sdb", "x")) == kExitRefused);
    CHECK(exit_code_for(Error(Errc::invalid_argument, "check spec", "data", "x")) == kExitUsage);
    CHECK(exit_code_for(Error(Errc::lvm_failed, "apply", "docker/thinpool", "x")) == kExitFailed);
    CHECK(exit_code_for(Error(Errc::lvm_failed, "apply", "docker/thinpool", "x"), false) ==
          kExitRefused);
    CHECK(exit_code_for(Error(Errc::rollback_incomplete, "apply", "docker/thinpool", "x")) ==
          kExitRollbackIncomplete);
    CHECK(exit_code_for(Error(Errc::rollback_incomplete, "apply", "docker/thinpool", "x"), false) ==
          kExitRollbackIncomplete);
}

TEST_CASE("cli: an error reads as one sentence, its details, and a hint", "[cli]") {
    const lvmkit::Error e(lvmkit::Errc::has_signatures, "preflight", "/dev/sdb",
                          "the device holds data signatures",
                          {"ext4 at offset 1080", "two\nlines"});
    const std::string text = describe_error(e);
    CHECK(text.rfind("lvmkit-docker: preflight /dev/sdb: the device holds data signatures\n", 0) ==
          0);
    CHECK(text.find("  | ext4 at offset 1080\n") != std::string::npos);
    CHECK(text.find("  | two\n  | lines\n") != std::string::npos);
    CHECK(text.find("hint: ") != std::string::npos);
    CHECK(text.find("--wipe-signatures") != std::string::npos);
}

TEST_CASE("cli: JSON strings are escaped", "[cli]") {
    CHECK(json_string("a\"b\\c\nd\x01") == "\"a\\\"b\\\\c\\nd\\u0001\"");
    CHECK(json_string("") == "\"\"");
}

TEST_CASE("cli: --layout and --when-full land in the spec", "[cli]") {
    using lvmkit::setup::Layout;
    using lvmkit::setup::WhenFull;
    auto out = parse({"plan", "--device", "/dev/sdb"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.layout == Layout::seed);
    CHECK(out.invocation->spec.when_full == WhenFull::queue);
    CHECK_FALSE(out.invocation->spec.fixed_chunk_size);

    out =
        parse({"setup", "--device", "/dev/sdb", "--layout", "recommended", "--when-full", "error"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.layout == Layout::recommended);
    CHECK(out.invocation->spec.when_full == WhenFull::error);
    CHECK_FALSE(out.invocation->spec.fixed_chunk_size);

    out = parse({"plan", "--device", "/dev/sdb", "--layout", "recommended", "--chunk", "256K"});
    REQUIRE(out.invocation);
    CHECK(out.invocation->spec.fixed_chunk_size);
    CHECK(out.invocation->spec.chunk_size == lvmkit::Bytes::KiB(256));
}

TEST_CASE("cli: the recommended layout refuses --data and --meta, bad values are usage errors",
          "[cli]") {
    for (const char* option : {"--data", "--meta"}) {
        const auto out = parse({"plan", "--device", "/dev/sdb", "--layout", "recommended", option,
                                std::string(option) == "--data" ? "50%VG" : "1G"});
        CHECK_FALSE(out.invocation);
        CHECK(out.exit_code == kExitUsage);
        CHECK(out.err.find("--layout recommended sizes the data and metadata itself") !=
              std::string::npos);
    }
    for (const auto& args : {std::vector<const char*>{"--layout", "big"},
                             std::vector<const char*>{"--when-full", "panic"}}) {
        std::vector<const char*> argv{"plan", "--device", "/dev/sdb"};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto out = parse(argv);
        CHECK_FALSE(out.invocation);
        CHECK(out.exit_code == kExitUsage);
    }
}

#ifdef LVMKIT_DOCKER_BINARY
// Issue 28: `config` read daemon.json through an ifstream, which waits on a FIFO for a writer.
// The built binary, on the host (config needs neither root nor device-mapper), under `timeout`.
TEST_CASE("cli: config refuses a FIFO daemon.json at once, naming it", "[cli][kinds]") {
    char pattern[] = "/tmp/lvmkit-cli-fifo-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    const std::string root = pattern;
    REQUIRE(::mkdir((root + "/etc").c_str(), 0755) == 0);
    REQUIRE(::mkdir((root + "/etc/docker").c_str(), 0755) == 0);
    REQUIRE(::mkfifo((root + "/etc/docker/daemon.json").c_str(), 0600) == 0);
    const std::string command = std::string("timeout -s KILL 20 ") + LVMKIT_DOCKER_BINARY +
                                " config --print daemon-json --docker-storage devicemapper "
                                "--root " +
                                root + " </dev/null 2>&1";
    const auto start = std::chrono::steady_clock::now();
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
        output.append(buffer, n);
    const int status = ::pclose(pipe);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::system(("rm -rf '" + root + "'").c_str());
    INFO(output);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == kExitRefused);
    CHECK(output.find(root + "/etc/docker/daemon.json: is a FIFO (named pipe), not a regular "
                             "file") != std::string::npos);
    CHECK(output.find("hint: point --root at a directory") != std::string::npos);
    CHECK(took < 10.0);
}
#endif

// The manual page lvmkit-docker(8) describes exactly the options --help lists (and names the
// version): scripts/check-manpage, on the binary this build made. The Debian build and the
// package suite run the same check on the packaged files.
TEST_CASE("cli: the manual page and --help agree", "[cli]") {
    const std::string command = std::string("'") + LVMKIT_SOURCE_DIR + "/scripts/check-manpage' '" +
                                LVMKIT_MANPAGE_BINARY + "' '" + LVMKIT_SOURCE_DIR +
                                "/examples/lvmkit-docker/lvmkit-docker.8' >/dev/null";
    CHECK(std::system(command.c_str()) == 0);
}
