# Warnings for our own targets only (third-party headers are included as SYSTEM).
# -DLABELDIFF_WERROR=ON makes them errors, and holds core/ (no LibTorch, no Qt: our code
# alone) to -Wshadow -Wconversion as well.
function(labeldiff_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(LABELDIFF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    if(target STREQUAL labeldiff_core)
      target_compile_options(${target} PRIVATE -Wshadow -Wconversion)
    endif()
  endif()
endfunction()

# Collect the .cpp files of a folder. Globbing (re-checked at build time) lets every
# concept live in its own file without a central list that everyone edits.
function(labeldiff_sources out dir)
  file(GLOB _srcs CONFIGURE_DEPENDS "${dir}/*.cpp")
  set(${out} ${_srcs} PARENT_SCOPE)
endfunction()
