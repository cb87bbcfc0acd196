# cmake -DBUILD=<build dir> -P docs_test.cmake: the docs target runs and
# documents the runtime's class.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD} --target docs RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the docs target failed")
endif()
set(page ${BUILD}/docs/api/html/classlc_1_1runtime_1_1Runtime.html)
if(NOT EXISTS ${page})
  message(FATAL_ERROR "no page for lc::runtime::Runtime: ${page}")
endif()
