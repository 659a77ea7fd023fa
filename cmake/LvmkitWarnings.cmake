# High warnings for lvmkit's own targets. -Wconversion catches the sector/byte/extent mix-ups that
# matter in a storage library; -Wold-style-cast is left out because libdevmapper's macros use C casts.
function(lvmkit_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
  # Off for users (a newer compiler's new warning must not break their build); on in the
  # project's own builds on Debian 12 and 13 (scripts/lib.sh, tests/debian13/run).
  if(LVMKIT_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
