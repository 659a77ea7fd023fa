// lvmkit-docker, the built binary, on hostile input, table-driven: each row runs `setup --yes`
// (a few `teardown --yes`) with one bad device, name, size or config file and must exit 2 (a bad
// command line: any value or combination the spec check refuses, whatever the machine holds) or
// 3 (refused before any change after looking at the machine: devices, config files, paths
// resolved under the root, a FIFO, socket or device node where a file or directory belongs),
// within a time bound (a row that blocks is killed and fails), print a message naming the
// problem on stderr, and leave the devices' first and last MiB and every file under the --root
// byte-identical, with no `docker*` dm device made.
#include <unistd.h>

#include <chrono>
#include <regex>

#include <filesystem>
#include <fstream>
#include <functional>
#include "catch_compat.hpp"

#include "system/cli_fixtures.hpp"
#include "system/component_fixtures.hpp"
#include "system/reliability_fixtures.hpp"
#include "unit/file_kind_fixtures.hpp"

using namespace lvmkit::test;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;
constexpr std::uint64_t kSmallDisk = 64ull << 20;
// Every row is a refusal made in seconds under TCG; one that takes this long hangs (exit 137).
constexpr int kRowSeconds = 60;

// Runs lvmkit-docker with stdin from /dev/null and stdout dropped: the result's output is stderr.
// Killed after kRowSeconds, so a row that blocks fails instead of holding the suite.
CommandResult cli_stderr(const std::vector<std::string>& args) {
    std::string command =
        "timeout -s KILL " + std::to_string(kRowSeconds) + " " + shell_quote(cli_binary());
    for (const auto& arg : args)
        command += " " + shell_quote(arg);
    return run_command({"/bin/sh", "-c", command + " </dev/null >/dev/null"});
}

// A FIFO, socket or device node at @p path under the row's root (its directories made).
std::function<void(const std::string&)> node_at(const std::string& path, NodeKind kind) {
    return [path, kind](const std::string& root) {
        fs::create_directories(fs::path(root + path).parent_path());
        REQUIRE(make_node(kind, root + path));
    };
}

// LVM's profile directory as `lvmconfig` reports it (where setup writes its profile).
std::string lvm_profile_dir() {
    const auto r = run_command({"lvmconfig", "--typeconfig", "full", "config/profile_dir"});
    std::smatch match;
    const std::regex pattern("profile_dir=\"([^\"]+)\"");
    REQUIRE(std::regex_search(r.output, match, pattern));
    return match[1];
}

// A FIFO where LVM's profile `<name>.profile` would be, removed at the end.
struct ProfileFifo {
    explicit ProfileFifo(const std::string& name)
        : path(lvm_profile_dir() + "/" + name + ".profile") {
        fs::create_directories(fs::path(path).parent_path());
        REQUIRE(make_node(NodeKind::fifo, path));
    }
    ~ProfileFifo() { ::unlink(path.c_str()); }
    ProfileFifo(const ProfileFifo&) = delete;
    ProfileFifo& operator=(const ProfileFifo&) = delete;
    std::string path;
};

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

struct Row {
    std::string what;
    std::string device;                                         // --device
    std::vector<std::string> extra;                             // more options
    int exit_code;                                              // 2 usage, 3 refused
    std::string words;                                          // must appear on stderr
    std::function<void(const std::string& root)> prepare = {};  // fills the target root
    std::string root = {};          // --root instead of the row's scratch directory
    std::string command = "setup";  // or "teardown"
};

// `lvm vgcreate foreign DEV` for the row "a PV of another VG", removed again at the end.
struct ForeignVg {
    explicit ForeignVg(const std::string& device) : device_(device) {
        created = run_command({"lvm", "vgcreate", "-q", "foreign", device}).exit_code == 0;
    }
    ~ForeignVg() {
        run_command({"lvm", "vgremove", "-f", "-q", "foreign"});
        run_command({"lvm", "pvremove", "-q", device_});
    }
    ForeignVg(const ForeignVg&) = delete;
    ForeignVg& operator=(const ForeignVg&) = delete;
    bool created = false;

  private:
    std::string device_;
};

