# cmake --install: the programs, the systemd units, the migrations and the
# example configurations, in the GNUInstallDirs places (the library installs
# itself: libcluster/CMakeLists.txt).
#
# The programs go to bin, not sbin: none needs root (the units run them as
# the clusterd user), `clusterd --check-config` and nodectl are for any
# operator's shell, and the units name /usr/bin/clusterd.
install(TARGETS clusterd cluster-gateway nodectl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Relative to the prefix: /usr/lib/systemd/system in the package, which
# systemd reads on Debian (merged /usr). The units' ExecStart assume the
# /usr prefix of the package.
set(LC_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING "Where the systemd units go (relative to the prefix)")
install(FILES packaging/systemd/clusterd@.service packaging/systemd/cluster-gateway.service
        DESTINATION ${LC_SYSTEMD_UNIT_DIR})

# The SQL nodectl db migrate embeds, for DBAs who apply it by hand.
install(DIRECTORY migrations/ DESTINATION ${CMAKE_INSTALL_DATADIR}/libcluster/migrations)

# Examples, not files in /etc: the configuration belongs to the operator,
# and a package must not overwrite it on upgrade.
install(FILES packaging/examples/clusterd.toml packaging/examples/gateway.toml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
