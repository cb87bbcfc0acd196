# cpack -G DEB: three Debian packages, split as Debian splits a library:
#   clusterd        the daemons, nodectl, units, man pages, completions,
#                   migrations, examples (they link libcluster statically)
#   libcluster0     the shared library, for capabilities built against it
#   libcluster-dev  headers, the .so link, CMake package, pkg-config file and
#                   the API reference; depends on libcluster0 of its version
# Build them from a tree configured with -DCMAKE_INSTALL_PREFIX=/usr for
# Debian's multiarch library directory.
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL clusterd libcluster0 dev)
set(CPACK_PACKAGE_NAME clusterd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR libcluster)
# Each description: the synopsis line, then the long description.
set(CPACK_DEBIAN_CLUSTERD_DESCRIPTION
    "Cluster node compatible with the OpenSIPS clusterer\n\
clusterd runs one node of an OpenSIPS 3.6 compatible cluster (BIN protocol, \
MI over a unix socket); nodectl drives it, cluster-gateway serves a REST API. \
Ships systemd units (clusterd@.service, cluster-gateway.service), man pages \
and shell completions.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(LC_DEB_MAINTAINER "libcluster maintainers <libcluster@localhost>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${LC_DEB_MAINTAINER})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
find_program(DPKG_SHLIBDEPS dpkg-shlibdeps)
if(DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Stripped, as Debian ships binaries (the debug build's library is ~40 MB).
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_CLUSTERD_PACKAGE_NAME clusterd)
# adduser: postinst creates the clusterd system user.
set(CPACK_DEBIAN_CLUSTERD_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_CLUSTERD_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)

set(CPACK_DEBIAN_LIBCLUSTER0_PACKAGE_NAME libcluster0)
set(CPACK_DEBIAN_LIBCLUSTER0_PACKAGE_SECTION libs)
# Its shlibs file, written here: CPack 3.25's GENERATE_SHLIBS runs readelf
# in the wrong directory for a component package and silently writes none.
# "=": a 0.x library may change its ABI without a new soname.
file(WRITE ${CMAKE_BINARY_DIR}/packaging/libcluster0/shlibs
     "libcluster 0 libcluster0 (= ${PROJECT_VERSION})\n")
set(CPACK_DEBIAN_LIBCLUSTER0_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/libcluster0/shlibs)
set(CPACK_DEBIAN_LIBCLUSTER0_DESCRIPTION
    "OpenSIPS clusterer compatible cluster engine (shared library)\n\
libcluster implements the OpenSIPS 3.6 clusterer: BIN links, topology, \
routing, capabilities with full sync and sharing tags. This package holds \
the shared library that capabilities written against libcluster use.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libcluster-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libcluster0 (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "OpenSIPS clusterer compatible cluster engine (development files)\n\
Headers, find_package(libcluster), libcluster.pc and the API reference \
(/usr/share/doc/libcluster-dev/api) for writing a capability against \
libcluster.")
include(CPack)
