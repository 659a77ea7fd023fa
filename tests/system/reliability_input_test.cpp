// Hostile input through the library API, table-driven: each bad input must be refused with its
// specific Errc and a message naming the problem, and leave the device's first and last MiB, every
// file under the target root and the LVM profile directory byte-identical, with no dm device made.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/lvm.hpp"
#include "lvmkit/setup.hpp"
#include "system/reliability_fixtures.hpp"

using namespace lvmkit;
using namespace lvmkit::test;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kDisk = 1ull << 30;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// Counts every bad input checked, for tests/RELIABILITY.md.
std::size_t g_bad_inputs = 0;

struct Watched {
    std::vector<std::string> devices;  // block devices whose edges must not change
    std::vector<std::string> dirs;     // directories whose files must not change
};

struct Snapshot {
    std::vector<std::string> edges;
    std::vector<std::map<std::string, std::string>> files;
    bool operator==(const Snapshot& o) const { return edges == o.edges && files == o.files; }
};

Snapshot take(const Watched& watched) {
    Snapshot s;
    for (const auto& device : watched.devices)
        s.edges.push_back(edges_of(device));
    for (const auto& dir : watched.dirs)
        s.files.push_back(files_below(dir));
    return s;
}

// Builds the spec (which may itself throw for a bad name) and applies it; the refusal must carry
// @p code and mention @p words (case-insensitive), and nothing watched may change.
void expect_refusal(const std::string& what, Errc code, const std::string& words,
                    const std::function<setup::ThinPoolSpec()>& make_spec, const Watched& watched) {
    INFO("bad input: " << what);
    ++g_bad_inputs;
    const Snapshot before = take(watched);
    try {
        const auto spec = make_spec();
        setup::apply(spec);
        FAIL("accepted: " << what);
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(to_string(e.errc()) == std::string(to_string(code)));
        CHECK(lower(e.what()).find(lower(words)) != std::string::npos);
    }
    CHECK(take(watched) == before);
    CHECK(no_dm_devices_named("docker-"));
}

std::string profile_dir() {
    return lvm::Session().profile_dir();
}

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("reliability: bad spec values and names are refused before anything is written",
          "[system][reliability]") {
    LoopDevice disk(kDisk, "rel-input");
    ScratchDir root;
    write_file(root.path() + "/etc/docker/daemon.json", "{\n  \"debug\": true\n}\n");
    const Watched watched{{disk.path()}, {root.path(), profile_dir()}};
    auto base = [&] {
        setup::ThinPoolSpec spec;
        spec.devices = {disk.path()};
        spec.target_root = root.path();
        return spec;
    };
    auto with = [&](std::function<void(setup::ThinPoolSpec&)> change) {
        return [base, change] {
            auto spec = base();
            change(spec);
            return spec;
        };
    };
    const Errc bad = Errc::invalid_argument;
    // Names: LVM's rules, checked when the name is built.
    for (const char* name : {"my vg", "vg'q", "vg\"q", "vg;rm", "-vg", "--help", ".", ".."})
        expect_refusal(std::string("VG name ") + name, bad, "",
                       with([name](auto& s) { s.vg = VgName(name); }), watched);
    expect_refusal("VG name of 128 characters", bad, "128",
                   with([](auto& s) { s.vg = VgName(std::string(128, 'v')); }), watched);
    for (const char* name : {"pool_tdata", "pool_tmeta", "pool_cdata", "snapshot", "pvmove",
                             "pool_rimage", "a b", "x;y"})
        expect_refusal(std::string("pool name ") + name, bad, "",
                       with([name](auto& s) { s.pool = LvName(name); }), watched);
    // Sizes.
    expect_refusal("data 0%VG", bad, "0%", with([](auto& s) {
                       s.data_size = Percent{0, PercentOf::VG};
                   }),
                   watched);
    expect_refusal("data 101%VG", bad, "101%", with([](auto& s) {
                       s.data_size = Percent{101, PercentOf::VG};
                   }),
                   watched);
    expect_refusal("data 95%VG + metadata 6%VG", bad, "exceed 100%", with([](auto& s) {
                       s.data_size = Percent{95, PercentOf::VG};
                       s.metadata_size = Percent{6, PercentOf::VG};
                   }),
                   watched);
    expect_refusal("metadata 1M", bad, "metadata",
                   with([](auto& s) { s.metadata_size = Bytes::MiB(1); }), watched);
    for (const auto chunk : {Bytes::KiB(100), Bytes::KiB(32), Bytes::GiB(2)})
        expect_refusal("chunk size " + format_human(chunk), bad, "chunk",
                       with([chunk](auto& s) { s.chunk_size = chunk; }), watched);
    for (const unsigned threshold : {0u, 49u, 101u})
        expect_refusal("autoextend threshold " + std::to_string(threshold), bad, "threshold",
                       with([threshold](auto& s) { s.autoextend_threshold = threshold; }), watched);
    // Paths.
    expect_refusal("daemon.json path climbing out of the target root", bad, "..",
                   with([](auto& s) { s.daemon_json = "/etc/../../../../tmp/escape.json"; }),
                   watched);
    expect_refusal("relative daemon.json path", bad, "absolute",
                   with([](auto& s) { s.daemon_json = "etc/docker/daemon.json"; }), watched);
    expect_refusal("relative target root", bad, "absolute",
                   with([](auto& s) { s.target_root = "mnt/sysimage"; }), watched);
    expect_refusal("the same device twice", bad, "twice", with([&](auto& s) {
                       s.devices = {disk.path(), disk.path()};
                   }),
                   watched);
    expect_refusal("no device at all", bad, "device", with([](auto& s) { s.devices.clear(); }),
                   watched);
}

