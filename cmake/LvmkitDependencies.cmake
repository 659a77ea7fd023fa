# Finds lvmkit's dependencies. Used by the build and, installed, by lvmkitConfig.cmake so that a
# static lvmkit brings its link dependencies along. Every miss names the packages to install.

include(FindPackageHandleStandardArgs)

macro(_lvmkit_require found what debian rhel)
  if(NOT ${found})
    message(FATAL_ERROR
      "lvmkit needs ${what}.\n"
      "  Debian/Ubuntu: apt-get install ${debian}\n"
      "  RHEL/Fedora:   dnf install ${rhel}\n"
      "(or run ./scripts/bootstrap, which installs everything)")
  endif()
endmacro()

find_package(PkgConfig QUIET)
_lvmkit_require(PKG_CONFIG_FOUND "pkg-config" "pkg-config" "pkgconf-pkg-config")

pkg_check_modules(LVMKIT_DEVMAPPER QUIET IMPORTED_TARGET GLOBAL devmapper)
_lvmkit_require(LVMKIT_DEVMAPPER_FOUND "libdevmapper (pkg-config 'devmapper')"
                "libdevmapper-dev" "device-mapper-devel")
pkg_check_modules(LVMKIT_BLKID QUIET IMPORTED_TARGET GLOBAL blkid)
_lvmkit_require(LVMKIT_BLKID_FOUND "libblkid (pkg-config 'blkid')" "libblkid-dev" "libblkid-devel")

find_package(LVM2CMD QUIET)
_lvmkit_require(LVM2CMD_FOUND "liblvm2cmd (lvm2cmd.h, liblvm2cmd.so)" "liblvm2-dev" "lvm2-devel")

find_package(fmt QUIET)
_lvmkit_require(fmt_FOUND "fmt" "libfmt-dev" "fmt-devel")
find_package(nlohmann_json 3.2 QUIET)
_lvmkit_require(nlohmann_json_FOUND "nlohmann_json >= 3.2" "nlohmann-json3-dev" "json-devel")
find_package(tomlplusplus QUIET)
_lvmkit_require(tomlplusplus_FOUND "toml++" "libtomlplusplus-dev" "tomlplusplus-devel")
