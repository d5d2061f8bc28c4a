// The SSE reader: a POSIX socket with poll() deadlines, HTTP/1.1 chunked decoding, and the
// field rules of the SSE format (html.spec.whatwg.org, "Server-sent events").
#include "event_stream_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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
                                     std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close();
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/event-stream\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  request += "\r\n";
  std::string_view rest = request;
  while (!rest.empty()) {
    const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      close();
      return;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }

  const auto deadline = Clock::now() + timeout;
  std::size_t end = std::string::npos;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!receive(deadline)) return;
  }
  const std::string head = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return;
  status_ = std::stoi(head.substr(9, 3));
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      headers_[lower(line.substr(0, colon))] = value;
    }
    pos = next;
  }
  chunked_ = lower(header("transfer-encoding")).find("chunked") != std::string::npos;
  if (!chunked_ && !header("content-length").empty()) {
    // Not a stream: read the whole body.
    const auto length = static_cast<std::size_t>(std::stoull(header("content-length")));
    while (raw_.size() < length && receive(deadline)) {
    }
    body_ = raw_.substr(0, length);
    raw_.clear();
    last_chunk_ = true;
  }
}

EventStreamClient::~EventStreamClient() { close(); }

EventStreamClient::EventStreamClient(EventStreamClient&& o) noexcept
    : fd_(o.fd_),
      status_(o.status_),
      headers_(std::move(o.headers_)),
      body_(std::move(o.body_)),
      chunked_(o.chunked_),
      closed_(o.closed_),
      last_chunk_(o.last_chunk_),
      raw_(std::move(o.raw_)),
      text_(std::move(o.text_)) {
  o.fd_ = -1;
}

std::string EventStreamClient::header(const std::string& lower_name) const {
  auto it = headers_.find(lower_name);
  return it == headers_.end() ? std::string() : it->second;
}

void EventStreamClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool EventStreamClient::receive(Clock::time_point deadline) {
  if (fd_ < 0 || closed_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buf[16384];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  raw_.append(buf, static_cast<std::size_t>(n));
  return true;
}

void EventStreamClient::decode_chunks() {
  if (!chunked_) {
    text_ += raw_;  // an HTTP/1.0 stream: the body runs until the connection closes
    raw_.clear();
    return;
  }
  while (!last_chunk_) {
    const auto line_end = raw_.find("\r\n");
    if (line_end == std::string::npos) return;
    std::size_t size = 0;
    const auto [ptr, ec] = std::from_chars(raw_.data(), raw_.data() + line_end, size, 16);
    (void)ptr;
    if (ec != std::errc()) {  // not chunked framing: treat as the end
      closed_ = true;
      return;
    }
    if (size == 0) {
      last_chunk_ = true;
      return;
    }
    if (raw_.size() < line_end + 2 + size + 2) return;  // the chunk is not all here yet
    text_.append(raw_, line_end + 2, size);
    raw_.erase(0, line_end + 2 + size + 2);
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
    if (ended() || !receive(deadline)) {
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
    if (!receive(deadline)) break;
    decode_chunks();
  }
  decode_chunks();
  return ended();
}

}  // namespace synclog::test
