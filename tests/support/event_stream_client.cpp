// The SSE reader: HTTP/1.1 chunked decoding over a RawSocket, and the field rules of the SSE
// format (html.spec.whatwg.org, "Server-sent events").
#include "event_stream_client.hpp"

#include <cctype>
#include <charconv>

namespace synclog::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

EventStreamClient::EventStreamClient(const std::string& host, std::uint16_t port,
                                     const std::string& target, const Headers& headers,
                                     std::chrono::milliseconds timeout)
    : socket_(host, port) {
  Headers h = headers;
  h.emplace_back("Accept", "text/event-stream");
  if (!socket_.send(raw_request("GET", target, h))) return;
  // The header (and, for an answer that is not a stream, its Content-Length body).
  const auto deadline = Clock::now() + timeout;
  std::size_t used = 0;
  RawResponse r;
  while ((r = parse_raw_response(socket_.received(), &used)).status == 0) {
    if (!socket_.receive(deadline)) return;
  }
  socket_.received().erase(0, used);
  status_ = r.status;
  headers_ = std::move(r.headers);
  body_ = std::move(r.body);
  chunked_ = lower(header("transfer-encoding")).find("chunked") != std::string::npos;
  if (!chunked_ && !header("content-length").empty()) last_chunk_ = true;  // not a stream
}

std::string EventStreamClient::header(const std::string& lower_name) const {
  auto it = headers_.find(lower_name);
  return it == headers_.end() ? std::string() : it->second;
}

void EventStreamClient::decode_chunks() {
  std::string& raw = socket_.received();
  if (!chunked_) {
    text_ += raw;  // an HTTP/1.0 stream: the body runs until the connection closes
    raw.clear();
    return;
  }
  while (!last_chunk_ && !bad_framing_) {
    const auto line_end = raw.find("\r\n");
    if (line_end == std::string::npos) return;
    std::size_t size = 0;
    const auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + line_end, size, 16);
    (void)ptr;
    if (ec != std::errc()) {
      bad_framing_ = true;
      return;
    }
    if (size == 0) {
      last_chunk_ = true;
      return;
    }
    if (raw.size() < line_end + 2 + size + 2) return;  // the chunk is not all here yet
    text_.append(raw, line_end + 2, size);
    raw.erase(0, line_end + 2 + size + 2);
  }
}

std::optional<SseMessage> EventStreamClient::pop_message() {
  const auto end = text_.find("\n\n");
  if (end == std::string::npos) return std::nullopt;
  const std::string block = text_.substr(0, end);
  text_.erase(0, end + 2);
  SseMessage m;
  bool has_data = false;
  std::size_t pos = 0;
  while (pos <= block.size()) {
    auto next = block.find('\n', pos);
    if (next == std::string::npos) next = block.size();
    const std::string line = block.substr(pos, next - pos);
    pos = next + 1;
    if (line.empty()) continue;
    const auto colon = line.find(':');
    const std::string field = line.substr(0, colon);
    std::string value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field.empty()) {
      m.comments.push_back(value);
    } else if (field == "id") {
      m.id = value;
    } else if (field == "event") {
      m.event = value;
    } else if (field == "data") {
      if (has_data) m.data += "\n";
      m.data += value;
      has_data = true;
    } else if (field == "retry") {
      std::int64_t ms = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec == std::errc() && ptr == value.data() + value.size()) m.retry = ms;
    }
  }
  return m;
}

std::optional<SseMessage> EventStreamClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    decode_chunks();
    if (auto m = pop_message()) return m;
    if (ended() || !socket_.receive(deadline)) {
      decode_chunks();
      return pop_message();
    }
  }
}

std::optional<SseMessage> EventStreamClient::next_event(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = next(left);
    if (!m) return std::nullopt;
    if (m->is_event()) return m;
  }
}

bool EventStreamClient::wait_ended(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!ended()) {
    if (!socket_.receive(deadline)) break;
    decode_chunks();
  }
  decode_chunks();
  return ended();
}

}  // namespace synclog::test
