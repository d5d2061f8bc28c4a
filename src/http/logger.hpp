// JSON-lines logging: one object per line, written whole with one write(2) so lines from
// different threads never interleave. Used for the request log and for server events.
#pragma once

#include <string>
#include <string_view>

#include "common/json_text.hpp"

namespace synclog::http {

class Logger {
 public:
  // fd 1 (stdout) by default; a negative fd disables output.
  explicit Logger(int fd = 1) : fd_(fd) {}
  bool enabled() const { return fd_ >= 0; }
  // Writes `fields` (a JsonObjectWriter without ts/level yet) as one line.
  void write(std::string_view level, JsonObjectWriter fields);
  void info(std::string_view event, std::string_view message = {});
  void error(std::string_view event, std::string_view message);

 private:
  int fd_;
};

}  // namespace synclog::http
