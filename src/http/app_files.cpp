// Finding, checking and reading one file of the web app's directory.
#include "http/app_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <utility>

#include "common/sha256.hpp"

namespace synclog::http {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxPathBytes = 1024;
constexpr std::size_t kEtagHexDigits = 32;  // of the body's SHA-256: 128 bits

Error not_served(std::string why) { return make_error(ErrorCode::kNotFound, std::move(why)); }

// Splits `path` at '/' and calls `segment` on each part until it returns false.
template <class F>
bool all_segments(std::string_view path, F&& segment) {
  for (;;) {
    const auto slash = path.find('/');
    if (!segment(path.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

// A path below the app's directory that may name a file there: relative, no empty, "." or ".."
// segment, no dotfile (".env", ".git/..."), no backslash (a separator elsewhere), no NUL.
bool is_safe_relative_path(std::string_view relative) {
  if (relative.empty() || relative.size() > kMaxPathBytes) return false;
  if (relative.find('\\') != std::string_view::npos || relative.find('\0') != std::string_view::npos) {
    return false;
  }
  return all_segments(relative, [](std::string_view s) { return !s.empty() && s.front() != '.'; });
}

// The lower-cased extension of a file name ("JS" for "app.JS" becomes "js"), without the dot.
std::string extension_of(std::string_view file_name) {
  const auto dot = file_name.rfind('.');
  std::string ext(dot == std::string_view::npos ? std::string_view() : file_name.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

template <class Pred>
bool every_char(std::string_view s, Pred&& pred) {
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A part of a file name that a bundler's content hash looks like: 8 or more hex digits in one
// case, or, after the first part, 8 or more base32 characters in one case (lower case needs a
// digit, so that "app-settings.js" is not taken for a hash).
bool looks_like_hash(std::string_view part, bool first) {
  if (part.size() < 8) return false;
  const auto lower_hex = [](unsigned char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); };
  const auto upper_hex = [](unsigned char c) { return std::isdigit(c) || (c >= 'A' && c <= 'F'); };
  if (every_char(part, lower_hex) || every_char(part, upper_hex)) return true;
  if (first) return false;
  const auto base32_digit = [](unsigned char c) { return c >= '2' && c <= '7'; };
  if (every_char(part, [&](unsigned char c) { return std::isupper(c) || base32_digit(c); })) return true;
  return every_char(part, [&](unsigned char c) { return std::islower(c) || base32_digit(c); }) &&
         !every_char(part, [](unsigned char c) { return std::islower(c); });
}

// Reads the whole regular file at `path`; kNotFound for anything else, or when it is larger than
// `max_bytes`. Opened without following a last symlink (the path is already resolved) and
// without blocking (a FIFO would otherwise wait for a writer).
Result<std::string> read_regular_file(const fs::path& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return not_served("cannot open " + path.string());
  struct stat st {};
  std::string body;
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const bool fits = regular && static_cast<std::size_t>(st.st_size) <= max_bytes;
  if (fits) {
    body.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < body.size()) {
      const ssize_t n = ::read(fd, body.data() + got, body.size() - got);
      if (n <= 0) break;  // an error, or the file shrank: served as it is now
      got += static_cast<std::size_t>(n);
    }
    body.resize(got);
  }
  ::close(fd);
  if (!regular) return not_served(path.string() + " is not a regular file");
  if (!fits) return not_served(path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  return body;
}

}  // namespace

std::string_view app_content_type(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes{{
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json; charset=utf-8"},
      {"map", "application/json; charset=utf-8"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"wasm", "application/wasm"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
  }};
  const std::string ext = extension_of(file_name);
  for (const auto& [known, type] : kTypes) {
    if (ext == known) return type;
  }
  return "application/octet-stream";
}

bool is_content_hashed(std::string_view relative) {
  constexpr std::string_view kAssets = "assets/";
  if (!relative.starts_with(kAssets)) return false;
  std::string_view name = relative.substr(relative.rfind('/') + 1);
  bool first = true;
  while (!name.empty()) {
    const auto end = name.find_first_of("-._");
    if (looks_like_hash(name.substr(0, end), first)) return true;
    if (end == std::string_view::npos) break;
    name.remove_prefix(end + 1);
    first = false;
  }
  return false;
}

AppFiles::AppFiles(fs::path root, std::size_t max_bytes) : root_(std::move(root)), max_bytes_(max_bytes) {}

Result<AppFile> AppFiles::read(std::string_view relative) const {
  if (root_.empty()) return not_served("the web app is not served (no --app-dir)");
  if (relative.empty()) relative = "index.html";
  if (!is_safe_relative_path(relative)) return not_served("path refused");
  // Resolved each time: the directory may be rebuilt, or be a symlink that moves.
  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec) return not_served(root_.string() + ": " + ec.message());
  const fs::path target = fs::canonical(root / fs::path(relative), ec);
  if (ec) return not_served("no such file");
  // What the symlinks on the way led to must still be a safe path inside the directory.
  const std::string& base = root.native();
  const std::string& resolved = target.native();
  if (resolved.size() <= base.size() + 1 || !resolved.starts_with(base) || resolved[base.size()] != '/' ||
      !is_safe_relative_path(std::string_view(resolved).substr(base.size() + 1))) {
    return not_served("resolves outside the app's directory");
  }
  auto body = read_regular_file(target, max_bytes_);
  if (!body.ok()) return body.error();
  AppFile file;
  file.tag = sha256_hex(*body).substr(0, kEtagHexDigits);
  file.body = std::move(*body);
  file.content_type = app_content_type(relative.substr(relative.rfind('/') + 1));
  file.immutable = is_content_hashed(relative);
  return file;
}

}  // namespace synclog::http
