# Install rules: libsluice, the public headers, a relocatable CMake package (find_package(sluice)
# gives sluice::sluice) and sluice.pc for pkg-config. Included from the top-level CMakeLists.txt
# when SLUICE_INSTALL is on.
include(CMakePackageConfigHelpers)

get_target_property(sluice_type sluice TYPE)
if(sluice_type STREQUAL "STATIC_LIBRARY")
  set(SLUICE_STATIC_LIBRARY ON)
else()
  set(SLUICE_STATIC_LIBRARY OFF)
endif()

set(sluice_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)

install(TARGETS sluice EXPORT sluiceTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/sluice DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(EXPORT sluiceTargets NAMESPACE sluice:: DESTINATION ${sluice_cmake_dir})

configure_package_config_file(cmake/sluiceConfig.cmake.in ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
  INSTALL_DESTINATION ${sluice_cmake_dir})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sluiceConfig.cmake ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  DESTINATION ${sluice_cmake_dir})

# sluice.pc finds its prefix from its own location (${pcfiledir}), so `cmake --install --prefix`
# anywhere gives a working file. A static libsluice needs libcrypto in every link, so it is a
# public requirement then; a shared one links it itself.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SLUICE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SLUICE_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(SLUICE_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH pc_to_prefix "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
  set(SLUICE_PC_PREFIX "\${pcfiledir}/${pc_to_prefix}")
  set(SLUICE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(SLUICE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
if(SLUICE_STATIC_LIBRARY)
  set(SLUICE_PC_REQUIRES "Requires: libssl libcrypto zlib")
else()
  set(SLUICE_PC_REQUIRES "Requires.private: libssl libcrypto zlib")
endif()
configure_file(cmake/sluice.pc.in ${PROJECT_BINARY_DIR}/sluice.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sluice.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