TEST_CASE("reliability: devices that must not be used are refused", "[system][reliability]") {
    ScratchDir root;
    const std::string profiles = profile_dir();
    auto spec_on = [&](const std::string& device) {
        return [device, &root] {
            setup::ThinPoolSpec spec;
            spec.devices = {device};
            spec.target_root = root.path();
            spec.wipe_signatures = true;  // never enough for a device in use
            return spec;
        };
    };
    const Watched files_only{{}, {root.path(), profiles}};

    expect_refusal("missing device", Errc::not_found, "/dev/lvmkit-no-such-disk",
                   spec_on("/dev/lvmkit-no-such-disk"), files_only);
    const std::string image = root.path() + "/../rel-regular-file.img";
    write_file(image, std::string(4096, 'x'));
    expect_refusal("a regular file", Errc::invalid_argument, "block device", spec_on(image),
                   files_only);
    ::unlink(image.c_str());
    expect_refusal("a character device", Errc::invalid_argument, "block device",
                   spec_on("/dev/null"), files_only);
    {
        LoopDevice small(8ull << 20, "rel-small");
        expect_refusal("a device too small for a pool", Errc::insufficient_space, "",
                       spec_on(small.path()), {{small.path()}, {root.path(), profiles}});
    }
    {
        LoopDevice disk(kDisk, "rel-gpt");
        auto sfdisk = run_command({"sh", "-c", "echo 'label: gpt' | sfdisk -q " + disk.path()});
        REQUIRE(sfdisk.exit_code == 0);
        auto spec = spec_on(disk.path());
        expect_refusal("a gpt table without permission to wipe", Errc::has_signatures, "gpt",
                       [&] {
                           auto s = spec();
                           s.wipe_signatures = false;
                           return s;
                       },
                       {{disk.path()}, {root.path(), profiles}});
    }
    {
        REQUIRE(load_module("ext4"));
        LoopDevice disk(kDisk, "rel-mounted");
        REQUIRE(run_command({"mkfs.ext4", "-q", "-F", disk.path()}).exit_code == 0);
        ScratchDir mountpoint;
        REQUIRE(run_command({"mount", disk.path(), mountpoint.path()}).exit_code == 0);
        expect_refusal("a mounted device", Errc::device_in_use, "mounted", spec_on(disk.path()),
                       {{}, {root.path(), profiles}});
        run_command({"umount", mountpoint.path()});
    }
    {
        LoopDevice disk(256ull << 20, "rel-swap");
        REQUIRE(run_command({"mkswap", disk.path()}).exit_code == 0);
        const auto swapon = run_command({"swapon", disk.path()});
        INFO(swapon.output);
        REQUIRE(swapon.exit_code == 0);
        expect_refusal("an active swap device", Errc::device_in_use, "swap", spec_on(disk.path()),
                       {{disk.path()}, {root.path(), profiles}});
        run_command({"swapoff", disk.path()});
    }
    {
        LoopDevice disk(kDisk, "rel-foreign");
        REQUIRE(run_command({"lvm", "vgcreate", "foreign", disk.path()}).exit_code == 0);
        expect_refusal("a PV of another VG", Errc::device_in_use, "'foreign'", spec_on(disk.path()),
                       {{disk.path()}, {root.path(), profiles}});
        run_command({"lvm", "vgremove", "-f", "foreign"});
        run_command({"lvm", "pvremove", disk.path()});
    }
}

