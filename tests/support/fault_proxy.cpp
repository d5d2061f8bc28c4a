// FaultProxy: one thread accepts, and one thread per client connection relays that
// connection's exchanges one after another. Every socket is non-blocking and every wait is a
// poll() that also watches the stop pipe, so the destructor can always join every thread.
#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace synclog::test {
namespace {

// A head larger than this is not something the proxy can frame: it relays the connection
// blindly instead (the server's own header limit is far smaller, so its 431 still gets through).
constexpr std::size_t kMaxHead = 1 << 20;
constexpr std::size_t kMaxChunkSizeLine = 4096;
constexpr std::size_t kReadSize = 64 * 1024;
// A peer that reads nothing for this long is given up on, so a stuck client cannot pin a thread
// until the proxy is destroyed.
constexpr int kSendTimeoutMs = 30'000;
constexpr int kConnectTimeoutMs = 5'000;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

void set_nodelay(int fd) {
  // Requests and responses are written in pieces; without this, delayed ACKs add ~40 ms.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 framing (RFC 9112), only as much as finding where each message ends needs.

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f` with each trimmed, non-empty element of a comma-separated list.
template <class F>
void for_each_token(std::string_view list, F f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

struct Head {
  std::string_view start_line;
  std::vector<std::pair<std::string_view, std::string_view>> fields;

  bool lists(std::string_view name, std::string_view token) const {
    bool found = false;
    for (const auto& [k, v] : fields) {
      if (!iequals(k, name)) continue;
      for_each_token(v, [&](std::string_view t) { found = found || iequals(t, token); });
    }
    return found;
  }
};

// Splits a head (everything before the blank line) into its start line and fields.
std::optional<Head> split_head(std::string_view text) {
  Head h;
  auto line_end = text.find("\r\n");
  h.start_line = text.substr(0, line_end);
  while (line_end != std::string_view::npos) {
    text.remove_prefix(line_end + 2);
    line_end = text.find("\r\n");
    const auto line = text.substr(0, line_end);
    const auto colon = line.find(':');
    // Obsolete line folding (a line starting with whitespace) and names with whitespace are
    // malformed; the proxy relays such connections blindly rather than guess.
    if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    const auto name = line.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    h.fields.emplace_back(name, trim(line.substr(colon + 1)));
  }
  return h;
}

enum class BodyKind { kNone, kLength, kChunked, kUntilClose };
struct Framing {
  BodyKind kind = BodyKind::kNone;
  std::size_t length = 0;
};

// RFC 9112 section 6.3: Transfer-Encoding wins over Content-Length; a request with neither has
// no body, a response with neither runs until the connection closes.
std::optional<Framing> body_framing(const Head& h, bool is_request) {
  bool has_te = false;
  std::string_view last_coding;
  std::optional<std::size_t> length;
  for (const auto& [k, v] : h.fields) {
    if (iequals(k, "transfer-encoding")) {
      has_te = true;
      for_each_token(v, [&](std::string_view t) { last_coding = t; });
    } else if (iequals(k, "content-length")) {
      bool ok = true;
      for_each_token(v, [&](std::string_view t) {
        if (t.size() > 18 || !std::all_of(t.begin(), t.end(), [](char c) {
              return std::isdigit(static_cast<unsigned char>(c)) != 0;
            })) {
          ok = false;
          return;
        }
        const auto n = static_cast<std::size_t>(std::stoull(std::string(t)));
        if (length && *length != n) ok = false;
        length = n;
      });
      if (!ok) return std::nullopt;
    }
  }
  if (has_te) {
    if (iequals(last_coding, "chunked")) return Framing{BodyKind::kChunked, 0};
    if (is_request) return std::nullopt;
    return Framing{BodyKind::kUntilClose, 0};
  }
  if (length) return Framing{BodyKind::kLength, *length};
  return Framing{is_request ? BodyKind::kNone : BodyKind::kUntilClose, 0};
}

struct RequestHead {
  std::string method;
  std::string target;
  bool close = false;  // the client asked for the connection to end after this exchange
  bool expect_continue = false;
  Framing framing;
};

std::optional<RequestHead> parse_request_head(std::string_view text) {
  auto h = split_head(text);
  if (!h) return std::nullopt;
  const auto sp1 = h->start_line.find(' ');
  const auto sp2 = h->start_line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp1 == 0 ||
      sp2 == sp1 + 1) {
    return std::nullopt;
  }
  const auto version = h->start_line.substr(sp2 + 1);
  if (version.rfind("HTTP/1.", 0) != 0) return std::nullopt;
  auto framing = body_framing(*h, /*is_request=*/true);
  if (!framing) return std::nullopt;
  RequestHead r;
  r.method = std::string(h->start_line.substr(0, sp1));
  r.target = std::string(h->start_line.substr(sp1 + 1, sp2 - sp1 - 1));
  r.close = h->lists("connection", "close") ||
            (version == "HTTP/1.0" && !h->lists("connection", "keep-alive"));
  r.expect_continue = h->lists("expect", "100-continue");
  r.framing = *framing;
  return r;
}

struct ResponseHead {
  int status = 0;
  bool close = false;
  Framing framing;
};

std::optional<ResponseHead> parse_response_head(std::string_view text, bool head_request) {
  auto h = split_head(text);
  if (!h) return std::nullopt;
  const auto line = h->start_line;
  if (line.size() < 12 || line.rfind("HTTP/1.", 0) != 0 || line[8] != ' ' ||
      (line.size() > 12 && line[12] != ' ')) {
    return std::nullopt;
  }
  const auto digits = line.substr(9, 3);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  ResponseHead r;
  r.status = std::stoi(std::string(digits));
  r.close = h->lists("connection", "close") ||
            (line.substr(0, 8) == "HTTP/1.0" && !h->lists("connection", "keep-alive"));
  // RFC 9112 section 6.3: these never have a body, whatever their headers say.
  if (head_request || r.status < 200 || r.status == 204 || r.status == 304) {
    r.framing = Framing{BodyKind::kNone, 0};
    return r;
  }
  auto framing = body_framing(*h, /*is_request=*/false);
  if (!framing) return std::nullopt;
  r.framing = *framing;
  return r;
}

enum class Scan { kNeedMore, kDone, kError };

// Finds the end of a chunked body as its bytes arrive, without rescanning what it has passed.
class ChunkedScanner {
 public:
  explicit ChunkedScanner(std::size_t body_start) : pos_(body_start) {}

  // `buf` holds the whole message so far, from its first byte.
  Scan scan(std::string_view buf) {
    for (;;) {
      switch (state_) {
        case State::kSizeLine: {
          const auto eol = buf.find("\r\n", pos_);
          if (eol == std::string_view::npos) {
            return buf.size() - pos_ > kMaxChunkSizeLine ? Scan::kError : Scan::kNeedMore;
          }
          auto size_text = buf.substr(pos_, eol - pos_);
          size_text = trim(size_text.substr(0, size_text.find(';')));  // drop extensions
          if (size_text.empty() || size_text.size() > 12) return Scan::kError;
          std::size_t size = 0;
          for (char c : size_text) {
            if (!std::isxdigit(static_cast<unsigned char>(c))) return Scan::kError;
            const int digit = std::isdigit(static_cast<unsigned char>(c))
                                  ? c - '0'
                                  : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
            size = size * 16 + static_cast<std::size_t>(digit);
          }
          pos_ = eol + 2;
          remaining_ = size;
          state_ = size == 0 ? State::kTrailer : State::kData;
          break;
        }
        case State::kData: {
          const std::size_t available = std::min(remaining_, buf.size() - pos_);
          pos_ += available;
          remaining_ -= available;
          if (remaining_ > 0) return Scan::kNeedMore;
          state_ = State::kDataEnd;
          break;
        }
        case State::kDataEnd:
          if (buf.size() - pos_ < 2) return Scan::kNeedMore;
          if (buf.substr(pos_, 2) != "\r\n") return Scan::kError;
          pos_ += 2;
          state_ = State::kSizeLine;
          break;
        case State::kTrailer: {
          const auto eol = buf.find("\r\n", pos_);
          if (eol == std::string_view::npos) {
            return buf.size() - pos_ > kMaxHead ? Scan::kError : Scan::kNeedMore;
          }
          const bool blank = eol == pos_;
          pos_ = eol + 2;
          if (blank) return Scan::kDone;
          break;
        }
      }
    }
  }

  std::size_t end() const { return pos_; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailer };
  State state_ = State::kSizeLine;
  std::size_t pos_;
  std::size_t remaining_ = 0;
};

// Where one message ends, as its bytes arrive.
class BodyTracker {
 public:
  BodyTracker(Framing framing, std::size_t body_start)
      : framing_(framing), body_start_(body_start), chunks_(body_start) {}

  Scan update(std::string_view buf) {
    switch (framing_.kind) {
      case BodyKind::kNone:
        end_ = body_start_;
        return Scan::kDone;
      case BodyKind::kLength:
        end_ = body_start_ + framing_.length;
        return buf.size() >= end_ ? Scan::kDone : Scan::kNeedMore;
      case BodyKind::kChunked: {
        const Scan s = chunks_.scan(buf);
        end_ = chunks_.end();
        return s;
      }
      case BodyKind::kUntilClose:
        return Scan::kNeedMore;
    }
    return Scan::kError;
  }

  bool until_close() const { return framing_.kind == BodyKind::kUntilClose; }
  std::size_t end() const { return end_; }  // once update() said kDone

 private:
  Framing framing_;
  std::size_t body_start_;
  ChunkedScanner chunks_;
  std::size_t end_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// One client connection and the upstream connection behind it.

class FaultProxy::Connection {
 public:
  Connection(FaultProxy& proxy, int client_fd)
      : proxy_(proxy), stop_fd_(proxy.stop_pipe_[0]), client_(client_fd) {}

  void run() {
    while (serve_one_exchange()) {
    }
    // Both sockets close here. Close the client's first so that it sees the end of the
    // connection even while the upstream connection lingers in TIME_WAIT.
    client_.reset();
    upstream_.reset();
  }

 private:
  enum class Io { kData, kClosed, kStopped, kAgain };
  enum class Event { kClientData, kClientClosed, kUpstreamData, kUpstreamClosed, kStopped };

  // Reads what is available on `fd` into `buf`.
  static Io receive(int fd, std::string& buf) {
    char tmp[kReadSize];
    for (;;) {
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf.append(tmp, static_cast<std::size_t>(n));
        return Io::kData;
      }
      if (n == 0) return Io::kClosed;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kAgain;
      return Io::kClosed;  // a reset is, to the proxy, just another way for a peer to leave
    }
  }

  // Polls `fd` for `events` and the stop pipe; false when stopping, on timeout or error.
  bool wait(int fd, short events, int timeout_ms) const {
    for (;;) {
      pollfd p[2] = {{fd, events, 0}, {stop_fd_, POLLIN, 0}};
      const int n = ::poll(p, 2, timeout_ms);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || p[1].revents != 0) return false;
      return true;
    }
  }

  // Waits `duration` unless the proxy stops first (then false): the stop pipe doubles as an
  // interruptible sleep.
  bool sleep(std::chrono::milliseconds duration) const {
    const auto until = std::chrono::steady_clock::now() + duration;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      pollfd p{stop_fd_, POLLIN, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
      if (n > 0) return false;
    }
  }

  // Sends all of `data`; false if the peer went away, stalled, or the proxy is stopping.
  bool send_all(int fd, std::string_view data) const {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait(fd, POLLOUT, kSendTimeoutMs)) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  // Waits for the next thing to happen on either socket (the upstream one only if open).
  Event next_event() {
    for (;;) {
      pollfd p[3] = {{stop_fd_, POLLIN, 0}, {client_.get(), POLLIN, 0}, {-1, 0, 0}};
      nfds_t count = 2;
      if (upstream_.valid()) p[count++] = {upstream_.get(), POLLIN, 0};
      if (::poll(p, count, -1) < 0) {
        if (errno == EINTR) continue;
        return Event::kStopped;
      }
      if (p[0].revents != 0) return Event::kStopped;
      // The upstream first: if the server closed the connection, the client must see it closed
      // too, exactly as it would without the proxy.
      if (count == 3 && p[2].revents != 0) {
        switch (receive(upstream_.get(), upstream_buf_)) {
          case Io::kData:
            return Event::kUpstreamData;
          case Io::kClosed:
            return Event::kUpstreamClosed;
          case Io::kStopped:
            return Event::kStopped;
          case Io::kAgain:
            break;
        }
      }
      if (p[1].revents != 0) {
        switch (receive(client_.get(), client_buf_)) {
          case Io::kData:
            return Event::kClientData;
          case Io::kClosed:
            return Event::kClientClosed;
          case Io::kStopped:
            return Event::kStopped;
          case Io::kAgain:
            break;
        }
      }
    }
  }

  // Reads more of the upstream's bytes (nothing else matters while a response is awaited).
  Io read_upstream() {
    for (;;) {
      if (!wait(upstream_.get(), POLLIN, -1)) return Io::kStopped;
      const Io r = receive(upstream_.get(), upstream_buf_);
      if (r != Io::kAgain) return r;
    }
  }

  bool connect_upstream() {
    const auto [host, port] = proxy_.upstream();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
      return false;
    }
    for (addrinfo* a = found; a != nullptr && !upstream_.valid(); a = a->ai_next) {
      // CLOEXEC matters: the test forks servers while the proxy runs, and a child holding a
      // copy of a socket would keep it open after the proxy closed it.
      Fd fd(::socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
      if (!fd.valid()) continue;
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
        if (errno != EINPROGRESS || !wait(fd.get(), POLLOUT, kConnectTimeoutMs)) continue;
        int error = 0;
        socklen_t len = sizeof error;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
          continue;
        }
      }
      set_nodelay(fd.get());
      upstream_ = std::move(fd);
    }
    ::freeaddrinfo(found);
    return upstream_.valid();
  }

  // Relays bytes both ways, unframed, until either side closes. For what the proxy cannot
  // parse: the server's answer to it still reaches the client, but no fault applies.
  void tunnel() {
    proxy_.count([](FaultProxyStats& s) { ++s.tunnelled_connections; });
    if (!upstream_.valid() && !connect_upstream()) return;
    if (!send_all(upstream_.get(), client_buf_) || !send_all(client_.get(), upstream_buf_)) return;
    client_buf_.clear();
    upstream_buf_.clear();
    for (;;) {
      switch (next_event()) {
        case Event::kClientData:
          if (!send_all(upstream_.get(), client_buf_)) return;
          client_buf_.clear();
          break;
        case Event::kUpstreamData:
          if (!send_all(client_.get(), upstream_buf_)) return;
          upstream_buf_.clear();
          break;
        default:
          return;
      }
    }
  }

  // Takes the first complete interim (1xx) response off upstream_buf_ and relays it; true if it
  // did. Interim responses are not the exchange's answer, so no fault applies to them.
  bool relay_interim_response(bool* final_head_seen) {
    const auto end = upstream_buf_.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    auto head = parse_response_head(std::string_view(upstream_buf_).substr(0, end), false);
    if (!head || head->status >= 200 || head->status == 101) {
      *final_head_seen = true;
      return false;
    }
    send_all(client_.get(), std::string_view(upstream_buf_).substr(0, end + 4));
    upstream_buf_.erase(0, end + 4);
    return true;
  }

  // One request and its response, with the fault chosen for it. False when the connection
  // should end (the client or the server left, a fault closed it, or the proxy is stopping).
  bool serve_one_exchange() {
    // The request's head.
    std::size_t head_end = 0;
    for (;;) {
      const auto blank = client_buf_.find("\r\n\r\n");
      if (blank != std::string::npos) {
        head_end = blank + 4;
        break;
      }
      if (client_buf_.size() > kMaxHead) {
        tunnel();
        return false;
      }
      switch (next_event()) {
        case Event::kClientData:
          break;
        case Event::kUpstreamData:  // the server spoke unasked (a 408, say): relay as is
          tunnel();
          return false;
        default:
          return false;
      }
    }
    auto request = parse_request_head(std::string_view(client_buf_).substr(0, head_end - 4));
    if (!request) {
      tunnel();
      return false;
    }
    const Fault fault = proxy_.choose_fault(request->method, request->target);
    proxy_.count([](FaultProxyStats& s) { ++s.exchanges_started; });
    ExchangeRecord record{request->method, request->target, 0, fault.kind, false};
    BodyTracker request_body(request->framing, head_end);

    if (fault.kind == Fault::Kind::kDropRequest) {
      return drop_request(*request, request_body, std::move(record));
    }

    if (!upstream_.valid() && !connect_upstream()) {
      record.upstream_failed = true;
      proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.upstream_failures; });
      return false;
    }

    // Forward the request as it arrives, so that a client waiting for 100 Continue gets it.
    bool keep_alive = !request->close;
    bool forwarded_whole = false;
    std::size_t sent = 0;
    for (bool final_head_seen = false; !final_head_seen && !forwarded_whole;) {
      const Scan scan = request_body.update(client_buf_);
      if (scan == Scan::kError) {
        finish_without_response(std::move(record), sent);
        tunnel();
        return false;
      }
      const std::size_t end = scan == Scan::kDone ? request_body.end() : client_buf_.size();
      if (end > sent) {
        if (!send_all(upstream_.get(), std::string_view(client_buf_).substr(sent, end - sent))) {
          return upstream_failed(std::move(record), fault);
        }
        sent = end;
      }
      forwarded_whole = scan == Scan::kDone;
      if (forwarded_whole) break;
      switch (next_event()) {
        case Event::kClientData:
          break;
        case Event::kUpstreamData:
          while (relay_interim_response(&final_head_seen)) {
          }
          // A final answer before the whole body (a 413, a 401): the rest of the body would be
          // read as the next request, so this exchange ends the connection.
          if (final_head_seen) keep_alive = false;
          break;
        case Event::kUpstreamClosed:
          return upstream_failed(std::move(record), fault);
        case Event::kClientClosed:
        case Event::kStopped:
          finish_without_response(std::move(record), sent);
          return false;
      }
    }
    client_buf_.erase(0, sent);
    if (forwarded_whole) proxy_.count([](FaultProxyStats& s) { ++s.requests_forwarded; });
    return respond(*request, fault, std::move(record), keep_alive);
  }

  bool drop_request(const RequestHead& request, BodyTracker& body, ExchangeRecord record) {
    Scan scan = body.update(client_buf_);
    // The client would otherwise wait for the server's go-ahead before sending the body the
    // fault is meant to swallow.
    if (scan == Scan::kNeedMore && request.expect_continue) {
      send_all(client_.get(), "HTTP/1.1 100 Continue\r\n\r\n");
    }
    while (scan == Scan::kNeedMore) {
      if (!wait(client_.get(), POLLIN, -1)) break;
      const Io r = receive(client_.get(), client_buf_);
      if (r == Io::kClosed) break;
      scan = body.update(client_buf_);
    }
    proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.requests_dropped; });
    return false;
  }

  // Reads the exchange's response, then does with it what the fault says.
  bool respond(const RequestHead& request, const Fault& fault, ExchangeRecord record,
               bool keep_alive) {
    const bool head_request = request.method == "HEAD";
    std::optional<ResponseHead> response;
    std::size_t head_end = 0;
    while (!response) {
      const auto blank = upstream_buf_.find("\r\n\r\n");
      if (blank == std::string::npos) {
        if (upstream_buf_.size() > kMaxHead) {
          finish_without_response(std::move(record), 0);
          tunnel();
          return false;
        }
        const Io r = read_upstream();
        if (r == Io::kStopped) return false;
        if (r == Io::kClosed) return upstream_failed(std::move(record), fault);
        continue;
      }
      head_end = blank + 4;
      response =
          parse_response_head(std::string_view(upstream_buf_).substr(0, blank), head_request);
      if (!response) {
        finish_without_response(std::move(record), 0);
        tunnel();
        return false;
      }
      if (response->status >= 100 && response->status < 200 && response->status != 101) {
        send_all(client_.get(), std::string_view(upstream_buf_).substr(0, head_end));
        upstream_buf_.erase(0, head_end);
        response.reset();
      }
    }
    record.status = response->status;
    if (response->status == 101) {  // a protocol switch: nothing more to frame
      proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.exchanges_forwarded; });
      tunnel();
      return false;
    }

    BodyTracker body(response->framing, head_end);
    for (;;) {
      const Scan scan = body.update(upstream_buf_);
      if (scan == Scan::kDone) break;
      if (scan == Scan::kError) {
        finish_without_response(std::move(record), 0);
        tunnel();
        return false;
      }
      const Io r = read_upstream();
      if (r == Io::kStopped) return false;
      if (r == Io::kClosed) {
        if (body.until_close()) break;  // the close is the body's end
        return upstream_failed(std::move(record), fault);
      }
    }
    const std::size_t end = body.until_close() ? upstream_buf_.size() : body.end();
    const std::string message = upstream_buf_.substr(0, end);
    upstream_buf_.erase(0, end);
    keep_alive = keep_alive && !response->close && !body.until_close();

    switch (fault.kind) {
      case Fault::Kind::kPass:
        proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.exchanges_forwarded; });
        return send_all(client_.get(), message) && keep_alive;
      case Fault::Kind::kDelayResponse:
        if (!sleep(fault.delay)) return false;
        proxy_.complete(std::move(record), [](FaultProxyStats& s) {
          ++s.exchanges_forwarded;
          ++s.responses_delayed;
        });
        return send_all(client_.get(), message) && keep_alive;
      case Fault::Kind::kDropResponse:
        proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.responses_dropped; });
        return false;
      case Fault::Kind::kCutResponse:
        proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.responses_cut; });
        send_all(client_.get(), std::string_view(message).substr(0, fault.cut_at));
        return false;
      case Fault::Kind::kDropRequest:  // handled before anything was forwarded
        break;
    }
    return false;
  }

  // The upstream left mid-exchange: the client gets what the fault would have let through of the
  // response's bytes received so far, then a closed connection, as it would from a dying server.
  bool upstream_failed(ExchangeRecord record, const Fault& fault) {
    record.upstream_failed = true;
    proxy_.complete(std::move(record), [](FaultProxyStats& s) { ++s.upstream_failures; });
    std::size_t pass = 0;
    if (fault.kind == Fault::Kind::kPass || fault.kind == Fault::Kind::kDelayResponse) {
      pass = upstream_buf_.size();
    } else if (fault.kind == Fault::Kind::kCutResponse) {
      pass = std::min(upstream_buf_.size(), fault.cut_at);
    }
    send_all(client_.get(), std::string_view(upstream_buf_).substr(0, pass));
    return false;
  }

  // Ends an exchange that has no response to act on, keeping the counters balanced.
  void finish_without_response(ExchangeRecord record, std::size_t forwarded) {
    client_buf_.erase(0, forwarded);
    proxy_.complete(std::move(record), [](FaultProxyStats&) {});
  }

  FaultProxy& proxy_;
  const int stop_fd_;
  Fd client_;
  Fd upstream_;
  std::string client_buf_;    // received from the client, not yet forwarded
  std::string upstream_buf_;  // received from the upstream, not yet passed on
};

// ---------------------------------------------------------------------------------------------

FaultProxy::FaultProxy(std::string upstream_host, std::uint16_t upstream_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port) {
  if (::pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(std::string("fault proxy: pipe2: ") + std::strerror(errno));
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1: " + error);
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  const char byte = 1;
  // The read end is never drained, so every poll() from now on sees it readable.
  while (::write(stop_pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  acceptor_.join();
  reap_workers(/*all=*/true);
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

void FaultProxy::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      // Out of descriptors: back off instead of spinning on a listen socket that stays ready.
      if (errno == EMFILE || errno == ENFILE) {
        pollfd stop{stop_pipe_[0], POLLIN, 0};
        ::poll(&stop, 1, 50);
      }
      continue;
    }
    set_nodelay(fd);
    reap_workers(/*all=*/false);
    std::lock_guard lock(mutex_);
    ++stats_.connections_accepted;
    Worker& worker = workers_.emplace_back();
    // The lock is held until `worker.thread` is assigned, and the thread takes it before
    // marking itself done, so the reaper never joins a thread object still being assigned.
    try {
      worker.thread = std::thread([this, &worker, fd] {
        try {
          Connection(*this, fd).run();
        } catch (...) {
          // A throwing matcher or an allocation failure ends this connection, not the test
          // process; the client sees its connection closed.
        }
        std::lock_guard done_lock(mutex_);
        worker.done = true;
      });
    } catch (const std::system_error&) {  // no thread to be had: refuse this connection
      ::close(fd);
      workers_.pop_back();
    }
  }
}

void FaultProxy::reap_workers(bool all) {
  std::list<Worker> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      auto next = std::next(it);
      if (all || it->done) finished.splice(finished.end(), workers_, it);
      it = next;
    }
  }
  for (auto& w : finished) w.thread.join();
}

void FaultProxy::set_upstream(std::string host, std::uint16_t port) {
  std::lock_guard lock(mutex_);
  upstream_host_ = std::move(host);
  upstream_port_ = port;
}

std::pair<std::string, std::uint16_t> FaultProxy::upstream() const {
  std::lock_guard lock(mutex_);
  return {upstream_host_, upstream_port_};
}

void FaultProxy::fault_next(Fault fault, std::size_t count) {
  if (count == 0) return;
  std::lock_guard lock(mutex_);
  rules_.push_back(Rule{Matcher(), fault, count});
}

void FaultProxy::fault_matching(Matcher matches, Fault fault, std::size_t count) {
  if (count == 0) return;
  std::lock_guard lock(mutex_);
  rules_.push_back(Rule{std::move(matches), fault, count});
}

void FaultProxy::clear_faults() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

FaultProxy::Matcher FaultProxy::request_is(std::string method, std::string target_prefix) {
  return [method = std::move(method), prefix = std::move(target_prefix)](std::string_view m,
                                                                         std::string_view target) {
    return m == method && target.substr(0, prefix.size()) == prefix;
  };
}

Fault FaultProxy::choose_fault(std::string_view method, std::string_view target) {
  std::lock_guard lock(mutex_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->matches && !it->matches(method, target)) continue;
    const Fault fault = it->fault;
    if (it->remaining != kUnlimited && --it->remaining == 0) rules_.erase(it);
    return fault;
  }
  return Fault::pass();
}

void FaultProxy::count(const std::function<void(FaultProxyStats&)>& update) {
  std::lock_guard lock(mutex_);
  update(stats_);
}

void FaultProxy::complete(ExchangeRecord record,
                          const std::function<void(FaultProxyStats&)>& update) {
  {
    std::lock_guard lock(mutex_);
    update(stats_);
    ++stats_.exchanges_completed;
    log_.push_back(std::move(record));
  }
  changed_.notify_all();
}

FaultProxyStats FaultProxy::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<ExchangeRecord> FaultProxy::exchanges() const {
  std::lock_guard lock(mutex_);
  return log_;
}

bool FaultProxy::wait_for_exchanges(std::uint64_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return stats_.exchanges_completed >= count; });
}

}  // namespace synclog::test
