// JSON-lines output.
#include "http/logger.hpp"

#include <unistd.h>

#include <chrono>

#include "common/time_format.hpp"

namespace synclog::http {

void Logger::write(std::string_view level, JsonObjectWriter fields) {
  if (fd_ < 0) return;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string body = std::move(fields).finish();
  std::string line = "{\"ts\":\"" + format_iso8601_ms(now) + "\",\"level\":\"" + std::string(level) + "\"";
  if (body.size() > 2) {
    line.push_back(',');
    line.append(body, 1, std::string::npos);
  } else {
    line.push_back('}');
  }
  line.push_back('\n');
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n <= 0) return;  // nowhere to report a failing log; drop the line
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void Logger::info(std::string_view event, std::string_view message) {
  JsonObjectWriter w;
  w.str("event", event);
  if (!message.empty()) w.str("message", message);
  write("info", std::move(w));
}

void Logger::error(std::string_view event, std::string_view message) {
  JsonObjectWriter w;
  w.str("event", event).str("message", message);
  write("error", std::move(w));
}

}  // namespace synclog::http