// VG `stack` with a 16 MiB LV `inner` on @p device, removed again at the end.
struct StackedVg {
    explicit StackedVg(const std::string& device) : device_(device) {
        created =
            run_command({"lvm", "vgcreate", "-q", "stack", device}).exit_code == 0 &&
            run_command({"lvm", "lvcreate", "-q", "-n", "inner", "-L", "16m", "stack"}).exit_code ==
                0;
    }
    ~StackedVg() {
        run_command({"lvm", "vgremove", "-f", "-q", "stack"});
        run_command({"lvm", "pvremove", "-q", device_});
    }
    StackedVg(const StackedVg&) = delete;
    StackedVg& operator=(const StackedVg&) = delete;
    bool created = false;

  private:
    std::string device_;
};

}  // namespace

TEST_CASE("cli hostile: bad devices, names, sizes and config files are refused, nothing touched",
          "[system][cli][hostile]") {
    LoopDevice disk(kDisk, "cli-hostile");
    ScratchDir scratch;
    const std::string regular = scratch.path() + "/regular-file.img";
    write_file(regular, std::string(4096, 'x'));

    REQUIRE(load_module("ext4"));
    LoopDevice ext4(kSmallDisk, "cli-hostile-ext4");
    REQUIRE(run_command({"mkfs.ext4", "-q", "-F", ext4.path()}).exit_code == 0);
    LoopDevice gpt(kSmallDisk, "cli-hostile-gpt");
    REQUIRE(run_command({"sh", "-c", "echo 'label: gpt' | sfdisk -q " + gpt.path()}).exit_code ==
            0);
    LoopDevice foreign(kSmallDisk, "cli-hostile-foreign");
    const ForeignVg foreign_vg(foreign.path());
    REQUIRE(foreign_vg.created);
    LoopDevice small(16ull << 20, "cli-hostile-small");
    // Another name of the disk: the same device twice is one device.
    const std::string link = scratch.path() + "/disk-link";
    fs::create_symlink(disk.path(), link);
    // An LV as the device (LVM does not scan LVs for PVs).
    LoopDevice stack(kSmallDisk, "cli-hostile-stack");
    const StackedVg stacked(stack.path());
    REQUIRE(stacked.created);
    // Paths that are no files (issue 28): a FIFO as --root, one where LVM's profile goes.
    const std::string fifo_root = scratch.path() + "/root-fifo";
    REQUIRE(make_node(NodeKind::fifo, fifo_root));
    const ProfileFifo profile_fifo("lvmkit-hostile-fifo");
    // Components LVM skips: md members (an array stopped, one assembled), a dm-held device.
    LoopDevice md_a(kSmallDisk, "cli-hostile-md-a");
    LoopDevice md_b(kSmallDisk, "cli-hostile-md-b");
    MdMirror stopped("md121", md_a.path(), md_b.path());
    REQUIRE(stopped.created);
    REQUIRE(stopped.stop());
    LoopDevice md_c(kSmallDisk, "cli-hostile-md-c");
    LoopDevice md_d(kSmallDisk, "cli-hostile-md-d");
    const MdMirror assembled("md122", md_c.path(), md_d.path());
    REQUIRE(assembled.created);
    LoopDevice path(kSmallDisk, "cli-hostile-mpath");
    const DmHolder map("hostile-mpath", path.path());
    REQUIRE(map.created);

    const std::string daemon = "/etc/docker/daemon.json";
    const std::vector<Row> rows = {
        // Devices.
        {"missing device", "/dev/lvmkit-no-such-disk", {}, 3, "/dev/lvmkit-no-such-disk"},
        {"a regular file", regular, {}, 3, "block device"},
        {"a character device", "/dev/null", {}, 3, "block device"},
        {"a device with ext4", ext4.path(), {}, 3, "ext4"},
        {"a device with a gpt table", gpt.path(), {}, 3, "gpt"},
        {"a PV of another VG", foreign.path(), {}, 3, "'foreign'"},
        {"a device too small", small.path(), {}, 3, "use a larger device"},
        {"the same path twice", disk.path(), {"--device", disk.path()}, 2, "named twice"},
        {"the same path twice, spelled /dev//",
         disk.path(),
         {"--device", "/dev//" + disk.path().substr(5)},
         2,
         "named twice"},
        {"the same device through a symlink",
         disk.path(),
         {"--device", link},
         3,
         "names the same device"},
        {"an LVM LV as the device", "/dev/mapper/stack-inner", {}, 3, "LVM logical volume"},
        {"a VG of that name on another disk",
         disk.path(),
         {"--vg", "foreign"},
         3,
         "already exists on " + foreign.path()},
        {"an md member, array stopped", md_a.path(), {}, 3, "linux_raid_member"},
        {"an md member, array stopped, --wipe-signatures",
         md_a.path(),
         {"--wipe-signatures"},
         3,
         "member of a RAID array"},
        {"an md member, array assembled", md_c.path(), {}, 3, "held by md device md122"},
        {"a device held by a dm map (a multipath path)",
         path.path(),
         {"--wipe-signatures"},
         3,
         "held by dm device"},
        // Names.
        {"VG name with a space", disk.path(), {"--vg", "my vg"}, 2, "space character"},
        {"VG name with a quote", disk.path(), {"--vg", "vg'q"}, 2, "''' character"},
        {"VG name with a semicolon", disk.path(), {"--vg", "vg;rm"}, 2, "';' character"},
        {"VG name with a leading dash", disk.path(), {"--vg=-vg"}, 2, "can not start with '-'"},
        {"VG name of 128 characters",
         disk.path(),
         {"--vg", std::string(128, 'v')},
         2,
         "this has 128"},
        {"pool name with _tmeta", disk.path(), {"--pool", "pool_tmeta"}, 2, "'_tmeta'"},
        // Sizes.
        {"--data 0%VG", disk.path(), {"--data", "0%VG"}, 2, "between 1 and 100"},
        {"--data 101%VG", disk.path(), {"--data", "101%VG"}, 2, "between 1 and 100"},
        {"--data 95+6%VG", disk.path(), {"--data", "95+6%VG"}, 2, "whole number before '%'"},
        {"--data 95%VG --meta 6%VG",
         disk.path(),
         {"--data", "95%VG", "--meta", "6%VG"},
         2,
         "exceed 100%"},
        {"--chunk 100K", disk.path(), {"--chunk", "100K"}, 2, "chunk"},
        {"--chunk 32K", disk.path(), {"--chunk", "32K"}, 2, "chunk"},
        {"--chunk 2G", disk.path(), {"--chunk", "2G"}, 2, "chunk"},
        {"--autoextend-threshold 49",
         disk.path(),
         {"--autoextend-threshold", "49"},
         2,
         "threshold"},
        {"--autoextend-threshold 101",
         disk.path(),
         {"--autoextend-threshold", "101"},
         2,
         "threshold"},
        // Config files and paths.
        {"malformed daemon.json",
         disk.path(),
         {},
         3,
         "line",
         [&](const std::string& root) { write_file(root + daemon, "{\n  \"debug\": true,\n"); }},
        {"daemon.json holding an array",
         disk.path(),
         {},
         3,
         "object",
         [&](const std::string& root) {
             write_file(root + daemon, "[\"storage-driver\", \"overlay2\"]\n");
         }},
        {"daemon.json a symlink to /etc/shadow",
         disk.path(),
         {},
         3,
         "symlink",
         [&](const std::string& root) {
             fs::create_directories(root + "/etc/docker");
             fs::create_symlink("/etc/shadow", root + daemon);
         }},
        {"--root climbing through '..' to the real /etc",
         disk.path(),
         {},
         2,
         "must not contain '..'",
         {},
         "/tmp/../etc"},
        {"--daemon-json climbing out of the root",
         disk.path(),
         {"--daemon-json", "/etc/../../../../tmp/escape.json"},
         3,
         "climbs above the target root"},
        // Files that are no files (issue 28): refused by their stat, never opened or waited on.
        {"daemon.json a FIFO",
         disk.path(),
         {},
         3,
         "daemon.json: is a FIFO (named pipe), not a regular file",
         node_at(daemon, NodeKind::fifo)},
        {"daemon.json a socket",
         disk.path(),
         {},
         3,
         "daemon.json: is a socket, not a regular file",
         node_at(daemon, NodeKind::socket)},
        {"daemon.json a character device",
         disk.path(),
         {},
         3,
         "daemon.json: is a character device, not a regular file",
         node_at(daemon, NodeKind::char_device)},
        {"daemon.json a block device",
         disk.path(),
         {},
         3,
         "daemon.json: is a block device, not a regular file",
         node_at(daemon, NodeKind::block_device)},
        {"/etc/docker a FIFO",
         disk.path(),
         {},
         3,
         "/etc/docker: is a FIFO (named pipe), not a directory",
         node_at("/etc/docker", NodeKind::fifo)},
        {"daemon.json's backup a FIFO",
         disk.path(),
         {},
         3,
         "daemon.json.lvmkit-backup: is a FIFO (named pipe), not a regular file",
         [&](const std::string& root) {
             write_file(root + daemon, "{\n  \"debug\": true\n}\n");
             node_at(daemon + ".lvmkit-backup", NodeKind::fifo)(root);
         }},
        {"containerd's config.toml a FIFO",
         disk.path(),
         {"--containerd-config", "/etc/containerd/config.toml"},
         3,
         "config.toml: is a FIFO (named pipe), not a regular file",
         node_at("/etc/containerd/config.toml", NodeKind::fifo)},
        {"the graph directory's backup a FIFO (--backup-graph-dir)",
         disk.path(),
         {"--backup-graph-dir"},
         3,
         "docker.backup: is a FIFO (named pipe), not a directory",
         [&](const std::string& root) {
             fs::create_directories(root + "/var/lib/docker");
             node_at("/var/lib/docker.backup", NodeKind::fifo)(root);
         }},
        {"the LVM profile a FIFO",
         disk.path(),
         {"--profile", "lvmkit-hostile-fifo"},
         3,
         "lvmkit-hostile-fifo.profile: is a FIFO (named pipe), not a regular file"},
        {"--root a FIFO",
         disk.path(),
         {},
         3,
         "root-fifo: is a FIFO (named pipe), not a directory",
         {},
         fifo_root},
        {"teardown: daemon.json a FIFO",
         disk.path(),
         {},
         3,
         "daemon.json: is a FIFO (named pipe), not a regular file",
         node_at(daemon, NodeKind::fifo),
         {},
         "teardown"},
    };

    std::size_t passed = 0;
    double slowest = 0;
    for (const auto& row : rows) {
        INFO("row: " << row.what);
        ScratchDir root;
        if (row.prepare)
            row.prepare(root.path());
        std::vector<std::string> watched{disk.path()};
        if (row.device != disk.path() &&
            (row.device.rfind("/dev/loop", 0) == 0 || row.device.rfind("/dev/mapper/", 0) == 0))
            watched.push_back(row.device);
        watched.push_back(foreign.path());
        std::vector<std::string> edges_before;
        for (const auto& device : watched)
            edges_before.push_back(edges_of(device));
        const auto files_before = files_below(root.path());

        std::vector<std::string> args{row.command, "--yes",
                                      "--root",    row.root.empty() ? root.path() : row.root,
                                      "--device",  row.device};
        args.insert(args.end(), row.extra.begin(), row.extra.end());
        const auto start = std::chrono::steady_clock::now();
        const auto r = cli_stderr(args);
        const double took =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        slowest = std::max(slowest, took);
        INFO("exit " << r.exit_code << " after " << took << " s, stderr:\n" << r.output);
        if (r.exit_code == 0 && row.command == "setup") {
            // Accepted: undo it so the next rows see a blank disk, then fail the row.
            args[0] = "teardown";
            cli_stderr(args);
        }
        const bool code_ok = r.exit_code == row.exit_code;
        const bool named = r.output.find(row.words) != std::string::npos;
        bool edges_ok = true;
        for (std::size_t i = 0; i < watched.size(); ++i)
            edges_ok = edges_ok && edges_of(watched[i]) == edges_before[i];
        const bool files_ok = files_below(root.path()) == files_before;
        const bool no_dm = no_dm_devices_named("docker");
        CHECK(code_ok);
        CHECK(named);
        CHECK(edges_ok);
        CHECK(files_ok);
        CHECK(no_dm);
        passed += code_ok && named && edges_ok && files_ok && no_dm ? 1 : 0;
    }
    std::fprintf(stderr, "cli hostile: %zu of %zu rows refused as expected (slowest %.1f s)\n",
                 passed, rows.size(), slowest);
    CHECK(passed == rows.size());
}
