// Reading the server under test's /metrics: one series' value, or waiting for a state only
// /metrics shows, such as a client's change stream being open (synclog_event_streams) before
// another device writes. Header-only.
#pragma once

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include "server_process.hpp"

namespace synclog::test {

// The value of the series `name{labels}` (exactly as rendered), or -1 when absent.
inline double metric_value(const ServerProcess& server, const std::string& series) {
  std::istringstream metrics(server.client().get("/metrics").body);
  for (std::string line; std::getline(metrics, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

// Polls /metrics until the series reads `value`; false after `timeout`.
inline bool wait_for_metric(const ServerProcess& server, const std::string& series, double value,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (metric_value(server, series) == value) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace synclog::test
