// The reading half of Server-Sent Events (WHATWG HTML, "Server-sent events", "Interpreting an
// event stream"): bytes in, events out, no I/O. The change stream (GET /v1/sync/events,
// docs/client.md "Listening for changes") arrives through it.
//
// What it follows: lines end in LF, CRLF or CR (a CRLF split between two pieces is one line
// end); a leading UTF-8 BOM is skipped; a line starting with ':' is a comment; "field: value"
// loses one space after the colon, a line without a colon is a field with an empty value;
// `event` names the event, `data` lines are joined with LF, `id` sets the last event ID (one
// with a NUL is ignored), `retry` sets the reconnection time when it is all ASCII digits, other
// fields are ignored; a blank line dispatches the event (none when no `data` came), and an
// event cut off by the end of the stream is never dispatched.
//
// What it adds: a stream is untrusted input, so a line, or one event's data, longer than the
// limit is an error rather than memory without bound. Bytes are kept as they are (the spec
// decodes UTF-8 with replacement; the data's own reader validates it).
#pragma once

#include "common/status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// The longest line, and the most data one event may carry. The change stream's events are a
/// few dozen bytes; a line that long is a server (or a proxy) gone wrong.
inline constexpr std::size_t kMaxSseLineBytes = 64 * 1024;

/// One dispatched event.
struct SseEvent {
  std::string type = "message";  ///< its `event` field; "message" when it had none
  std::string data;              ///< its `data` lines, joined with LF
  std::string id;                ///< the stream's last event ID when it was dispatched
};

/// Not thread-safe. One parser per connection: a new stream starts with a new parser (the
/// reconnecting side keeps the last event ID and the retry time itself).
class SseParser {
 public:
  explicit SseParser(std::size_t max_line_bytes = kMaxSseLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  /// Reads `bytes`, the next piece of the stream; pieces may split a line anywhere. Appends the
  /// events they complete to *events, in order. An error (kInternal: a line, or one event's
  /// data, over the limit) is final: the events before it were appended, every later call
  /// fails the same way, and the stream should be dropped.
  Status feed(std::string_view bytes, std::vector<SseEvent>* events);

  /// The last valid `retry` field's value, if any came.
  std::optional<std::chrono::milliseconds> retry() const { return retry_; }
  /// The last event ID as of the last blank line ("" when none was set).
  const std::string& last_event_id() const { return last_event_id_; }
  /// Comment lines read (the server's heartbeats).
  std::int64_t comments() const { return comments_; }

 private:
  Status line(std::vector<SseEvent>* events);
  void dispatch(std::vector<SseEvent>* events);
  Status fail(std::string message);

  std::size_t max_line_bytes_;
  std::string line_;         // the line being read, without its end
  bool after_cr_ = false;    // the last byte was a CR: an LF right after it ends no line
  bool first_line_ = true;   // a BOM may start it
  std::string data_;         // the data buffer: each `data` value and an LF
  std::string type_;         // the event type buffer
  std::string id_;           // the last event ID buffer
  std::string last_event_id_;
  std::optional<std::chrono::milliseconds> retry_;
  std::int64_t comments_ = 0;
  std::optional<Error> failed_;
};

}  // namespace synclog::client
