// The web app's built files (web/dist: index.html, sw.js, manifest.webmanifest, assets/...),
// served under /app/ (docs/api.md, "The web app"). Files are read when asked for, so a rebuilt
// app is served without a restart. Only regular files inside the directory are served: a path
// with "..", a backslash, a NUL or an empty segment, a dotfile, and anything that resolves
// (through symlinks) outside the directory or to something other than a regular file is not.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace synclog::http {

struct AppFile {
  std::string body;
  std::string_view content_type;
  std::string tag;         // its strong ETag, without the quotes: a hash of the body
  bool immutable = false;  // a content-hashed asset: cached for a year, never revalidated
};

class AppFiles {
 public:
  static constexpr std::size_t kDefaultMaxBytes = 8u << 20;

  // `root` empty: nothing is served.
  explicit AppFiles(std::filesystem::path root, std::size_t max_bytes = kDefaultMaxBytes);

  // The file at `relative`, the path below /app/ as decoded ("" is index.html). kNotFound
  // otherwise, with the reason for the log (not for the client).
  Result<AppFile> read(std::string_view relative) const;

 private:
  std::filesystem::path root_;
  std::size_t max_bytes_;
};

// "text/javascript; charset=utf-8" for "sw.js", ...; application/octet-stream when unknown.
std::string_view app_content_type(std::string_view file_name);
// Whether `relative` names a content-hashed asset: under assets/, with a name part of 8 or more
// letters and digits that looks like a hash ("assets/app-3F2A9C1B.js", "assets/index.1a2b3c4d.css").
bool is_content_hashed(std::string_view relative);

}  // namespace synclog::http
