// Decisions where docs/client.md is silent:
//  - The first connection names the device's cursor (`?lastMutationAt=`), so the server sends
//    the head at once only if it moved while the device was away; a device that never synced
//    sends nothing and always hears the head. Reconnections send Last-Event-ID, the newest head
//    heard, as a browser's EventSource would.
//  - A sync is owed when a head is past both the device's cursor and the last head a sync
//    completed after: a sync that succeeds without reaching the head (a server's head that a
//    pull does not show) must not loop. A failed sync stays owed and is tried again after the
//    engine's backoff while the stream stays open (the stream is not the sync's connection).
//  - A stream counts as healthy, and the reconnection backoff starts over, once it delivered an
//    event or a heartbeat: a server that drains on SIGTERM cuts healthy streams, and the device
//    should land on another node after the `retry:` delay, not after a growing one.
//  - The first wait after a healthy stream is full jitter below the retry delay: when a node
//    drains, its devices must not all reconnect in the same millisecond.
//  - With spaces (SyncOptions::spaces), the spaces' stream (GET /v1/spaces/events) is read on
//    the same thread between reads of the per-user one. Its events carry no id, so each time it
//    opens a sync is owed (whatever moved while it was closed is pulled once); then a `space`
//    event past that space's cursor, or a `spaces` event (the person's spaces changed; the
//    server ends the stream after it), owes one. It reconnects on its own with backoff; a
//    server without it (404, 405, 501) is not asked again; losing it never ends listen().
//  - 401/403 end listen() (the token will not get better by itself), so do 404, 405 and 501
//    (a server without the change stream: the app should poll instead). Every other answer,
//    a 200 that is not text/event-stream, a malformed stream and a head event that is not the
//    documented shape are reconnected from, with backoff.
#include "client/change_listener.hpp"

#include "client/space_wire.hpp"
#include "client/sse_parser.hpp"
#include "client/sync_wire.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace synclog::client {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The least reconnection delay, whatever `retry:` says: `retry: 0` from a server that then
// closes every stream at once would otherwise be a reconnection storm (backoff doubles 0 to 0).
constexpr milliseconds kMinReconnectDelay{100};

// Consecutive failures beyond which the backoff cannot grow anyway (it is capped long before):
// keeps the counter from overflowing on a device left offline for years.
constexpr int kMaxCountedFailures = 30;

bool is_event_stream(std::string_view content_type) {
  constexpr std::string_view kType = "text/event-stream";
  if (content_type.size() < kType.size()) return false;
  for (std::size_t i = 0; i < kType.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != kType[i]) return false;
  }
  const std::string_view rest = content_type.substr(kType.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ';
}

milliseconds until(Clock::time_point t, Clock::time_point now) {
  return t <= now ? milliseconds(0) : std::chrono::ceil<milliseconds>(t - now);
}

}  // namespace

void wait_or_stop(milliseconds delay, std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  cv.wait_for(lock, stop, delay, [] { return false; });
}

Status ChangeListener::run(std::stop_token stop) {
  int failures = 0;
  while (!stop.stop_requested()) {
    Ended ended = session(stop);
    if (stop.stop_requested()) break;
    if (ended.fatal) return ended.why;
    if (ended.healthy) failures = 0;
    const milliseconds base =
        std::max(retry_hint_.value_or(options_.reconnect_delay), kMinReconnectDelay);
    milliseconds delay = seams_.backoff(failures, base);
    if (ended.retry_after) delay = std::max(delay, *ended.retry_after);
    failures = std::min(failures + 1, kMaxCountedFailures);
    if (options_.on_disconnect) options_.on_disconnect(ended.why, delay);
    SYNCLOG_RETURN_IF_ERROR(pause(delay, stop));
  }
  return Status();
}

Status ChangeListener::pause(milliseconds delay, std::stop_token stop) {
  if (!options_.sync_wanted) {
    seams_.wait(delay, stop);
    return Status();
  }
  const auto end = Clock::now() + delay;
  for (;;) {
    if (stop.stop_requested()) return Status();
    if (options_.sync_wanted()) owed_ = true;
    SYNCLOG_RETURN_IF_ERROR(maybe_sync().status());
    const auto now = Clock::now();
    if (now >= end) return Status();
    seams_.wait(std::min(options_.poll_interval, until(end, now)), stop);
  }
}

