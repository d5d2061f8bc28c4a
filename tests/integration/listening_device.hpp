// A device of the SDK listening to the change stream on a thread of its own, as an app runs it,
// with what its syncs reported; and counting a client's requests in a server's access log (to
// tell that a device pulled only when told). Shared by the engine and the multi-node tests.
#pragma once

#include "synclog/client/sync_engine.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"

namespace synclog::client {

// A device listening on a thread of its own, as an app runs it; the device's engine and store
// belong to that thread until stop().
class Listener {
 public:
  explicit Listener(SyncEngine& engine, ListenOptions options = {}) {
    options.on_sync = [this](const Result<SyncReport>& r) {
      std::lock_guard lock(mutex_);
      if (r.ok()) {
        reports_.push_back(*r);
      } else {
        failures_.push_back(r.error().message);
      }
      changed_.notify_all();
    };
    options.on_disconnect = [this](const Error& why, std::chrono::milliseconds) {
      std::lock_guard lock(mutex_);
      disconnects_.push_back(why.message);
    };
    thread_ = std::jthread([this, &engine, options](std::stop_token stop) {
      result_ = engine.listen(options, stop);
    });
  }
  ~Listener() { stop().ignore(); }

  Status stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
    }
    return result_;
  }
  // Waits until a sync has left the device at `cursor` or beyond.
  bool wait_for_cursor(std::int64_t cursor,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return !reports_.empty() && reports_.back().cursor >= cursor;
    });
  }
  // Syncs `writer`, pushing what it queued, and waits until a sync of this device reached the
  // head that left.
  ::testing::AssertionResult hears_push_of(SyncEngine& writer) {
    auto pushed = writer.sync();
    if (!pushed.ok()) return ::testing::AssertionFailure() << "push: " << pushed.error().message;
    if (!wait_for_cursor(pushed->cursor)) {
      return ::testing::AssertionFailure() << "no sync reached " << pushed->cursor;
    }
    return ::testing::AssertionSuccess();
  }
  std::vector<SyncReport> reports() const { return copy(reports_); }
  std::vector<std::string> failures() const { return copy(failures_); }
  std::vector<std::string> disconnects() const { return copy(disconnects_); }

 private:
  template <class T>
  std::vector<T> copy(const std::vector<T>& v) const {
    std::lock_guard lock(mutex_);
    return v;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SyncReport> reports_;
  std::vector<std::string> failures_;
  std::vector<std::string> disconnects_;
  Status result_;
  std::jthread thread_;
};

// The requests of `client` with `method` on `path` (without its query) in the access log.
inline int logged_requests(const test::ServerProcess& server, const std::string& client,
                    const std::string& method, const std::string& path) {
  int n = 0;
  std::istringstream log(server.access_log());
  for (std::string line; std::getline(log, line);) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    const auto* c = o.if_contains("client");
    const auto* m = o.if_contains("method");
    const auto* p = o.if_contains("path");
    if (c && m && p && *c == client.c_str() && *m == method.c_str() && *p == path.c_str()) ++n;
  }
  return n;
}

}  // namespace synclog::client
