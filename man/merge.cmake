# Writes OUTPUT: the hand-written page TEMPLATE with each @NAME@ line
# replaced by the file FRAGMENT_DIR/NAME (a program's generated reference)
# and @VERSION@, @DATE@ by VERSION, DATE.
# cmake -DTEMPLATE=... -DFRAGMENT_DIR=... -DOUTPUT=... -DVERSION=... -DDATE=... -P merge.cmake

# The pages hold backslashes and @: the modern policies read them literally.
cmake_minimum_required(VERSION 3.25)

foreach(var TEMPLATE FRAGMENT_DIR OUTPUT VERSION DATE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "merge.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${TEMPLATE}" page)
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@DATE@" "${DATE}" page "${page}")
string(REGEX MATCHALL "@[A-Za-z_.0-9-]+@" placeholders "${page}")
list(REMOVE_DUPLICATES placeholders)
foreach(placeholder ${placeholders})
  string(REPLACE "@" "" name "${placeholder}")
  if(NOT EXISTS "${FRAGMENT_DIR}/${name}")
    message(FATAL_ERROR "merge.cmake: ${TEMPLATE} wants ${FRAGMENT_DIR}/${name}")
  endif()
  file(READ "${FRAGMENT_DIR}/${name}" fragment)
  string(REPLACE "${placeholder}\n" "${fragment}" page "${page}")
endforeach()
file(WRITE "${OUTPUT}" "${page}")