HttpRequest ChangeListener::stream_request() {
  HttpRequest req;
  req.method = "GET";
  req.target = "/v1/sync/events";
  req.headers = {{"accept", "text/event-stream"}, {"cache-control", "no-cache"}};
  if (heard_ > 0) {
    req.headers.emplace_back("last-event-id", std::to_string(heard_));
  } else if (auto cursor = seams_.cursor(); cursor.ok() && *cursor > 0) {
    req.target += "?lastMutationAt=" + std::to_string(*cursor);
  }
  return req;
}

ChangeListener::Ended ChangeListener::session(std::stop_token stop) {
  auto opened = seams_.open(stream_request(), stop);
  if (!opened.ok()) {
    return Ended{opened.error(), opened.error().code == ErrorCode::kInvalidRequest, false, {}};
  }
  ResponseStream& stream = **opened;
  const HttpResponse& head = stream.response();
  if (head.status != 200) {
    Ended ended;
    ended.why = make_error(ErrorCode::kUnavailable, "GET /v1/sync/events: the server answered " +
                                                       std::to_string(head.status) + ": " +
                                                       error_message(head.body));
    switch (head.status) {
      case 401:
        ended.why.code = ErrorCode::kUnauthorized;
        ended.fatal = true;
        break;
      case 403:
        ended.why.code = ErrorCode::kForbidden;
        ended.fatal = true;
        break;
      case 404:
      case 405:
      case 501:
        ended.why.code = ErrorCode::kNotImplemented;
        ended.why.message += " (the server has no change stream: sync on a timer instead)";
        ended.fatal = true;
        break;
      case 429:
      case 503:
        ended.retry_after = parse_retry_after(head.header("retry-after"));
        break;
      default:
        break;
    }
    return ended;
  }
  if (const std::string type = head.header("content-type"); !is_event_stream(type)) {
    return Ended{make_error(ErrorCode::kInternal,
                            "GET /v1/sync/events answered 200 with " +
                                (type.empty() ? std::string("no Content-Type") : type) +
                                ", not text/event-stream"),
                 false, false, {}};
  }

  SseParser parser;
  bool healthy = false;
  auto last_byte = Clock::now();
  std::vector<SseEvent> events;
  for (;;) {
    if (stop.stop_requested()) {
      return Ended{make_error(ErrorCode::kUnavailable, "stopped"), false, healthy, {}};
    }
    if (options_.sync_wanted && options_.sync_wanted()) owed_ = true;
    auto synced = maybe_sync();
    if (!synced.ok()) return Ended{synced.error(), true, healthy, {}};
    // The stream was not read while the sync ran: its silence counts from now.
    if (*synced) last_byte = Clock::now();

    const auto now = Clock::now();
    const auto silent_until = last_byte + options_.idle_timeout;
    milliseconds timeout = std::min(options_.poll_interval, until(silent_until, now));
    if (owed_ && sync_not_before_) timeout = std::min(timeout, until(*sync_not_before_, now));
    if (Status s = poll_spaces(stop); !s.ok()) return Ended{s.error(), true, healthy, {}};
    auto chunk = stream.read(std::max(timeout, milliseconds(1)));
    if (!chunk.ok()) return Ended{chunk.error(), false, healthy, {}};
    if (chunk->end) {
      return Ended{make_error(ErrorCode::kUnavailable, "the server ended the event stream"), false,
                   healthy, {}};
    }
    if (!chunk->data.empty()) {
      last_byte = Clock::now();
      events.clear();
      const std::int64_t comments_before = parser.comments();
      const Status fed = parser.feed(chunk->data, &events);
      if (parser.retry()) retry_hint_ = parser.retry();
      if (!events.empty() || parser.comments() > comments_before) healthy = true;
      for (const auto& e : events) {
        if (e.type != "head") continue;  // a kind of event this SDK does not know yet
        auto h = parse_head_event(e.data);
        if (!h.ok()) return Ended{h.error(), false, healthy, {}};
        if (Status s = on_head(*h); !s.ok()) return Ended{s.error(), false, healthy, {}};
      }
      if (!fed.ok()) return Ended{fed.error(), false, healthy, {}};
    } else if (Clock::now() >= silent_until) {
      return Ended{make_error(ErrorCode::kUnavailable,
                              "no event or heartbeat for " +
                                  std::to_string(options_.idle_timeout.count()) + " ms"),
                   false, healthy, {}};
    }
  }
}

