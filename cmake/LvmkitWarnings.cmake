# High warnings for lvmkit's own targets. -Wconversion catches the sector/byte/extent mix-ups that
# matter in a storage library; -Wold-style-cast is left out because libdevmapper's macros use C casts.
function(lvmkit_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
    -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
endfunction()
