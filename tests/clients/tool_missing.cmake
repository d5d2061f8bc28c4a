# Run by CTest in place of a test whose tool CMake did not find: the test fails, naming it.
# cmake -DTEST_NAME=<test> -DTOOL=<what is missing> -P tool_missing.cmake
message(FATAL_ERROR "${TEST_NAME}: ${TOOL} is required to run this test; install it "
                    "(scripts/install-deps does) and re-run CMake")
