# Install rules: library, headers, CMake package (lvmkitConfig + version file), pkg-config file.
include(CMakePackageConfigHelpers)

set(LVMKIT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/lvmkit")

install(TARGETS lvmkit EXPORT lvmkitTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/lvmkit" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(FILES "${PROJECT_BINARY_DIR}/include/lvmkit/version.hpp"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lvmkit)

install(EXPORT lvmkitTargets NAMESPACE lvmkit:: DESTINATION ${LVMKIT_CMAKE_DIR})
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/lvmkitConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/lvmkitConfig.cmake" INSTALL_DESTINATION ${LVMKIT_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/lvmkitConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/lvmkitConfig.cmake"
  "${PROJECT_BINARY_DIR}/lvmkitConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindLVM2CMD.cmake"
  DESTINATION ${LVMKIT_CMAKE_DIR})

# pkg-config: a static lvmkit needs its C libraries and toml++ on the link line.
if(BUILD_SHARED_LIBS)
  set(LVMKIT_PC_REQUIRES_PRIVATE "devmapper blkid")
  set(LVMKIT_PC_LIBS_PRIVATE "-ldl")
else()
  set(LVMKIT_PC_REQUIRES_PRIVATE "devmapper blkid fmt tomlplusplus")
  set(LVMKIT_PC_LIBS_PRIVATE "-ldl")
endif()
# prefix relative to the .pc file, so `cmake --install --prefix X` anywhere still works.
file(RELATIVE_PATH LVMKIT_PC_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file("${PROJECT_SOURCE_DIR}/cmake/lvmkit.pc.in" "${PROJECT_BINARY_DIR}/lvmkit.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/lvmkit.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
