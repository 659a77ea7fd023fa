// The private LVM system directory that carries lvmkit's settings for one liblvm2cmd handle:
// what it holds, where it refuses to stand in for --config, and that it leaves nothing behind.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "internal/lvm_command.hpp"
#include "internal/lvm_system_dir.hpp"

using namespace lvmkit::lvm;
using namespace lvmkit::lvm::internal;

namespace {

std::string make_temp_dir() {
    std::string path = "/tmp/lvmkit-sysdir-test-XXXXXX";
    REQUIRE(::mkdtemp(path.data()) != nullptr);
    return path;
}

void write(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    REQUIRE(out.good());
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string link_target(const std::string& path) {
    char buffer[4096];
    const ssize_t length = ::readlink(path.c_str(), buffer, sizeof buffer);
    return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// A fake real system directory with lvm.conf and the given lvmlocal.conf; removed at the end.
struct RealDir {
    explicit RealDir(const std::string& local) : path(make_temp_dir()) {
        write(path + "/lvm.conf", "devices {\n  scan = [ \"/dev\" ]\n}\n");
        if (!local.empty())
            write(path + "/lvmlocal.conf", local);
    }
    ~RealDir() {
        for (const char* name : {"lvm.conf", "lvmlocal.conf", "lvm_web.conf"})
            ::unlink((path + "/" + name).c_str());
        for (const char* name : {"backup", "archive"})
            ::rmdir((path + "/" + name).c_str());
        ::rmdir(path.c_str());
    }
    std::string path;
};

ConfigOverride lvmkit_settings() {
    ConfigOverride config;
    config.set("report/binary_values_as_numeric", true);
    config.set("devices/filter", std::vector<std::string>{"a|^/dev/loop0$|", "r|.*|"});
    config.set("allocation/zero_metadata", false);
    return config;
}

}  // namespace

TEST_CASE("private system dir: lvm.conf linked, lvmlocal.conf = the real one + lvmkit's settings",
          "[lvm_system_dir]") {
    RealDir real("local {\n  system_id = \"host1\"\n}\n");
    std::string made;
    {
        const auto dir = PrivateSystemDir::create(real.path, lvmkit_settings());
        REQUIRE(dir != nullptr);
        made = dir->path();
        CHECK(link_target(made + "/lvm.conf") == real.path + "/lvm.conf");
        for (const char* name : {"backup", "archive", "cache", "profile", "devices"})
            CHECK(link_target(made + "/" + name) == real.path + "/" + name);
        // LVM would create these on its first backup: they must be the real ones.
        CHECK(exists(real.path + "/backup"));
        CHECK(exists(real.path + "/archive"));
        const std::string local = read(made + "/lvmlocal.conf");
        CHECK(local.rfind("local {\n  system_id = \"host1\"\n}\n", 0) == 0);
        CHECK(local.find(render_config(lvmkit_settings())) != std::string::npos);
        CHECK(dir->settings() == render_config(lvmkit_settings()));
        CHECK(dir->keys() == std::vector<std::string>{"report/binary_values_as_numeric",
                                                      "devices/filter",
                                                      "allocation/zero_metadata"});
        CHECK(dir->to_real(made + "/profile") == real.path + "/profile");
        CHECK(dir->to_real(made) == real.path);
        CHECK(dir->to_real("/etc/lvm/profile") == "/etc/lvm/profile");
        CHECK(dir->to_real(made + "x/profile") == made + "x/profile");
        CHECK(dir->to_real_in(made + "/profile/p.profile: stat failed; see " + made + ". " + made +
                              "x") ==
              real.path + "/profile/p.profile: stat failed; see " + real.path + ". " + made + "x");
    }
    // Removed with its links only: the real directory and its files stay.
    CHECK_FALSE(exists(made));
    CHECK(read(real.path + "/lvm.conf").find("scan") != std::string::npos);
    CHECK(exists(real.path + "/backup"));
}

TEST_CASE("private system dir: refused where it could not stand in for --config exactly",
          "[lvm_system_dir]") {
    SECTION("no system directory at all (LVM_SYSTEM_DIR=\"\")") {
        CHECK(PrivateSystemDir::create("", lvmkit_settings()) == nullptr);
    }
    SECTION("the real lvmlocal.conf sets a key lvmkit sets") {
        RealDir real("devices {\n  filter = [ \"r|/dev/sdz|\" ]\n}\n");
        CHECK(PrivateSystemDir::create(real.path, lvmkit_settings()) == nullptr);
    }
    SECTION("host tag files, merged after lvmlocal.conf") {
        RealDir real("");
        write(real.path + "/lvm_web.conf", "activation {\n}\n");
        CHECK(PrivateSystemDir::create(real.path, lvmkit_settings()) == nullptr);
    }
    SECTION("an unparsable lvmlocal.conf keeps LVM's own error") {
        RealDir real("devices { filter = [ \n");
        CHECK(PrivateSystemDir::create(real.path, lvmkit_settings()) == nullptr);
    }
    SECTION("a temporary directory that can not be created") {
        RealDir real("");
        const char* old = std::getenv("TMPDIR");
        const std::string saved = old ? old : "";
        ::setenv("TMPDIR", "/nonexistent/lvmkit", 1);
        CHECK(PrivateSystemDir::create(real.path, lvmkit_settings()) == nullptr);
        if (old)
            ::setenv("TMPDIR", saved.c_str(), 1);
        else
            ::unsetenv("TMPDIR");
    }
    SECTION("a real lvmlocal.conf with other keys is fine") {
        RealDir real("local {\n  host_id = 7\n}\n");
        CHECK(PrivateSystemDir::create(real.path, lvmkit_settings()) != nullptr);
    }
}

TEST_CASE("command line: settings go after the command as one --config word", "[lvm]") {
    CommandLine line("pvs");
    line.add("--reportformat", "json");
    CHECK(line.str_with_config() == line.str());
    line.set_settings(lvmkit_settings());
    CHECK(line.str() == "pvs --reportformat json");
    CHECK(line.str_with_config() ==
          "pvs --config '" + render_config(lvmkit_settings()) + "' --reportformat json");
}
