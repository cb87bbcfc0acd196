# Writes OUTPUT: a C++ file defining `std::string_view NAME()` in
# NAMESPACE (default lc::gateway) that returns the bytes of INPUT, as a raw
# string literal.
# Run at build time (cmake -DINPUT=... -DOUTPUT=... -DNAME=... -P), so the
# page is edited as a plain .html file and never pasted into C++ by hand.
foreach(var INPUT OUTPUT NAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_text.cmake: -D${var}=... is required")
  endif()
endforeach()

if(NOT DEFINED NAMESPACE)
  set(NAMESPACE lc::gateway)
endif()

file(READ "${INPUT}" text)
# The delimiter closes the literal: a file that contains it would be cut.
set(delimiter "lc_embed")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "embed_text.cmake: ${INPUT} contains )${delimiter}\"")
endif()

file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by gateway/embed_text.cmake: do not edit.\n"
  "#include <string_view>\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "std::string_view ${NAME}() {\n"
  "  static constexpr std::string_view kText = R\"${delimiter}(${text})${delimiter}\";\n"
  "  return kText;\n"
  "}\n\n"
  "}  // namespace ${NAMESPACE}\n")
# Only a changed page rewrites the file, so an unchanged one does not
# recompile it.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
