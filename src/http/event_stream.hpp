// A response body that never ends on its own (Server-Sent Events), as the application hands it
// to the server: HttpResponse::stream. Nothing here depends on Beast or Asio.
//
// The server writes the response header, calls start() once, then take() right away and again
// every time the stream wakes it, writing whatever take() returns as one chunk. Text that piles
// up while a write is in progress is therefore taken, and sent, as one. When nothing was written
// for heartbeat(), the server writes heartbeat_text() instead; a write that fails, or does not
// finish within the server's write timeout, ends the stream. So do the client closing its side
// and the server draining (SIGTERM), and so does the stream itself saying it is finished(). The
// server then calls ended() once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace synclog::http {

class EventStream {
 public:
  // Asks the server to call take() soon. Thread-safe and cheap; calls may be coalesced.
  using Wake = std::function<void()>;
  // The stream has ended, having written `bytes_out` bytes of body; `why` says how
  // ("client_closed", "write_failed", "write_timeout", "draining", "not_started", or what
  // finished() said).
  using Ended = std::function<void(std::int64_t bytes_out, std::string_view why)>;

  EventStream() = default;
  // A stream destroyed before ended() was called counts as ended, "not_started".
  virtual ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // The server calls these on the connection's strand, never concurrently.
  // Once, after the response header was written; `wake` stays valid as long as the stream.
  virtual void start(Wake wake) = 0;
  // The text to send now (empty: nothing).
  virtual std::string take() = 0;
  // How long the stream may stay silent before heartbeat_text() is sent.
  virtual std::chrono::milliseconds heartbeat() const = 0;
  virtual std::string heartbeat_text() const = 0;
  // Why the stream must end now (text that lives as long as the stream), or "" while it goes
  // on. Looked at whenever the stream wakes the server; the server then ends the response as
  // when draining, with the last chunk, so the client sees a clean end and reconnects.
  virtual std::string_view finished() const { return {}; }

  // Called by the server, once; runs the callback given to on_ended.
  void ended(std::int64_t bytes_out, std::string_view why);
  // Set by the application before it hands the stream over (the request log line).
  void on_ended(Ended fn) { on_ended_ = std::move(fn); }

 private:
  Ended on_ended_;
  bool ended_ = false;
};

}  // namespace synclog::http
