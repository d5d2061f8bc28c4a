// Value parsers for flags and environment variables.
#include "cli_values.hpp"

#include <charconv>

namespace synclog::cli {
namespace {

std::optional<std::pair<std::uint64_t, std::string_view>> number_and_unit(std::string_view s) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  return std::make_pair(n, s.substr(static_cast<std::size_t>(end - s.data())));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  auto nu = number_and_unit(s);
  if (!nu) return std::nullopt;
  const auto [n, unit] = *nu;
  if (n > 10ull * 365 * 24 * 3600 * 1000) return std::nullopt;
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit.empty() || unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60 * 1000);
  if (unit == "h") return std::chrono::milliseconds(n * 3600 * 1000);
  if (unit == "d") return std::chrono::milliseconds(n * 24 * 3600 * 1000);
  return std::nullopt;
}

std::optional<std::size_t> parse_size(std::string_view s) {
  auto nu = number_and_unit(s);
  if (!nu) return std::nullopt;
  const auto [n, unit] = *nu;
  if (unit.empty() || unit == "B") return n;
  if (unit == "KiB" || unit == "K" || unit == "k") return n << 10;
  if (unit == "MiB" || unit == "M") return n << 20;
  if (unit == "GiB" || unit == "G") return n << 30;
  return std::nullopt;
}

std::optional<ListenAddress> parse_listen(std::string_view s) {
  ListenAddress a;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return std::nullopt;
    a.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    a.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
  }
  if (a.host.empty()) a.host = "0.0.0.0";
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p > 65535) return std::nullopt;
  a.port = static_cast<std::uint16_t>(p);
  return a;
}

}  // namespace synclog::cli
