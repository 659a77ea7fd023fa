# `docs` target: the API reference from the public headers (Doxygen, HTML in <build>/docs/html).
# Not part of the default build. Undocumented public API is an error (WARN_AS_ERROR), so the
# reference can not silently fall behind the headers.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "docs: Doxygen is missing (Debian: apt-get install doxygen)"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
  return()
endif()

set(DOXYGEN_PROJECT_NAME "lvmkit")
set(DOXYGEN_PROJECT_BRIEF "${PROJECT_DESCRIPTION}")
set(DOXYGEN_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/docs")
set(DOXYGEN_GENERATE_HTML YES)
set(DOXYGEN_GENERATE_LATEX NO)
set(DOXYGEN_QUIET YES)
set(DOXYGEN_EXTRACT_ALL NO)
set(DOXYGEN_WARN_IF_UNDOCUMENTED YES)
set(DOXYGEN_WARN_IF_DOC_ERROR YES)
set(DOXYGEN_WARN_NO_PARAMDOC NO)
set(DOXYGEN_WARN_AS_ERROR FAIL_ON_WARNINGS)
set(DOXYGEN_FULL_PATH_NAMES YES)
set(DOXYGEN_STRIP_FROM_PATH "${PROJECT_SOURCE_DIR}/include" "${PROJECT_BINARY_DIR}/include")
set(DOXYGEN_STRIP_FROM_INC_PATH "${PROJECT_SOURCE_DIR}/include" "${PROJECT_BINARY_DIR}/include")
# std::is_error_code_enum<Errc> is a trait specialization, not lvmkit API.
set(DOXYGEN_EXCLUDE_SYMBOLS "std" "std::*")
set(DOXYGEN_MARKDOWN_SUPPORT YES)

file(GLOB LVMKIT_PUBLIC_HEADERS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/include/lvmkit/*.hpp")
doxygen_add_docs(docs ${LVMKIT_PUBLIC_HEADERS} "${PROJECT_BINARY_DIR}/include/lvmkit/version.hpp"
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  COMMENT "API reference (Doxygen) in ${PROJECT_BINARY_DIR}/docs/html")
