# The API reference from the installed headers (build/docs/api/html), built
# with the rest when doxygen is there (about a second, again only when a
# header changes) and installed with the headers (libcluster-dev).
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  configure_file(cmake/Doxyfile.in ${CMAKE_BINARY_DIR}/Doxyfile @ONLY)
  file(GLOB_RECURSE lc_api_headers CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/libcluster/include/libcluster/*.h)
  set(lc_api_index ${CMAKE_BINARY_DIR}/docs/api/html/index.html)
  # doxygen creates only the last directory of OUTPUT_DIRECTORY.
  add_custom_command(OUTPUT ${lc_api_index}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/docs/api
                     COMMAND Doxygen::doxygen ${CMAKE_BINARY_DIR}/Doxyfile
                     DEPENDS ${lc_api_headers} ${CMAKE_BINARY_DIR}/Doxyfile
                             ${PROJECT_SOURCE_DIR}/examples/capability/main.cc
                     COMMENT "API reference in ${CMAKE_BINARY_DIR}/docs/api/html" VERBATIM)
  add_custom_target(docs ALL DEPENDS ${lc_api_index})
  install(DIRECTORY ${CMAKE_BINARY_DIR}/docs/api/html/
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/libcluster-dev/api COMPONENT dev)
endif()
