# Warning and sanitizer flags shared by every synclog target (through synclog_options).
# The installed SDK exports synclog_options too (synclog_common links it): the warnings are
# synclog's own ($<BUILD_INTERFACE>), an app that links the SDK gets only the definitions and
# the sanitizer flags its static libraries need.
add_library(synclog_options INTERFACE)
set(synclog_warnings
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
target_compile_options(synclog_options INTERFACE "$<BUILD_INTERFACE:${synclog_warnings}>")
# GCC 12 reports std::optional<std::string> members as maybe-uninitialized at -O2 (a known
# false positive, GCC bug 105562 and friends); it fires only in optimised builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(synclog_options INTERFACE $<BUILD_INTERFACE:-Wno-maybe-uninitialized>)
endif()
if(SYNCLOG_WARNINGS_AS_ERRORS)
  target_compile_options(synclog_options INTERFACE $<BUILD_INTERFACE:-Werror>)
endif()
# Asio's coroutine machinery is header-only; these keep its headers quiet and lean.
target_compile_definitions(synclog_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

if(SYNCLOG_SANITIZE STREQUAL "address")
  target_compile_options(synclog_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(synclog_options INTERFACE -fsanitize=address,undefined)
elseif(SYNCLOG_SANITIZE STREQUAL "thread")
  target_compile_options(synclog_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(synclog_options INTERFACE -fsanitize=thread)
elseif(NOT SYNCLOG_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SYNCLOG_SANITIZE must be empty, address or thread")
endif()

# Fuzzing (fuzz/CMakeLists.txt): every library gets libFuzzer's coverage instrumentation
# (fuzzer-no-link: the fuzz targets alone link its main) and ASan + UBSan. Undefined behaviour
# aborts instead of printing and going on, so that libFuzzer records it as a crash.
if(SYNCLOG_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SYNCLOG_BUILD_FUZZERS needs clang (libFuzzer): use the fuzz preset")
  endif()
  if(NOT SYNCLOG_SANITIZE STREQUAL "")
    message(FATAL_ERROR "SYNCLOG_BUILD_FUZZERS brings its own sanitizers: leave SYNCLOG_SANITIZE empty")
  endif()
  target_compile_options(synclog_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(synclog_options INTERFACE -fsanitize=address,undefined)
endif()