void ChangeListener::spaces_lost(std::optional<milliseconds> retry_after) {
  spaces_.stream.reset();
  const milliseconds base =
      std::max(retry_hint_.value_or(options_.reconnect_delay), kMinReconnectDelay);
  milliseconds delay = seams_.backoff(spaces_.failures, base);
  if (retry_after) delay = std::max(delay, *retry_after);
  spaces_.failures = std::min(spaces_.failures + 1, kMaxCountedFailures);
  spaces_.reopen_at = Clock::now() + delay;
}

Status ChangeListener::poll_spaces(std::stop_token stop) {
  if (!seams_.space_cursor || spaces_.unsupported) return Status();
  const auto now = Clock::now();
  if (!spaces_.stream) {
    if (spaces_.reopen_at && now < *spaces_.reopen_at) return Status();
    HttpRequest req;
    req.method = "GET";
    req.target = "/v1/spaces/events";
    req.headers = {{"accept", "text/event-stream"}, {"cache-control", "no-cache"}};
    auto opened = seams_.open(std::move(req), stop);
    if (!opened.ok()) {
      spaces_lost(std::nullopt);
      return Status();
    }
    const HttpResponse& head = (*opened)->response();
    if (head.status == 401) {
      return make_error(ErrorCode::kUnauthorized,
                        "GET /v1/spaces/events: " + error_message(head.body));
    }
    if (head.status == 404 || head.status == 405 || head.status == 501) {
      spaces_.unsupported = true;
      return Status();
    }
    if (head.status != 200 || !is_event_stream(head.header("content-type"))) {
      spaces_lost(head.status == 429 || head.status == 503
                      ? parse_retry_after(head.header("retry-after"))
                      : std::nullopt);
      return Status();
    }
    spaces_.stream = std::move(*opened);
    spaces_.parser = SseParser();
    spaces_.last_byte = now;
    spaces_.reopen_at.reset();
    owed_ = true;  // what moved while it was closed: its events carry no id to resume from
    return Status();
  }
  auto chunk = spaces_.stream->read(milliseconds(1));
  if (!chunk.ok() || chunk->end) {
    // A `spaces` event ends the stream on purpose: reconnect soon, to follow the new list.
    spaces_lost(std::nullopt);
    return Status();
  }
  if (chunk->data.empty()) {
    if (now - spaces_.last_byte > options_.idle_timeout) spaces_lost(std::nullopt);
    return Status();
  }
  spaces_.last_byte = now;
  std::vector<SseEvent> events;
  const std::int64_t comments_before = spaces_.parser.comments();
  const Status fed = spaces_.parser.feed(chunk->data, &events);
  if (!events.empty() || spaces_.parser.comments() > comments_before) spaces_.failures = 0;
  for (const auto& e : events) {
    if (e.type == "spaces") {
      owed_ = true;
    } else if (e.type == "space") {
      auto moved = parse_space_event(e.data);
      if (!moved.ok()) {
        owed_ = true;  // a shape this SDK does not read: a sync is the safe answer
        continue;
      }
      auto cursor = seams_.space_cursor(moved->space);
      if (!cursor.ok() || moved->head > *cursor) owed_ = true;
    }
  }
  if (!fed.ok()) spaces_lost(std::nullopt);
  return Status();
}

Status ChangeListener::on_head(std::int64_t head) {
  heard_ = std::max(heard_, head);
  if (head <= synced_to_) return Status();
  SYNCLOG_ASSIGN_OR_RETURN(std::int64_t cursor, seams_.cursor());
  if (head > cursor) owed_ = true;
  return Status();
}

Result<bool> ChangeListener::maybe_sync() {
  if (!owed_) return false;
  if (sync_not_before_ && Clock::now() < *sync_not_before_) return false;
  const std::int64_t heard = heard_;
  Result<SyncReport> report = seams_.sync();
  if (options_.on_sync) options_.on_sync(report);
  if (report.ok()) {
    owed_ = false;
    synced_to_ = std::max(synced_to_, heard);
    sync_failures_ = 0;
    sync_not_before_.reset();
    return true;
  }
  const ErrorCode code = report.error().code;
  if (code == ErrorCode::kUnauthorized || code == ErrorCode::kForbidden) return report.error();
  sync_not_before_ = Clock::now() + seams_.backoff(sync_failures_, std::nullopt);
  sync_failures_ = std::min(sync_failures_ + 1, kMaxCountedFailures);
  return true;
}

}  // namespace synclog::client
