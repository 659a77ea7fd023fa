#include "lvmkit/docker_detect.hpp"

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
