// Parsing command-line values: durations ("500ms", "30s", "15m", "1h", "7d"; a bare number is
// seconds), sizes ("1MiB", "16KiB", bytes otherwise) and listen addresses ("host:port",
// "[v6]:port").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synclog::cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::optional<std::size_t> parse_size(std::string_view text);

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

}  // namespace synclog::cli
