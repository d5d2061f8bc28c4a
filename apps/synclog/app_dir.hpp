// Which directory `synclog serve` serves the web app from under /app/ (docs/api.md, "The web
// app"): --app-dir when given ('' or --no-app: none); otherwise the installed layout's
// <dir of the executable>/../share/synclog/app, else the source tree's web/dist this binary was
// built from, whichever exists first. Decided once at start; the files are read per request.
#pragma once

#include <optional>
#include <string>

namespace synclog::cli {

struct AppDirChoice {
  std::string dir;      // absolute; empty: the app is not served
  std::string why_not;  // when `dir` is empty: why, for the start-up log line
};

// `flag`: the --app-dir value if one was given (SYNCLOG_APP_DIR included).
AppDirChoice choose_app_dir(const std::optional<std::string>& flag, bool no_app);

}  // namespace synclog::cli
