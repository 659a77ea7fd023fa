# FindLVM2CMD
# -----------
# Finds liblvm2cmd, the in-process command library of lvm2 (header lvm2cmd.h, library lvm2cmd).
# It has no pkg-config file. Provides the imported target LVM2CMD::LVM2CMD and LVM2CMD_FOUND.

find_path(LVM2CMD_INCLUDE_DIR NAMES lvm2cmd.h)
find_library(LVM2CMD_LIBRARY NAMES lvm2cmd)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LVM2CMD REQUIRED_VARS LVM2CMD_LIBRARY LVM2CMD_INCLUDE_DIR)

if(LVM2CMD_FOUND AND NOT TARGET LVM2CMD::LVM2CMD)
  add_library(LVM2CMD::LVM2CMD UNKNOWN IMPORTED)
  set_target_properties(LVM2CMD::LVM2CMD PROPERTIES
    IMPORTED_LOCATION "${LVM2CMD_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LVM2CMD_INCLUDE_DIR}")
endif()
mark_as_advanced(LVM2CMD_INCLUDE_DIR LVM2CMD_LIBRARY)
