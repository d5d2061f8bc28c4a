// A plain blocking TCP connection for integration tests that need control HttpClient does not
// give: sending a request in pieces, holding a connection open without sending anything,
// pipelining, reading a response that never ends (EventStreamClient), and noticing when the
// server closes. Header-only; POSIX sockets with poll() deadlines, so a test never hangs on a
// silent server. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::test {

// An HTTP/1.1 request as bytes, with Content-Length when there is a body (or it is a POST).
inline std::string raw_request(std::string_view method, std::string_view target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view body = {}) {
  std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

// One HTTP response parsed out of raw bytes (status 0 if there was none).
struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Parses the first response in `bytes` (status line, headers, Content-Length body). Returns
// the number of bytes it used in `*used`, or 0 if `bytes` does not hold a whole response yet.
inline RawResponse parse_raw_response(std::string_view bytes, std::size_t* used = nullptr) {
  RawResponse r;
  if (used) *used = 0;
  const auto end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos || bytes.substr(0, 9).rfind("HTTP/1.", 0) != 0) return r;
  std::string_view head = bytes.substr(0, end);
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return r;
  const int status = std::stoi(std::string(status_line.substr(9, 3)));
  std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    const std::string_view line = head.substr(pos, next - pos);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      r.headers[name] = std::string(value);
    }
    pos = next + 2;
  }
  std::size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    length = static_cast<std::size_t>(std::stoull(it->second));
  }
  if (bytes.size() < end + 4 + length) return RawResponse{};
  r.status = status;
  r.body = std::string(bytes.substr(end + 4, length));
  if (used) *used = end + 4 + length;
  return r;
}

class RawSocket {
 public:
  RawSocket(const std::string& host, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawSocket() { close(); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  RawSocket(RawSocket&& o) noexcept
      : fd_(o.fd_), closed_by_peer_(o.closed_by_peer_), pending_(std::move(o.pending_)) {
    o.fd_ = -1;
  }

  bool connected() const { return fd_ >= 0; }

  // Sends all of `bytes`; false if the connection broke (no SIGPIPE).
  bool send(std::string_view bytes) {
    while (!bytes.empty() && fd_ >= 0) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return bytes.empty();
  }

  // Sends all of `bytes` before reading anything, as a client that writes its whole request
  // first does; gives up when `timeout` passes (a server that stopped reading). Returns how many
  // bytes went out.
  std::size_t send_within(std::string_view bytes, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t sent = 0;
    while (sent < bytes.size() && fd_ >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    return sent;
  }

  // Reads one whole response (bytes after it are kept for the next call). Status 0 if the
  // connection closed or `timeout` passed first.
  RawResponse read_response(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::size_t used = 0;
      RawResponse r = parse_raw_response(pending_, &used);
      if (used > 0) {
        pending_.erase(0, used);
        return r;
      }
      if (!read_some(deadline)) return RawResponse{};
    }
  }

  // Waits until the server closes the connection (EOF or reset). Returns false if `timeout`
  // passes first. Everything received meanwhile is appended to `*received`.
  bool wait_closed(std::chrono::milliseconds timeout, std::string* received = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fd_ >= 0 && !closed_by_peer_) {
      if (!read_some(deadline) && !closed_by_peer_) break;
    }
    if (received) *received += pending_;
    pending_.clear();
    return closed_by_peer_;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // For readers of their own framing: bytes received and not yet consumed (the caller may
  // erase what it used), more of them, and whether the server has closed.
  std::string& received() { return pending_; }
  bool receive(std::chrono::steady_clock::time_point deadline) { return read_some(deadline); }
  bool closed_by_peer() const { return closed_by_peer_; }

 private:
  // One recv with a deadline; false on timeout, EOF or error.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0 || closed_by_peer_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_by_peer_ = true;
      return false;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool closed_by_peer_ = false;
  std::string pending_;
};

}  // namespace synclog::test
