// The loop behind SyncEngine::listen() (docs/client.md, "Listening for changes"): it keeps the
// change streams open (GET /v1/sync/events, and the spaces' GET /v1/spaces/events), reads their
// events through SseParser, and asks for a sync whenever an event says the server moved past the
// device's cursor; it reopens the streams after errors, ends and silences, with backoff. It reaches the network, the store, the
// engine and the clock's waits only through ListenerSeams, so its unit tests script them.
#pragma once

#include "synclog/client/sync_engine.hpp"

#include "client/http_transport.hpp"
#include "client/sse_parser.hpp"
#include "common/status.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

namespace synclog::client {

struct ListenerSeams {
  /// Opens the stream for `request` (target and the listener's headers; the seam adds the
  /// device's credentials); gives up soon after `stop` is requested (Transport::open_stream).
  std::function<Result<std::unique_ptr<ResponseStream>>(HttpRequest request, std::stop_token stop)>
      open;
  /// The device's cursor.
  std::function<Result<std::int64_t>()> cursor;
  /// One sync() of the engine.
  std::function<Result<SyncReport>()> sync;
  /// The engine's backoff: the jittered wait before retry number `retry` (0: the first), from
  /// `base` (nullopt: the engine's own SyncOptions::backoff_base) up to its backoff_cap.
  std::function<std::chrono::milliseconds(int retry, std::optional<std::chrono::milliseconds> base)>
      backoff;
  /// Waits `delay` or until `stop` is requested, whichever comes first.
  std::function<void(std::chrono::milliseconds delay, std::stop_token stop)> wait;
  /// Also follow the spaces' change stream (GET /v1/spaces/events, opened through `open`), with
  /// the device's cursor of each space; empty: the per-user stream only.
  std::function<Result<std::int64_t>(const std::string& space)> space_cursor;
};

/// Waits `delay` or until `stop` is requested (ListenerSeams::wait for real time).
void wait_or_stop(std::chrono::milliseconds delay, std::stop_token stop);

/// Runs until `stop` is requested (OK) or an error that retrying cannot help (see
/// SyncEngine::listen). Single use; not thread-safe.
class ChangeListener {
 public:
  ChangeListener(const ListenOptions& options, ListenerSeams seams)
      : options_(options), seams_(std::move(seams)) {}

  Status run(std::stop_token stop);

 private:
  // Why a stream ended, and what that means for the next attempt.
  struct Ended {
    Error why;
    bool fatal = false;    // retrying cannot help: run() returns `why`
    bool healthy = false;  // it delivered an event or a heartbeat: backoff starts over
    std::optional<std::chrono::milliseconds> retry_after;  // a 429's or 503's
  };

  // One attempt: opens the stream and reads it, syncing when told, until it fails, ends, falls
  // silent or `stop` is requested.
  Ended session(std::stop_token stop);
  HttpRequest stream_request();
  // Waits `delay` before the next attempt. With sync_wanted set, the wait is cut into
  // poll_interval slices and a sync the app asks for runs meanwhile (pushing needs no stream);
  // an error only when that sync's is fatal.
  Status pause(std::chrono::milliseconds delay, std::stop_token stop);
  // A `head` event: a sync is owed when the server is past what the device has.
  Status on_head(std::int64_t head);
  // Runs the owed sync if its time has come (true when it ran); an error only when it is fatal.
  Result<bool> maybe_sync();
  // Opens, reads without waiting, or schedules the reopening of the spaces' stream, owing a
  // sync when it tells of a space past the device's cursor or of a change of the person's
  // spaces. An error only when it is fatal (401).
  Status poll_spaces(std::stop_token stop);
  void spaces_lost(std::optional<std::chrono::milliseconds> retry_after);

  // The spaces' stream: read between the per-user stream's reads, on the same thread. It has
  // its own reconnections; losing it never ends the per-user session.
  struct SpacesStream {
    std::unique_ptr<ResponseStream> stream;
    SseParser parser;
    std::chrono::steady_clock::time_point last_byte;
    std::optional<std::chrono::steady_clock::time_point> reopen_at;
    int failures = 0;
    bool unsupported = false;  // 404, 405 or 501: a server without spaces
  };

  const ListenOptions& options_;
  ListenerSeams seams_;
  std::int64_t heard_ = 0;      // the newest head the server announced
  std::int64_t synced_to_ = 0;  // a sync succeeded after this head was heard
  bool owed_ = false;           // a sync is wanted
  int sync_failures_ = 0;       // in a row
  std::optional<std::chrono::steady_clock::time_point> sync_not_before_;  // after a failure
  std::optional<std::chrono::milliseconds> retry_hint_;  // the server's `retry:`
  SpacesStream spaces_;
};

}  // namespace synclog::client
