// A Server-Sent Events reader for tests: sends one GET on its own connection (a RawSocket),
// reads the response header, then hands out the stream's messages one at a time as they
// arrive, decoding the chunked framing and the SSE fields. Every wait has a timeout, so a test
// never hangs on a silent server. Blocking; not thread-safe. Independent of GoogleTest.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "raw_socket.hpp"

namespace synclog::test {

// One SSE message: the lines up to a blank line. Comments (": heartbeat") are kept, since tests
// look for heartbeats; EventSource would drop them.
struct SseMessage {
  std::string id;     // the id field, if any
  std::string event;  // the event field, if any
  std::string data;   // data lines joined with "\n"
  std::optional<std::int64_t> retry;
  std::vector<std::string> comments;  // without the leading ':' and one space

  bool is_heartbeat() const { return event.empty() && data.empty() && !comments.empty(); }
  bool is_event() const { return !event.empty() || !data.empty(); }
};

class EventStreamClient {
 public:
  // Connects to host:port and sends `GET <target>` with `headers`, then waits up to `timeout`
  // for the response header. status() is 0 if none arrived.
  EventStreamClient(const std::string& host, std::uint16_t port, const std::string& target,
                    const Headers& headers = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  EventStreamClient(EventStreamClient&&) noexcept = default;

  int status() const { return status_; }
  std::string header(const std::string& lower_name) const;
  // The whole body of a response that was not a stream (an error's JSON), read to its end.
  const std::string& body() const { return body_; }

  // The next message, waiting up to `timeout`; nothing if none arrived by then or the stream
  // ended (see ended()).
  std::optional<SseMessage> next(std::chrono::milliseconds timeout);
  // The next message that is an event (skipping heartbeats and retry hints).
  std::optional<SseMessage> next_event(std::chrono::milliseconds timeout);
  // Waits up to `timeout` for the stream to end; messages meanwhile are dropped.
  bool wait_ended(std::chrono::milliseconds timeout);

  // The stream has ended: the server closed the connection or sent the last chunk.
  bool ended() const { return socket_.closed_by_peer() || bad_framing_ || last_chunk_; }
  // Whether the end was clean (the last chunk of a chunked body arrived).
  bool ended_cleanly() const { return last_chunk_; }
  void close() { socket_.close(); }

 private:
  // Moves whole chunks from the socket's received bytes into text_.
  void decode_chunks();
  // Takes one whole message out of text_, if there is one.
  std::optional<SseMessage> pop_message();

  RawSocket socket_;
  int status_ = 0;
  std::map<std::string, std::string> headers_;
  std::string body_;
  bool chunked_ = false;
  bool bad_framing_ = false;
  bool last_chunk_ = false;
  std::string text_;  // decoded stream text not yet parsed into messages
};

}  // namespace synclog::test
