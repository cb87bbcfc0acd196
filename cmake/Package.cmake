# cpack -G DEB: one Debian package with the daemons, nodectl, the units and
# the library. Build it from a tree configured with -DCMAKE_INSTALL_PREFIX=/usr
# for Debian's multiarch library directory.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME clusterd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR libcluster)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Cluster node compatible with the OpenSIPS clusterer")
set(CPACK_PACKAGE_DESCRIPTION
    "clusterd runs one node of an OpenSIPS 3.6 compatible cluster (BIN protocol, \
MI over a unix socket); nodectl drives it, cluster-gateway serves a REST API. \
Ships systemd units (clusterd@.service, cluster-gateway.service) and the \
libcluster library for writing capabilities.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(LC_DEB_MAINTAINER "libcluster maintainers <libcluster@localhost>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${LC_DEB_MAINTAINER})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# adduser: postinst creates the clusterd system user.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
