# Warnings for our own targets only (third-party headers are included as SYSTEM).
function(labeldiff_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# Collect the .cpp files of a folder. Globbing (re-checked at build time) lets every
# concept live in its own file without a central list that everyone edits.
function(labeldiff_sources out dir)
  file(GLOB _srcs CONFIGURE_DEPENDS "${dir}/*.cpp")
  set(${out} ${_srcs} PARENT_SCOPE)
endfunction()
