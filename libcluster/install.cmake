# Installs libcluster for developers: the shared library (component
# libcluster0), its headers, find_package(libcluster) (libcluster::libcluster)
# and libcluster.pc (component dev: the libcluster-dev package).
include(CMakePackageConfigHelpers)
set(lc_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/libcluster)

install(TARGETS libcluster EXPORT libclusterTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT libcluster0 NAMELINK_COMPONENT dev)
# The store's headers stay out with its code.
install(DIRECTORY include/libcluster DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
        PATTERN store EXCLUDE)
install(EXPORT libclusterTargets NAMESPACE libcluster:: DESTINATION ${lc_cmake_dir} COMPONENT dev)

configure_package_config_file(libclusterConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/libclusterConfig.cmake INSTALL_DESTINATION ${lc_cmake_dir})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/libclusterConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/libclusterConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/libclusterConfigVersion.cmake
        DESTINATION ${lc_cmake_dir} COMPONENT dev)

# The .pc finds the prefix from its own place (${pcfiledir}), so that it
# is right for `cmake --install --prefix` as well as for the package.
set(lc_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH lc_pc_to_prefix /${lc_pc_dir} /)
string(REGEX REPLACE "/$" "" lc_pc_to_prefix "${lc_pc_to_prefix}")
configure_file(libcluster.pc.in ${CMAKE_CURRENT_BINARY_DIR}/libcluster.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/libcluster.pc DESTINATION ${lc_pc_dir} COMPONENT dev)
