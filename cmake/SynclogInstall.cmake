# `cmake --install <build> --component sdk` installs the client SDK: its public headers, its
# static libraries and a CMake package, so that an app does
#   find_package(synclog REQUIRED)
#   target_link_libraries(app PRIVATE synclog::client)
# (examples/ is such an app; tests/install builds it against an install). The server is not part
# of the sdk component: `cmake --install` without --component installs it too.
include(CMakePackageConfigHelpers)

set(SYNCLOG_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/synclog)
set(SYNCLOG_BOOST_MIN_VERSION 1.81)
set(SYNCLOG_SDK_BOOST_COMPONENTS json)

# The public headers. Those of the SDK include three of src/common ("common/status.hpp", which
# includes "common/error_code.hpp", and "common/clock.hpp"; nothing else): they go to
# <includedir>/synclog/internal/common, which synclog_common's install include directory makes
# "common/..." again. Keep this list the closure of what include/synclog/ includes from src/.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/synclog
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT sdk
  FILES_MATCHING PATTERN "*.hpp")
install(FILES
  ${PROJECT_SOURCE_DIR}/src/common/clock.hpp
  ${PROJECT_SOURCE_DIR}/src/common/error_code.hpp
  ${PROJECT_SOURCE_DIR}/src/common/status.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/synclog/internal/common
  COMPONENT sdk)

# The SDK's libraries, with what they link: the static libraries' private dependencies are link
# dependencies of an app. synclog_options carries the definitions (and sanitizer flags) they
# were built with; its warnings stay in synclog's own build.
set_target_properties(synclog_client PROPERTIES EXPORT_NAME client)
set_target_properties(synclog_client_rules PROPERTIES EXPORT_NAME client_rules)
set_target_properties(synclog_common PROPERTIES EXPORT_NAME common)
# The domain's schema rules: the device checks a space's records with the server's own.
set_target_properties(synclog_domain PROPERTIES EXPORT_NAME domain)
set_target_properties(synclog_sqlite PROPERTIES EXPORT_NAME sqlite)
set_target_properties(synclog_options PROPERTIES EXPORT_NAME options)
install(TARGETS synclog_client synclog_client_rules synclog_common synclog_domain synclog_sqlite
  synclog_options
  EXPORT synclogTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk)
install(EXPORT synclogTargets
  NAMESPACE synclog::
  DESTINATION ${SYNCLOG_CMAKE_INSTALL_DIR}
  COMPONENT sdk)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/synclogConfig.cmake.in
  ${PROJECT_BINARY_DIR}/synclogConfig.cmake
  INSTALL_DESTINATION ${SYNCLOG_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/synclogConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/synclogConfig.cmake ${PROJECT_BINARY_DIR}/synclogConfigVersion.cmake
  DESTINATION ${SYNCLOG_CMAKE_INSTALL_DIR}
  COMPONENT sdk)
