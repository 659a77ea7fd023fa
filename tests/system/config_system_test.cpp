// [system][config]: LVM accepts the profiles lvmkit writes, and the file writer keeps the old file
// on a real full filesystem and a real read-only mount.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>
#include "catch_compat.hpp"

#include "lvmkit/error.hpp"
#include "lvmkit/files.hpp"
#include "lvmkit/profile.hpp"
#include "system/fixtures.hpp"

using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::FileWriter;
using lvmkit::LvmProfile;
using lvmkit::TargetRoot;
using lvmkit::test::CommandResult;
using lvmkit::test::LoopDevice;
using lvmkit::test::run_command;
using lvmkit::test::ScratchDir;

namespace {

/// Runs an LVM command restricted to @p device, without dmeventd; REQUIREs success.
std::string lvm(const std::string& device, std::vector<std::string> args) {
    args.insert(args.begin(), "lvm");
    args.insert(args.begin() + 2, "--config");
    args.insert(args.begin() + 3,
                "devices{filter=[\"a|^" + device + "$|\",\"r|.*|\"]} activation{monitoring=0}");
    const CommandResult result = run_command(args);
    std::string line;
    for (const auto& a : args)
        line += a + " ";
    INFO(line << "\n" << result.output);
    REQUIRE(result.exit_code == 0);
    return result.output;
}

std::string trimmed(std::string text) {
    const auto first = text.find_first_not_of(" \t\n");
    const auto last = text.find_last_not_of(" \t\n");
    return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

/// What `lvmconfig` reports for config/profile_dir (tests may ask the CLI; lvmkit's LVM layer
/// asks liblvm2cmd).
std::string lvm_profile_dir() {
    const CommandResult result =
        run_command({"lvmconfig", "--typeconfig", "full", "config/profile_dir"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    std::smatch match;
    const std::regex pattern("profile_dir=\"([^\"]+)\"");
    REQUIRE(std::regex_search(result.output, match, pattern));
    return match[1].str();
}

/// The effective value of @p setting with metadata profile @p profile merged in.
std::string effective(const std::string& profile, const std::string& setting) {
    const CommandResult result =
        run_command({"lvmconfig", "--mergedconfig", "--metadataprofile", profile, setting});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return trimmed(result.output);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<std::string> entries(const std::string& dir) {
    const CommandResult result = run_command({"ls", "-A", dir});
    std::vector<std::string> names;
    std::istringstream lines(result.output);
    for (std::string name; std::getline(lines, name);)
        names.push_back(name);
    return names;
}

/// A tmpfs mounted on a fresh directory, unmounted at the end.
class Tmpfs {
  public:
    explicit Tmpfs(const std::string& options) {
        path_ = dir_.path() + "/mnt";
        REQUIRE(::mkdir(path_.c_str(), 0755) == 0);
        REQUIRE(::mount("lvmkit-test", path_.c_str(), "tmpfs", 0, options.c_str()) == 0);
    }
    ~Tmpfs() { ::umount2(path_.c_str(), MNT_DETACH); }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;
    const std::string& path() const { return path_; }
    void remount_read_only() {
        REQUIRE(::mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);
    }

  private:
    ScratchDir dir_;
    std::string path_;
};

}  // namespace

TEST_CASE("LVM applies the thin-pool profile lvmkit writes", "[system][config]") {
    LoopDevice disk(64ull << 20, "config");
    const std::string vg = "lvmkitcfg";
    const std::string dir = lvm_profile_dir();
    FileWriter writer;  // the running system: the profile goes where LVM looks

    LvmProfile profile;
    profile.name = "lvmkit-systest";
    profile.autoextend_threshold = 70;
    profile.autoextend_percent = 25;
    profile.zero = false;
    profile.discards = lvmkit::ThinPoolDiscards::nopassdown;
    profile.chunk_size_policy = lvmkit::ChunkSizePolicy::performance;
    // A stale copy (the guest's LVM dir is copied from the host's) must not hide the write.
    writer.remove(lvmkit::profile_path(dir, profile.name));
    const auto written =
        writer.write(lvmkit::profile_path(dir, profile.name), lvmkit::render_profile(profile));
    REQUIRE(written.changed);

    lvm(disk.path(), {"pvcreate", "-q", disk.path()});
    lvm(disk.path(), {"vgcreate", "-q", vg, disk.path()});
    // Created with the profile: zeroing and discards come from it.
    lvm(disk.path(), {"lvcreate", "-q", "--type", "thin-pool", "-L", "16m", "-n", "pool",
                      "--metadataprofile", profile.name, vg});
    const std::string created =
        lvm(disk.path(), {"lvs", "--noheadings", "-o", "lv_profile,zero,discards", vg + "/pool"});
    CHECK(created.find("lvmkit-systest") != std::string::npos);
    CHECK(created.find("nopassdown") != std::string::npos);
    CHECK(created.find("zero") == std::string::npos);  // the field reads "zero" when on

    // Attached later, as the manual procedure does, and read back through LVM.
    lvm(disk.path(), {"lvcreate", "-q", "--type", "thin-pool", "-L", "8m", "-n", "pool2", vg});
    // Without the profile LVM zeroes (its default), so the check above can tell the difference.
    CHECK(lvm(disk.path(), {"lvs", "--noheadings", "-o", "zero", vg + "/pool2"}).find("zero") !=
          std::string::npos);
    lvm(disk.path(), {"lvchange", "-q", "--metadataprofile", profile.name, vg + "/pool2"});
    CHECK(trimmed(lvm(disk.path(), {"lvs", "--noheadings", "-o", "lv_profile", vg + "/pool2"})) ==
          "lvmkit-systest");
    CHECK(effective(profile.name, "activation/thin_pool_autoextend_threshold") ==
          "thin_pool_autoextend_threshold=70");
    CHECK(effective(profile.name, "activation/thin_pool_autoextend_percent") ==
          "thin_pool_autoextend_percent=25");
    CHECK(effective(profile.name, "allocation/thin_pool_zero") == "thin_pool_zero=0");
    CHECK(effective(profile.name, "allocation/thin_pool_discards") ==
          "thin_pool_discards=\"nopassdown\"");
    CHECK(effective(profile.name, "allocation/thin_pool_chunk_size_policy") ==
          "thin_pool_chunk_size_policy=\"performance\"");

    // What LVM reads back parses to what lvmkit wrote.
    CHECK(lvmkit::parse_profile(profile.name, slurp(written.host_path)) == profile);

    lvm(disk.path(), {"vgremove", "-q", "-f", vg});
    lvm(disk.path(), {"pvremove", "-q", disk.path()});
    writer.undo(written);
    struct stat st {};
    CHECK(::stat(written.host_path.c_str(), &st) != 0);
}

TEST_CASE("LVM reads a profile written under a target root", "[system][config]") {
    ScratchDir root;
    FileWriter writer{TargetRoot(root.path())};
    LvmProfile profile;
    profile.name = "lvmkit-rooted";
    profile.autoextend_threshold = 100;  // off
    const auto written = writer.write(lvmkit::profile_path("/etc/lvm/profile", profile.name),
                                      lvmkit::render_profile(profile));
    CHECK(written.host_path == root.path() + "/etc/lvm/profile/lvmkit-rooted.profile");
    const CommandResult result = run_command(
        {"lvmconfig", "--config", "config{profile_dir=\"" + root.path() + "/etc/lvm/profile\"}",
         "--mergedconfig", "--metadataprofile", profile.name,
         "activation/thin_pool_autoextend_threshold"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK(trimmed(result.output) == "thin_pool_autoextend_threshold=100");
}

TEST_CASE("A full filesystem leaves the previous file intact", "[system][config]") {
    Tmpfs fs("size=64k,mode=0755");
    const std::string target = fs.path() + "/daemon.json";
    { std::ofstream(target) << "{\"old\": true}\n"; }
    // Fill the rest of the filesystem.
    {
        std::ofstream filler(fs.path() + "/filler", std::ios::binary);
        const std::string block(4096, 'x');
        for (int i = 0;
             i < 64 && filler.write(block.data(), static_cast<std::streamsize>(block.size())); ++i)
            filler.flush();
    }
    FileWriter writer{TargetRoot(fs.path())};
    try {
        writer.write("/daemon.json", std::string(32 * 1024, ' ') + "{}\n");
        FAIL("no error on a full filesystem");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.errc() == Errc::insufficient_space);
        CHECK(e.sys_errno() == ENOSPC);
    }
    CHECK(slurp(target) == "{\"old\": true}\n");
    CHECK(entries(fs.path()) == std::vector<std::string>{"daemon.json", "filler"});
}

TEST_CASE("A read-only mount is refused and the previous file stays", "[system][config]") {
    Tmpfs fs("size=1m,mode=0755");
    const std::string target = fs.path() + "/etc/docker/daemon.json";
    REQUIRE(::mkdir((fs.path() + "/etc").c_str(), 0755) == 0);
    REQUIRE(::mkdir((fs.path() + "/etc/docker").c_str(), 0755) == 0);
    { std::ofstream(target) << "{}\n"; }
    fs.remount_read_only();
    FileWriter writer{TargetRoot(fs.path())};
    CHECK_THROWS_MATCHES(writer.write("/etc/docker/daemon.json", "{\"new\": 1}\n"), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                             return e.errc() == Errc::permission_denied && e.sys_errno() == EROFS;
                         }));
    CHECK_THROWS_MATCHES(writer.write("/etc/containerd/config.toml", "x"), Error,
                         Catch::Predicate<Error>(
                             [](const Error& e) { return e.errc() == Errc::permission_denied; }));
    CHECK(slurp(target) == "{}\n");
    CHECK(entries(fs.path() + "/etc/docker") == std::vector<std::string>{"daemon.json"});
}