TEST_CASE("reliability: daemon.json that can not be merged or written is refused",
          "[system][reliability]") {
    LoopDevice disk(kDisk, "rel-config");
    ScratchDir root;
    const std::string docker_dir = root.path() + "/etc/docker";
    const std::string daemon = docker_dir + "/daemon.json";
    const Watched watched{{disk.path()}, {root.path(), profile_dir()}};
    auto spec = [&] {
        setup::ThinPoolSpec s;
        s.devices = {disk.path()};
        s.target_root = root.path();
        return s;
    };
    write_file(daemon, "{\n  \"debug\": true,\n");
    expect_refusal("malformed daemon.json", Errc::parse_error, "line", spec, watched);
    write_file(daemon, "[\"storage-driver\", \"overlay2\"]\n");
    expect_refusal("daemon.json holding an array", Errc::parse_error, "object", spec, watched);
    write_file(daemon, "{\"storage-driver\": \"overlay2\"}\n");
    expect_refusal("daemon.json with another storage driver", Errc::conflict, "overlay2", spec,
                   watched);
    ::unlink(daemon.c_str());
    REQUIRE(::symlink("/etc/shadow", daemon.c_str()) == 0);
    expect_refusal("daemon.json a symlink to /etc/shadow", Errc::invalid_argument, "symlink", spec,
                   watched);
    ::unlink(daemon.c_str());

    // A read-only filesystem, then a full one, under /etc/docker.
    write_file(daemon, "{\n  \"debug\": true\n}\n");
    REQUIRE(::mount("tmpfs", docker_dir.c_str(), "tmpfs", 0, "size=64k") == 0);
    write_file(daemon, "{\n  \"debug\": true\n}\n");
    REQUIRE(::mount(nullptr, docker_dir.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);
    expect_refusal("daemon.json on a read-only filesystem", Errc::permission_denied, "read-only",
                   spec, watched);
    REQUIRE(::mount(nullptr, docker_dir.c_str(), nullptr, MS_REMOUNT, "size=64k") == 0);
    run_command({"dd", "if=/dev/zero", "of=" + docker_dir + "/filler", "bs=4k", "count=100"});
    expect_refusal("daemon.json on a full filesystem", Errc::insufficient_space, "space", spec,
                   watched);
    ::umount(docker_dir.c_str());
}

TEST_CASE("reliability: a caller that is not root is refused", "[system][reliability]") {
    LoopDevice disk(kDisk, "rel-nonroot");
    ScratchDir root;
    const std::string before = edges_of(disk.path());
    lvm::release_session();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            ::_exit(2);
        setup::ThinPoolSpec spec;
        spec.devices = {disk.path()};
        spec.target_root = root.path();
        try {
            setup::apply(spec);
        } catch (const Error& e) {
            const bool named = std::string(e.what()).find("root") != std::string::npos;
            ::_exit(e.errc() == Errc::permission_denied && named ? 0 : 4);
        }
        ::_exit(5);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ++g_bad_inputs;
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(edges_of(disk.path()) == before);
    CHECK(files_below(root.path()).empty());
    std::fprintf(stderr, "reliability: %zu bad inputs checked\n", g_bad_inputs);
}
