# Run by the sdk_install_and_example test (tests/install/CMakeLists.txt passes the variables).
# Everything it writes is in one temporary directory under WORK_PARENT, removed at the end,
# whatever happened.
string(RANDOM LENGTH 8 tag)
set(work "${WORK_PARENT}/sdk_install_${tag}")
set(prefix "${work}/prefix")
set(example_build "${work}/example-build")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

function(fail message)
  file(REMOVE_RECURSE "${work}")
  message(FATAL_ERROR "${message}")
endfunction()

# Runs a command; fails the test (after cleaning up) with its output when it exits non-zero.
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    fail("${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# 1. Install the SDK component only: headers, static libraries, the CMake package.
set(config_args)
if(SYNCLOG_CONFIG)
  set(config_args --config "${SYNCLOG_CONFIG}")
endif()
run("cmake --install" "${CMAKE_COMMAND}" --install "${SYNCLOG_BUILD_DIR}" ${config_args}
    --component sdk --prefix "${prefix}")
file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
string(REPLACE ";" "\n  " listing "${installed}")
message(STATUS "installed:\n  ${listing}")
foreach(expected include/synclog/client/local_store.hpp include/synclog/client/sync_engine.hpp
                 include/synclog/internal/common/status.hpp)
  if(NOT EXISTS "${prefix}/${expected}")
    fail("the install has no ${expected}")
  endif()
endforeach()
if(NOT installed MATCHES "cmake/synclog/synclogConfig.cmake")
  fail("the install has no synclogConfig.cmake")
endif()
if(installed MATCHES "(^|;)bin/")
  fail("the sdk component installed a program: ${installed}")
endif()
if(installed MATCHES "(^|;)share/synclog/")
  fail("the sdk component installed the server's web app: ${installed}")
endif()

# 2. Configure and build examples/ against the install, with this build's compiler and flags
# (and its warnings, as errors when this build has them).
string(REPLACE "|" ";" prefix_path "${PREFIX_PATH}")
list(PREPEND prefix_path "${prefix}")
string(REPLACE ";" "\\;" prefix_path "${prefix_path}")
set(flags "${CXX_FLAGS}")
if(CXX_COMPILER_ID MATCHES "GNU|Clang")
  string(APPEND flags " -Wall -Wextra -Wpedantic")
endif()
set(configure_args -S "${EXAMPLE_SOURCE_DIR}" -B "${example_build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix_path}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_COMPILE_WARNING_AS_ERROR=${WARNINGS_AS_ERRORS}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(SYNCLOG_CONFIG)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${SYNCLOG_CONFIG}")
endif()
run("configuring examples/" "${CMAKE_COMMAND}" ${configure_args})
run("building examples/" "${CMAKE_COMMAND}" --build "${example_build}" ${config_args})
file(GLOB_RECURSE program "${example_build}/notes_device" "${example_build}/notes_device.exe")
list(LENGTH program found)
if(NOT found EQUAL 1)
  fail("the example build has no single notes_device: ${program}")
endif()

# 3. Run it twice on a new device file: the first note is still there the second time.
set(device "${work}/device.db")
run("notes_device (first run)" "${program}" "${device}")
message(STATUS "first run:\n${run_output}")
if(NOT run_output MATCHES "1 note\\(s\\) on this device" OR NOT run_output MATCHES "1 mutation\\(s\\) queued")
  fail("the first run did not list one note and one queued mutation:\n${run_output}")
endif()
run("notes_device (second run)" "${program}" "${device}" --note "a second note")
message(STATUS "second run:\n${run_output}")
if(NOT run_output MATCHES "2 note\\(s\\) on this device" OR NOT run_output MATCHES "a second note")
  fail("the second run did not list both notes:\n${run_output}")
endif()

# 4. The shared-spaces example, offline: the schema the app was built for is on the device, and
# it follows no space yet.
file(GLOB_RECURSE inspector "${example_build}/inspection_device" "${example_build}/inspection_device.exe")
list(LENGTH inspector found)
if(NOT found EQUAL 1)
  fail("the example build has no single inspection_device: ${inspector}")
endif()
run("inspection_device" "${inspector}" "${work}/inspector.db" --schema "${EXAMPLE_SOURCE_DIR}/inspections/schema.json")
message(STATUS "inspection_device:\n${run_output}")
if(NOT run_output MATCHES "schema inspections version 1 on this device" OR NOT run_output MATCHES "0 space\\(s\\) on this device")
  fail("inspection_device did not report its schema and no spaces:\n${run_output}")
endif()

file(REMOVE_RECURSE "${work}")
