# Debian package (CPack DEB): library, headers, CMake and pkg-config files, the lvmkit-docker CLI
# and its systemd unit, in one package `lvmkit`. Build it from a tree configured with
# -DCMAKE_INSTALL_PREFIX=/usr:  cmake --build <dir> --target package   (tests/package/run does).
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "lvmkit")
set(CPACK_PACKAGE_VENDOR "lvmkit")
set(CPACK_PACKAGE_CONTACT "lvmkit maintainers <lvmkit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "LVM thin pools for container storage, set up in-process")
set(CPACK_PACKAGE_DESCRIPTION
    "lvmkit turns a bare disk into a monitored LVM thin pool for Docker's devicemapper driver or\n"
    "containerd's devmapper snapshotter, through libdevmapper, liblvm2cmd and libblkid, with\n"
    "preflight checks, rollback and verification. Ships the C++ library, its headers, CMake and\n"
    "pkg-config files, and the lvmkit-docker command with a systemd unit.")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# dpkg-shlibdeps (Debian: dpkg-dev) names the shared libraries with their minimum versions:
# libdevmapper1.02.1, liblvm2cmd2.03, libblkid1, libtomlplusplus3, libfmt9, libstdc++6, libc6.
# lvm2 brings lvm.conf, which liblvm2cmd reads; LVM can not activate a thin pool without
# thin_check (thin-provisioning-tools).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/lib")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "lvm2, thin-provisioning-tools")
# dmeventd monitors the pool (autoextend); the runtimes are what the pool is for; ansible-core
# runs the module in /usr/share/lvmkit/ansible/.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dmeventd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "docker.io | containerd, ansible-core")
include(CPack)
include(LvmkitDocs)
