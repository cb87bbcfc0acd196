# The API reference from the installed headers: `--target docs`, when
# doxygen is there (build/docs/api/html/index.html).
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  configure_file(cmake/Doxyfile.in ${CMAKE_BINARY_DIR}/Doxyfile @ONLY)
  # doxygen creates only the last directory of OUTPUT_DIRECTORY.
  add_custom_target(docs COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/docs/api
                    COMMAND Doxygen::doxygen ${CMAKE_BINARY_DIR}/Doxyfile
                    COMMENT "API reference in ${CMAKE_BINARY_DIR}/docs/api/html" VERBATIM)
endif()
