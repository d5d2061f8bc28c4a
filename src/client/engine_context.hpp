// What the units of the sync engine share (docs/client.md, "The engine's shape"): the device
// file's engine view (SyncQueue), the app's options and callbacks, one sync()'s report and
// progress, and the request path: authenticated requests through the transport, retried with
// backoff. SyncEngine owns one; the per-user puller and pusher (puller.hpp, pusher.hpp) and
// the spaces' (space_sync.hpp) each hold a reference. Not thread-safe, like the engine.
#pragma once

#include "synclog/client/sync_engine.hpp"
#include "synclog/client/transport.hpp"

#include "client/http_transport.hpp"
#include "client/sync_queue.hpp"
#include "common/status.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

class EngineContext {
 public:
  EngineContext(LocalStore& store, SyncOptions options);

  SyncQueue store;
  SyncOptions options;
  std::function<void(const SyncProgress&)> progress_cb;
  std::function<void(const SyncEvent&)> event_cb;
  ManualResolver resolver;
  std::function<bool(const std::vector<SyncEvent>&)> presync_check;

  //////// One sync()'s state

  /// Reads the credentials and connects the transport (the app's, or HTTP to the store's
  /// server URL); clears the report, the progress and the events.
  Status begin_sync();
  /// Lets the HTTP transport's connection go.
  void end_sync() { transport_.reset(); }

  SyncReport report;
  SyncProgress progress;
  /// The head the last acknowledged push left (0: none since the last pull). The next batch
  /// chains on it; the pull cursor stays behind until the pull after the pushes.
  std::int64_t push_head = 0;

  std::int64_t now_ms() const;

  //////// Events

  /// Events of work inside a local transaction wait for its commit: the app must never hear
  /// of an outcome the file then rolled back. event() queues one, emit_events() tells them,
  /// drop_events() forgets them (the transaction failed).
  void event(Outcome o, Resource r, std::string id, std::string reason, std::int64_t seq = 0);
  void event(SyncEvent e) { events_.push_back(std::move(e)); }
  void emit_events();
  void drop_events() { events_.clear(); }
  void emit_progress();

  //////// Requests

  HttpRequest request(std::string method, std::string target) const;
  /// Sends `req` with the person's credentials (added when it has none) until it gets an
  /// answer that is not worth retrying, waiting between attempts; kUnavailable after
  /// max_attempts.
  Result<HttpResponse> send(HttpRequest req);
  /// The wait before retry number `retry`: exponential from `base` (backoff_base by default) up
  /// to backoff_cap, with full jitter. Requests and listen()'s reconnections both wait this way.
  std::chrono::milliseconds backoff(int retry, std::optional<std::chrono::milliseconds> base);
  /// The change stream, opened with the credentials the store holds now.
  Result<std::unique_ptr<ResponseStream>> open_stream(HttpRequest req, std::stop_token stop);

 private:
  HttpTransportOptions transport_options() const;

  std::mt19937_64 rng_;
  std::shared_ptr<Transport> transport_;
  std::string token_;
  std::string client_id_;
  std::vector<SyncEvent> events_;
};

/// The error a request answered with `r` becomes (401: kUnauthorized, 409: kOutOfSync, ...).
Error server_error(const HttpResponse& r, std::string_view what);

}  // namespace synclog::client
