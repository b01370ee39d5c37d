# Sanitizer test builds (issue 14, item 6). See docs/sanitizers.md.
#
#   -DLABELDIFF_SANITIZE=address   ASan + UBSan (+ float-cast-overflow, which GCC's
#                                  -fsanitize=undefined leaves out); every report aborts
#   -DLABELDIFF_SANITIZE=thread    TSan
#   (empty, the default)           nothing: the normal build is unchanged
#
# Included by the top-level CMakeLists.txt after the find_package() calls and before any
# add_subdirectory(), so the flags reach LabelDiff's own targets only: imported targets
# (LibTorch, Qt, OpenCV, system libraries) are not rebuilt and stay uninstrumented.
set(LABELDIFF_SANITIZE "" CACHE STRING "Sanitizer test build: address (ASan+UBSan), thread (TSan) or empty")
set_property(CACHE LABELDIFF_SANITIZE PROPERTY STRINGS "" address thread)

# Environment for every CTest test of this build (labeldiff_sanitizer_test_env below).
set(LABELDIFF_SANITIZER_TEST_ENV "")

# Called by tests/CMakeLists.txt for each test: adds the sanitizer options to its environment.
function(labeldiff_sanitizer_test_env test)
  if(LABELDIFF_SANITIZER_TEST_ENV)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT ${LABELDIFF_SANITIZER_TEST_ENV})
  endif()
endfunction()

if(LABELDIFF_SANITIZE STREQUAL "")
  return()
endif()
if(LABELDIFF_FUZZ)
  message(FATAL_ERROR "LABELDIFF_SANITIZE and LABELDIFF_FUZZ are separate builds: the fuzz build has its own ASan+UBSan flags")
endif()

set(_ld_supp "${CMAKE_CURRENT_LIST_DIR}/sanitizers")
if(LABELDIFF_SANITIZE STREQUAL "address")
  # GCC's -fsanitize=undefined does not include float-cast-overflow (clang's does): name it,
  # the fuzzing found a NaN cast to int. -fno-sanitize-recover: a UB report fails the test.
  set(_ld_flags -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all)
  set(LABELDIFF_SANITIZER_TEST_ENV
    # Leak checking stays on: Qt Test, OpenCV and the core tests leave no leak reports.
    "ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:detect_leaks=1"
    "LSAN_OPTIONS=suppressions=${_ld_supp}/lsan.supp:print_suppressions=0"
    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=${_ld_supp}/ubsan.supp")
elseif(LABELDIFF_SANITIZE STREQUAL "thread")
  set(_ld_flags -fsanitize=thread)
  # Qt is not built with TSan: its threads are detached and joined on its own condition
  # variable (QThread::wait), so QtTest's watchdog thread alone gave three false races per
  # test. ignore_noninstrumented_modules drops accesses made inside uninstrumented libraries
  # (their locks still count as synchronisation); races in LabelDiff's code are still reported.
  set(LABELDIFF_SANITIZER_TEST_ENV
    "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:history_size=4:ignore_noninstrumented_modules=1:suppressions=${_ld_supp}/tsan.supp")
else()
  message(FATAL_ERROR "LABELDIFF_SANITIZE must be address, thread or empty, not '${LABELDIFF_SANITIZE}'")
endif()

message(STATUS "LabelDiff sanitizer build: ${LABELDIFF_SANITIZE} (${_ld_flags})")
# -g for readable reports in every build type (RelWithDebInfo already has it).
add_compile_options(${_ld_flags} -fno-omit-frame-pointer -g)
add_link_options(${_ld_flags})
