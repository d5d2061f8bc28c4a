# Run by CTest in place of the strict_ts_client test when CMake found no `node`.
message(FATAL_ERROR "strict_ts_client: Node.js (node, version 20 or later) is required to run "
                    "this test; install nodejs and re-run CMake")
