# lc_build_info: a generated header with the version and the git revision,
# for --version. The revision is read at configure time; a source tree
# without git (a tarball) says "unknown".
set(LC_GIT_REVISION unknown)
find_package(Git QUIET)
# .git is a directory in a clone and a file in a worktree; without it, git
# would report the revision of whatever repository encloses the tarball.
if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE rev RESULT_VARIABLE rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND rev)
    set(LC_GIT_REVISION ${rev})
  endif()
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.h.in
               ${PROJECT_BINARY_DIR}/generated/lc_build_info.h @ONLY)
add_library(lc_build_info INTERFACE)
target_include_directories(lc_build_info INTERFACE ${PROJECT_BINARY_DIR}/generated)
