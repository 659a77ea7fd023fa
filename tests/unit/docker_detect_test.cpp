#include "lvmkit/docker_detect.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include "catch_compat.hpp"

TEST_CASE("Docker's version from dpkg's status file", "[config][docker][detect]") {
    const std::string status =
        "Package: containerd\nStatus: install ok installed\nVersion: 1.6.20~ds1-1+b1\n\n"
        "Package: docker.io\nStatus: deinstall ok config-files\nVersion: 20.10.5+dfsg1-1\n\n"
        "Package: docker-ce\nStatus: install ok installed\nPriority: optional\n"
        "Version: 5:26.1.3-1~debian.12~bookworm\n";
    CHECK(lvmkit::docker_version_from_dpkg_status(status) == "26.1.3-1~debian.12~bookworm");
    CHECK(lvmkit::docker_version_from_dpkg_status(
              "Package: docker.io\nStatus: install ok installed\nVersion: 20.10.24+dfsg1-1+b3\n") ==
          "20.10.24+dfsg1-1+b3");
    CHECK_FALSE(lvmkit::docker_version_from_dpkg_status(
        status.substr(0, status.find("Package: docker-ce"))));
    CHECK_FALSE(lvmkit::docker_version_from_dpkg_status(""));
}

TEST_CASE("Docker's version from dockerd --version", "[config][docker][detect]") {
    CHECK(lvmkit::docker_version_from_output("Docker version 26.1.5+dfsg1, build 411e817\n") ==
          "26.1.5+dfsg1");
    CHECK(lvmkit::docker_version_from_output("Docker version 20.10.24+dfsg1, build 297e128\n") ==
          "20.10.24+dfsg1");
    CHECK_FALSE(lvmkit::docker_version_from_output("dockerd: command not found\n"));
    CHECK_FALSE(lvmkit::docker_version_from_output("Docker version dev, build x\n"));
}

TEST_CASE("find_installed_docker in a root without Docker finds none", "[config][docker][detect]") {
    CHECK_FALSE(lvmkit::find_installed_docker("/nonexistent-lvmkit-root"));
}

TEST_CASE("containerd's version from dpkg's status file and containerd --version",
          "[config][containerd][detect]") {
    const std::string status =
        "Package: docker.io\nStatus: install ok installed\nVersion: 28.5.2+dfsg4-5\n\n"
        "Package: containerd\nStatus: install ok installed\nVersion: 2.1.9~ds1-1\n";
    CHECK(lvmkit::containerd_version_from_dpkg_status(status) == "2.1.9~ds1-1");
    CHECK(lvmkit::containerd_version_from_dpkg_status(
              "Package: containerd.io\nStatus: install ok installed\nVersion: 1.7.28-1\n") ==
          "1.7.28-1");
    CHECK_FALSE(lvmkit::containerd_version_from_dpkg_status(status.substr(0, status.find("\n\n"))));
    // The real outputs of Debian 12's, 13's and sid's containerd.
    CHECK(lvmkit::containerd_version_from_output(
              "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n") ==
          "1.6.20~ds1");
    CHECK(lvmkit::containerd_version_from_output(
              "containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6+deb13u1\n") ==
          "1.7.24~ds1");
    CHECK(lvmkit::containerd_version_from_output(
              "containerd github.com/containerd/containerd/v2 2.1.9+unknown \n") ==
          "2.1.9+unknown");
    CHECK_FALSE(lvmkit::containerd_version_from_output("containerd: command not found\n"));
    CHECK_FALSE(lvmkit::containerd_version_from_output(""));
    CHECK_FALSE(lvmkit::find_installed_containerd("/nonexistent-lvmkit-root"));
}

TEST_CASE("find_installed_containerd runs the containerd inside the root", "[containerd][detect]") {
    // sid's containerd 2.1 from scripts/fetch-runtimes, linked into a root without dpkg.
    const std::string binary = "/var/cache/lvmkit-runtimes/sid/usr/bin/containerd";
    if (::access(binary.c_str(), X_OK) != 0) {
        WARN(binary << " not here (scripts/fetch-runtimes): not checked");
        return;
    }
    char dir[] = "/tmp/lvmkit-root-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string root(dir);
    REQUIRE(::mkdir((root + "/usr").c_str(), 0755) == 0);
    REQUIRE(::mkdir((root + "/usr/bin").c_str(), 0755) == 0);
    REQUIRE(::symlink(binary.c_str(), (root + "/usr/bin/containerd").c_str()) == 0);
    const auto found = lvmkit::find_installed_containerd(root);
    ::unlink((root + "/usr/bin/containerd").c_str());
    ::rmdir((root + "/usr/bin").c_str());
    ::rmdir((root + "/usr").c_str());
    ::rmdir(root.c_str());
    REQUIRE(found);
    CHECK(found->version.rfind("2.1.", 0) == 0);
    CHECK(found->source == root + "/usr/bin/containerd --version");
}
