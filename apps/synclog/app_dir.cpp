// The web app's directory: the flag, or the installed layout, or the source tree's build.
#include "app_dir.hpp"

#include <filesystem>
#include <system_error>

#ifndef SYNCLOG_INSTALLED_APP_DIR
#error "SYNCLOG_INSTALLED_APP_DIR (relative to the executable's directory) must be defined by the build"
#endif
#ifndef SYNCLOG_SOURCE_APP_DIR
#error "SYNCLOG_SOURCE_APP_DIR (the source tree's web/dist) must be defined by the build"
#endif

namespace synclog::cli {
namespace fs = std::filesystem;
namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

std::string absolute_text(const fs::path& p) {
  std::error_code ec;
  const fs::path a = fs::absolute(p, ec);
  return (ec ? p : a).lexically_normal().string();
}

// <dir of the running executable>/<SYNCLOG_INSTALLED_APP_DIR>, or nothing if it is unknown.
std::optional<fs::path> installed_app_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return exe.parent_path() / SYNCLOG_INSTALLED_APP_DIR;
}

}  // namespace

AppDirChoice choose_app_dir(const std::optional<std::string>& flag, bool no_app) {
  if (no_app) return {"", "--no-app"};
  if (flag) {
    if (flag->empty()) return {"", "--app-dir is empty"};
    if (!is_dir(*flag)) return {"", "--app-dir " + absolute_text(*flag) + " is not a directory"};
    return {absolute_text(*flag), ""};
  }
  const auto installed = installed_app_dir();
  if (installed && is_dir(*installed)) return {absolute_text(*installed), ""};
  const fs::path source = SYNCLOG_SOURCE_APP_DIR;
  if (is_dir(source)) return {absolute_text(source), ""};
  return {"", "no built web app: neither " + (installed ? absolute_text(*installed) + " nor " : std::string()) +
                  source.string() + " exists (build web/, or give --app-dir)"};
}

}  // namespace synclog::cli
