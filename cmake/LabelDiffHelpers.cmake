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

# Collect the .cpp files of a layer's folder and the sub-folders named after it (not
# recursive: a sub-folder with its own CMakeLists, such as inference/training, is a library
# of its own). Globbing (re-checked at build time) lets every concept live in its own file
# without a central list that everyone edits.
function(labeldiff_sources out dir)
  set(_srcs)
  foreach(_sub "" ${ARGN})
    file(GLOB _found CONFIGURE_DEPENDS "${dir}/${_sub}/*.cpp")
    list(APPEND _srcs ${_found})
  endforeach()
  set(${out} ${_srcs} PARENT_SCOPE)
endfunction()
