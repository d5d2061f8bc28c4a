// Beast sessions. Each connection is a coroutine on its own strand. Deadlines are timers that
// cancel the socket's pending operation without closing it, so a request that is too slow can
// still be answered 408 before the connection closes. A response with an EventStream is written
// as a chunked body that lasts until the client leaves, a write fails, or the server drains.
// A connection closed while the client may still be sending lingers (ServerOptions::linger_time)
// so that the client reads the answer instead of a reset.
#include "http/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "common/thread_name.hpp"
#include "http/envelope.hpp"
#include "http/event_stream.hpp"
#include "http/request_log.hpp"

namespace synclog::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr auto kAsTuple = asio::as_tuple(use_awaitable);

// While a connection lingers, a client silent this long has stopped sending (or never will):
// it is closed without waiting for the rest of the linger time (nginx's lingering_timeout).
constexpr std::chrono::milliseconds kLingerQuiet{5'000};

// The least time a stream's data may stay unacknowledged before the kernel gives up on the
// client: below a few retransmissions, one lost segment on a slow mobile link would end a
// healthy stream (a test's 200 ms heartbeat would ask for 400 ms).
constexpr std::chrono::milliseconds kMinStreamUserTimeout{10'000};

// A client that vanished without FIN or RST (a phone that changed networks) is not found by
// writing a heartbeat: the write is taken into the kernel's send buffer and completes, and the
// socket only fails when retransmission gives up, about 15 minutes later, holding one of the
// user's --events-per-user slots meanwhile. TCP_USER_TIMEOUT fails it once data has stayed
// unacknowledged for about two heartbeats (still within the SDK's idle timeout of 2.5), and
// keepalive does the same for a stream with nothing in flight. Linux only; elsewhere the stream
// is held until the kernel's own limits, as before. Best effort: a refused option is not an
// error. Behind a proxy the peer is the proxy, which acknowledges for the client: there only
// the per-user cap's eviction of the oldest stream helps (see get_events).
void fail_streams_to_vanished_clients(tcp::socket& socket, std::chrono::milliseconds heartbeat) {
  beast::error_code ignored;
  socket.set_option(asio::socket_base::keep_alive(true), ignored);
#if defined(__linux__)
  const auto limit = std::max(2 * heartbeat, kMinStreamUserTimeout);
  const auto seconds = [](std::chrono::milliseconds d) {
    const auto s = std::chrono::ceil<std::chrono::seconds>(d).count();
    return static_cast<int>(std::max<std::int64_t>(1, s));
  };
  const int fd = socket.native_handle();
  const unsigned user_timeout = static_cast<unsigned>(limit.count());
  const int idle = seconds(limit / 2), interval = seconds(limit / 6), probes = 3;
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
#else
  (void)heartbeat;
#endif
}

// Hands a request to the application and resumes the session when it answers, on the session's
// executor. The tracked executor keeps io_context::run() from returning meanwhile.
template <class Token>
auto async_handle(RequestHandler& handler, HttpRequest request, Token&& token) {
  return asio::async_initiate<Token, void(HttpResponse)>(
      [&handler](auto completion, HttpRequest req) {
        using Completion = decltype(completion);
        auto shared = std::make_shared<Completion>(std::move(completion));
        auto ex = asio::prefer(asio::get_associated_executor(*shared),
                               asio::execution::outstanding_work.tracked);
        handler.handle(
            std::move(req),
            [shared, ex](HttpResponse resp) mutable {
              asio::post(ex, [shared, resp = std::move(resp)]() mutable { (*shared)(std::move(resp)); });
            },
            [ex](std::function<void()> fn) { asio::post(ex, std::move(fn)); });
      },
      token, std::move(request));
}

}  // namespace

// Per-connection state shared by the session coroutine and its deadline timer.
struct Session {
  explicit Session(tcp::socket s)
      : stream(std::move(s)), deadline(stream.get_executor()), wakeup(stream.get_executor()) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  asio::steady_timer deadline;
  bool deadline_fired = false;
  bool idle = true;  // waiting for a request's first byte; touched on the strand only

  // While an event stream is written (touched on the strand only). The stream's coroutine
  // sleeps on `wakeup` until the heartbeat is due; cancelling it wakes the coroutine early.
  asio::steady_timer wakeup;
  bool streaming = false;
  bool writing = false;       // a chunk is being written
  bool peer_gone = false;     // the client closed its side (or the socket failed)
  bool stop_stream = false;   // the server is draining
  unsigned stream_version = 11;  // the HTTP version of the request that asked for the stream
  std::array<char, 16> scratch{};  // what watch_peer reads and drops
  void wake() { wakeup.cancel(); }
  // Ends the stream soon: at once when it waits, by cancelling a write in progress otherwise.
  void end_stream() {
    stop_stream = true;
    wake();
    if (writing) {
      beast::error_code ignored;
      stream.socket().cancel(ignored);
    }
  }

  // Arms the deadline: when it fires, the pending socket operation is cancelled. A handler
  // that was already queued when its deadline was disarmed or re-armed belongs to an older
  // generation and does nothing (it must not cancel the next operation).
  void arm(std::chrono::milliseconds d, const std::shared_ptr<Session>& self) {
    deadline_fired = false;
    const std::uint64_t armed = ++generation;
    deadline.expires_after(d);
    deadline.async_wait([self, armed](beast::error_code ec) {
      if (ec || armed != self->generation) return;
      self->deadline_fired = true;
      beast::error_code ignored;
      self->stream.socket().cancel(ignored);
    });
  }
  void disarm() {
    ++generation;
    deadline.cancel();
  }
  std::uint64_t generation = 0;  // touched on the strand only
};

struct Server::Impl {
  ServerOptions options;
  RequestHandler& handler;
  Registry& metrics;
  Logger& log;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> active{0};
  std::mutex sessions_mu;
  std::list<std::weak_ptr<Session>> sessions;  // guarded by sessions_mu
  Gauge& connections_gauge;
  Counter& rejected_connections;

  Impl(ServerOptions o, RequestHandler& h, Registry& m, Logger& l)
      : options(std::move(o)),
        handler(h),
        metrics(m),
        log(l),
        ioc(options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
        connections_gauge(m.gauge("synclog_http_connections", "Open HTTP connections")),
        rejected_connections(m.counter("synclog_http_rejected_connections_total",
                                       "Connections refused because the connection cap was reached")) {}

  // What is known of a request the transport refuses before the application sees it.
  struct Refused {
    std::string remote;
    std::string method;  // empty when the header never arrived whole
    std::string target;
    unsigned version = 11;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  };

  // Counts and logs a refusal like any other request, and gives it a request id.
  std::string record_refusal(const Refused& r, int status, std::string_view what,
                             std::size_t bytes_out) {
    std::string request_id = new_resource_id();
    RequestRecord record;
    record.request_id = request_id;
    record.method = r.method;
    record.path = r.target;
    record.route = "transport";
    record.remote = r.remote;
    record.error = what;
    record.status = status;
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
    record.bytes_out = static_cast<std::int64_t>(bytes_out);
    record_request(metrics, log, record);
    return request_id;
  }

  static bhttp::response<bhttp::string_body> error_message(const Error& e, unsigned version) {
    HttpResponse r = error_response(e);
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "synclog");
    res.set(bhttp::field::content_type, r.content_type);
    res.keep_alive(false);
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
  }

  awaitable<void> write_error_and_close(std::shared_ptr<Session> s, const Refused& refused, const Error& e) {
    auto res = error_message(e, refused.version);
    res.set("X-Request-Id", record_refusal(refused, http_status(e.code), e.message, res.body().size()));
    s->arm(std::chrono::milliseconds(5000), s);
    co_await bhttp::async_write(s->stream, res, kAsTuple);
    s->disarm();
    co_await linger_close(s, options.linger_time);
  }

  // Ends a connection on which the client may still be sending: a refused body, a request
  // answered before its body was read, bytes pipelined after a last response. Closing with
  // unread bytes would send a reset, and a client that writes its whole body before reading
  // (as many mobile HTTP stacks do) would then lose the answer and take it for a network
  // failure. So the sending side is shut (the client sees the answer end), and what still
  // arrives is read and dropped until the client closes, stays quiet for kLingerQuiet, or the
  // linger time (`limit`) or byte budget runs out. A drain ends it at once, as for an idle
  // connection.
  awaitable<void> linger_close(std::shared_ptr<Session> s, std::chrono::milliseconds limit) {
    beast::error_code ignored;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::size_t dropped = s->buffer.size();
    s->buffer.consume(s->buffer.size());
    const auto until = std::chrono::steady_clock::now() + limit;
    std::array<char, 16384> sink;
    s->idle = true;
    while (dropped < options.linger_max_bytes && !draining.load()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      s->arm(std::min(kLingerQuiet, left), s);
      auto [ec, n] = co_await s->stream.async_read_some(asio::buffer(sink), kAsTuple);
      s->disarm();
      if (ec) break;  // the client closed, went quiet, or the connection failed
      dropped += n;
    }
    s->stream.socket().close(ignored);
  }

  // A response for the wire; `keep_alive` false says Connection: close.
  static bhttp::response<bhttp::string_body> to_wire(HttpResponse& resp, unsigned version,
                                                     bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(resp.status), version};
    res.set(bhttp::field::server, "synclog");
    res.set(bhttp::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers) res.insert(name, value);
    res.keep_alive(keep_alive);
    res.body() = std::move(resp.body);
    res.prepare_payload();
    return res;
  }

  // The request line and header fields of `req` (no body).
  static HttpRequest head_of(const bhttp::request<bhttp::string_body>& req, const std::string& remote,
                             bool& target_ok) {
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    target_ok = parse_target(r.target, r.path, r.query);
    r.headers.reserve(16);
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    r.remote = remote;
    return r;
  }

  static HttpRequest to_request(bhttp::request<bhttp::string_body>& req, const std::string& remote,
                                bool& target_ok) {
    HttpRequest r = head_of(req, remote, target_ok);
    r.body = std::move(req.body());
    return r;
  }

  // Watches the connection of an event stream for the client closing it (an SSE client sends
  // nothing after its request; whatever it does send is read and dropped). A plain completion
  // handler, not a coroutine: an idle stream should cost little.
  static void watch_peer(std::shared_ptr<Session> s) {
    auto& scratch = s->scratch;
    s->stream.async_read_some(asio::buffer(scratch), [s = std::move(s)](beast::error_code ec, std::size_t) {
      if (!ec) return watch_peer(s);
      s->peer_gone = true;
      s->wake();
    });
  }

  // Writes `text` as one chunk (or, for an HTTP/1.0 client, as plain body bytes) within the
  // write timeout. Returns why the stream must end, or nothing.
  awaitable<std::optional<std::string_view>> write_stream_text(const std::shared_ptr<Session>& s,
                                                               const std::string& text,
                                                               bool chunked,
                                                               std::int64_t& bytes_out) {
    s->writing = true;
    s->arm(options.write_timeout, s);
    beast::error_code ec;
    std::size_t n = 0;
    if (chunked) {
      std::tie(ec, n) = co_await asio::async_write(s->stream, bhttp::make_chunk(asio::buffer(text)), kAsTuple);
    } else {
      std::tie(ec, n) = co_await asio::async_write(s->stream, asio::buffer(text), kAsTuple);
    }
    const bool timed_out = s->deadline_fired;
    s->disarm();
    s->writing = false;
    bytes_out += static_cast<std::int64_t>(n);
    if (!ec) co_return std::nullopt;
    if (timed_out) co_return "write_timeout";
    if (s->stop_stream) co_return "draining";
    co_return "write_failed";
  }

  // Writes the header of a stream's response (chunked from HTTP/1.1 on, else ended by the
  // close) within the write timeout; on failure sets `why`. Its own coroutine, so that the
  // stream's frame does not keep the header's objects.
  awaitable<beast::error_code> write_stream_header(const std::shared_ptr<Session>& s, HttpResponse resp,
                                                   unsigned version, std::string_view& why) {
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(resp.status), version};
    res.set(bhttp::field::server, "synclog");
    res.set(bhttp::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers) res.insert(name, value);
    res.keep_alive(false);  // the connection ends with the stream
    if (version >= 11) res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr(res);
    s->writing = true;
    s->arm(options.write_timeout, s);
    auto [ec, n] = co_await bhttp::async_write_header(s->stream, sr, kAsTuple);
    (void)n;  // bytes_out counts the body, as for other responses
    const bool timed_out = s->deadline_fired;
    s->disarm();
    s->writing = false;
    if (ec) why = timed_out ? "write_timeout" : "write_failed";
    co_return ec;
  }

  // Serves a response whose body is an EventStream: the header, then what the stream has to
  // say, chunk by chunk, and a heartbeat after each quiet interval. The normal request and idle
  // timeouts do not apply; each write has the write timeout. Ends when the client leaves (or
  // vanishes: fail_streams_to_vanished_clients), a write fails, the server drains or the stream
  // is finished (these two with the last chunk, so the client sees a clean end and reconnects,
  // elsewhere).
  awaitable<void> serve_stream(std::shared_ptr<Session> s, HttpResponse resp, unsigned version) {
    std::shared_ptr<EventStream> events = std::move(resp.stream);
    const bool chunked = version >= 11;
    // A stream may stay open for hours: keep nothing it does not need (the request's bytes, the
    // header once written).
    s->buffer.clear();
    s->buffer.shrink_to_fit();
    s->streaming = true;
    fail_streams_to_vanished_clients(s->stream.socket(), events->heartbeat());
    std::int64_t bytes_out = 0;
    std::string_view why = "draining";
    const beast::error_code hec = co_await write_stream_header(s, std::move(resp), version, why);
    if (!hec) {
      std::weak_ptr<Session> weak = s;
      auto ex = s->stream.get_executor();
      events->start([weak, ex] {
        asio::post(ex, [weak] {
          if (auto live = weak.lock()) live->wake();
        });
      });
      watch_peer(s);
      const auto heartbeat = std::max(events->heartbeat(), std::chrono::milliseconds(1));
      auto quiet_since = std::chrono::steady_clock::now();
      bool framing_intact = true;
      bool end_cleanly = false;  // the server or the stream ends it, not the connection
      std::string text = events->take();
      for (;;) {
        if (!text.empty()) {
          if (auto failed = co_await write_stream_text(s, text, chunked, bytes_out)) {
            why = *failed;
            framing_intact = false;  // a chunk may be half written
            break;
          }
          quiet_since = std::chrono::steady_clock::now();
        }
        if (s->peer_gone) {
          why = "client_closed";
          break;
        }
        if (s->stop_stream || draining.load()) {
          why = "draining";
          end_cleanly = true;
          break;
        }
        if (const std::string_view finished = events->finished(); !finished.empty()) {
          why = finished;
          end_cleanly = true;
          break;
        }
        text = events->take();
        if (!text.empty()) continue;
        s->wakeup.expires_at(quiet_since + heartbeat);
        auto [wec] = co_await s->wakeup.async_wait(kAsTuple);
        if (!wec) text = events->heartbeat_text();  // quiet for a whole interval
      }
      if (end_cleanly && chunked && framing_intact) {
        // The last chunk ends the response cleanly; a client that does not take it within a
        // short while is simply closed.
        s->arm(std::min(options.write_timeout, std::chrono::milliseconds(2000)), s);
        auto [lec, ln] = co_await asio::async_write(s->stream, bhttp::make_chunk_last(), kAsTuple);
        s->disarm();
        if (!lec) bytes_out += static_cast<std::int64_t>(ln);
      }
    }
    s->streaming = false;
    beast::error_code ignored;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s->stream.socket().close(ignored);  // also ends watch_peer
    events->ended(bytes_out, why);
  }

  // Serves requests on the connection until it closes, or until a response is a stream: that
  // response is returned, for spawn_session to serve once this coroutine's frame is gone.
  awaitable<HttpResponse> session(std::shared_ptr<Session> s) {
    std::string remote;
    {
      beast::error_code ec;
      const auto ep = s->stream.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
      s->stream.socket().set_option(tcp::no_delay(true), ec);
    }
    for (;;) {
      // Wait for the first byte of the next request: the idle phase, closable when draining.
      s->idle = true;
      if (draining.load()) break;
      if (s->buffer.size() == 0) {
        s->arm(options.idle_timeout, s);
        auto [ec, n] = co_await s->stream.async_read_some(s->buffer.prepare(4096), kAsTuple);
        s->disarm();
        if (ec) break;  // closed, idle too long, or drained
        s->buffer.commit(n);
      }
      s->idle = false;
      const auto request_start = std::chrono::steady_clock::now();

      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);
      s->arm(options.request_timeout, s);
      auto [hec, hn] = co_await bhttp::async_read_header(s->stream, s->buffer, parser, kAsTuple);
      // Beast holds the request line and the header fields to the limit each, so a header that
      // arrives in one read could be nearly twice the limit, while one that trickles in is held
      // to it: `hn` is the whole header, held to the limit here however it came.
      if (!hec && hn > options.max_header_bytes) hec = bhttp::error::header_limit;
      if (!hec && !parser.is_done()) {
        // The body is still to come: what the header alone decides is answered now, before
        // the client is told to go on (100 Continue) and before its body is read.
        const auto& header = parser.get();
        bool head_target_ok = true;
        const HttpRequest head = head_of(header, remote, head_target_ok);
        std::optional<HttpResponse> early;
        if (head_target_ok) early = handler.answer_before_body(head);
        if (early) {
          s->disarm();
          auto res = to_wire(*early, header.version(), /*keep_alive=*/false);
          s->arm(options.write_timeout, s);
          co_await bhttp::async_write(s->stream, res, kAsTuple);
          s->disarm();
          co_await linger_close(s, options.linger_time);
          break;
        }
        const auto expect = header[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, header.version()};
          auto [cec, cn] = co_await bhttp::async_write(s->stream, cont, kAsTuple);
          (void)cn;
          if (cec) break;
        }
      }
      beast::error_code rec = hec;
      if (!rec) {
        auto [bec, bn] = co_await bhttp::async_read(s->stream, s->buffer, parser, kAsTuple);
        (void)bn;
        rec = bec;
      }
      const bool timed_out = s->deadline_fired;
      s->disarm();
      if (rec) {
        // The request line may have arrived even when the header did not finish (a body or
        // header limit is detected while the fields are read); what is there is logged.
        Refused refused{remote, std::string(parser.get().method_string()),
                        std::string(parser.get().target()), 11, request_start};
        if (parser.is_header_done()) refused.version = parser.get().version();
        if (timed_out) {
          co_await write_error_and_close(s, refused, make_error(ErrorCode::kRequestTimeout, "The request was not received in time"));
        } else if (rec == bhttp::error::header_limit) {
          co_await write_error_and_close(s, refused, make_error(ErrorCode::kHeadersTooLarge, "Request headers are larger than " + std::to_string(options.max_header_bytes) + " bytes"));
        } else if (rec == bhttp::error::body_limit) {
          co_await write_error_and_close(s, refused, make_error(ErrorCode::kPayloadTooLarge, "Request body is larger than " + std::to_string(options.max_body_bytes) + " bytes"));
        } else if (rec != bhttp::error::end_of_stream && rec != asio::error::eof &&
                   rec != asio::error::connection_reset && rec != asio::error::operation_aborted) {
          co_await write_error_and_close(s, refused, make_error(ErrorCode::kInvalidRequest, "Malformed HTTP request: " + rec.message()));
        }
        break;
      }

      auto beast_req = parser.release();
      bool target_ok = true;
      HttpRequest req = to_request(beast_req, remote, target_ok);
      if (!target_ok) {
        const Refused refused{remote, req.method, req.target, beast_req.version(), request_start};
        co_await write_error_and_close(s, refused, make_error(ErrorCode::kInvalidRequest, "Malformed request target"));
        break;
      }
      const bool client_keep_alive = beast_req.keep_alive();
      const bool head_only = beast_req.method() == bhttp::verb::head;
      HttpResponse resp = co_await async_handle(handler, std::move(req), use_awaitable);
      if (resp.stream) {
        s->stream_version = beast_req.version();
        co_return resp;
      }

      const bool keep_alive = client_keep_alive && !resp.close && !draining.load();
      auto res = to_wire(resp, beast_req.version(), keep_alive);
      s->arm(options.write_timeout, s);
      // The answer to a HEAD is the header a GET would get (its Content-Length too), alone.
      bhttp::response_serializer<bhttp::string_body> serializer(res);
      auto [wec, wn] = head_only ? co_await bhttp::async_write_header(s->stream, serializer, kAsTuple)
                                 : co_await bhttp::async_write(s->stream, serializer, kAsTuple);
      (void)wn;
      s->disarm();
      if (wec) break;
      if (!keep_alive) {
        // A client that pipelined more requests is still sending them.
        if (s->buffer.size() > 0) co_await linger_close(s, options.linger_time);
        break;
      }
    }
    beast::error_code ignored;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s->stream.socket().close(ignored);
    co_return HttpResponse();
  }

  awaitable<void> reject(tcp::socket socket) {
    rejected_connections.inc();
    auto s = std::make_shared<Session>(std::move(socket));
    Refused refused;
    beast::error_code ec;
    const auto ep = s->stream.socket().remote_endpoint(ec);
    if (!ec) refused.remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    const Error e = make_error(ErrorCode::kUnavailable, "Too many connections, please try again later");
    auto res = error_message(e, 11);
    res.set("X-Request-Id", record_refusal(refused, 503, "connection cap reached", res.body().size()));
    res.set(bhttp::field::retry_after, "1");
    s->arm(std::chrono::milliseconds(2000), s);
    co_await bhttp::async_write(s->stream, res, kAsTuple);
    s->disarm();
    // Briefly: a connection over the cap should not hold a descriptor for long.
    co_await linger_close(s, std::min(options.linger_time, kLingerQuiet));
  }

  void log_exception(const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log.error("session_exception", ex.what());
    }
  }

  // `socket` was accepted onto its own strand; the session runs there, then, if its last
  // response is a stream, serve_stream: a stream keeps only that coroutine's small frame.
  void spawn_session(tcp::socket socket) {
    auto strand = socket.get_executor();
    auto s = std::make_shared<Session>(std::move(socket));
    std::list<std::weak_ptr<Session>>::iterator it;
    {
      std::lock_guard lock(sessions_mu);
      it = sessions.insert(sessions.end(), s);
    }
    active.fetch_add(1);
    connections_gauge.add(1);
    auto done = [this, it](std::exception_ptr e) {
      log_exception(e);
      {
        std::lock_guard lock(sessions_mu);
        sessions.erase(it);
      }
      connections_gauge.add(-1);
      active.fetch_sub(1);
    };
    asio::co_spawn(strand, session(s), [this, s, strand, done](std::exception_ptr e, HttpResponse last) {
      if (e || !last.stream) return done(e);
      asio::co_spawn(strand, serve_stream(s, std::move(last), s->stream_version), done);
    });
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kAsTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        // Out of file descriptors and the like: back off briefly instead of spinning.
        asio::steady_timer t(ioc, std::chrono::milliseconds(50));
        co_await t.async_wait(kAsTuple);
        continue;
      }
      if (active.load() >= options.max_connections) {
        auto ex = socket.get_executor();
        asio::co_spawn(ex, reject(std::move(socket)), asio::detached);
        continue;
      }
      spawn_session(std::move(socket));
    }
  }

  void begin_drain() {
    if (draining.exchange(true)) return;
    log.info("draining", "stopped accepting; finishing requests in flight");
    handler.set_draining();
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    close_sessions(/*idle_only=*/true);
    asio::co_spawn(ioc, drain_watch(), asio::detached);
  }

  void close_sessions(bool idle_only) {
    std::lock_guard lock(sessions_mu);
    for (auto& weak : sessions) {
      auto s = weak.lock();
      if (!s) continue;
      asio::post(s->stream.get_executor(), [s, idle_only] {
        if (s->streaming) return s->end_stream();
        if (idle_only && !s->idle) return;
        beast::error_code ignored;
        s->stream.socket().cancel(ignored);
      });
    }
  }

  awaitable<void> drain_watch() {
    const auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;
    asio::steady_timer t(ioc);
    bool forced = false;
    while (active.load() > 0) {
      if (!forced && std::chrono::steady_clock::now() >= deadline) {
        log.error("drain_timeout", "closing connections still busy after the drain timeout");
        close_sessions(/*idle_only=*/false);
        forced = true;
      }
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(kAsTuple);
    }
  }
};

Server::Server(ServerOptions options, RequestHandler& handler, Registry& metrics, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), handler, metrics, log)) {}

Server::~Server() = default;

Status Server::listen() {
  auto& i = *impl_;
  beast::error_code ec;
  const auto address = asio::ip::make_address(i.options.host, ec);
  if (ec) return make_error(ErrorCode::kUnavailable, "bad listen address " + i.options.host);
  const tcp::endpoint ep(address, i.options.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorCode::kUnavailable,
                      "cannot listen on " + i.options.host + ":" + std::to_string(i.options.port) +
                          ": " + ec.message());
  }
  if (!i.options.ready_file.empty()) {
    // Written whole then renamed, so a reader never sees half an address.
    const std::string tmp = i.options.ready_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << i.options.host << ":" << port() << "\n";
    }
    std::filesystem::rename(tmp, i.options.ready_file, ec);
  }
  return Status();
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::run() {
  auto& i = *impl_;
  i.signals.async_wait([&i](beast::error_code ec, int) {
    if (!ec) i.begin_drain();
  });
  asio::co_spawn(i.ioc, i.accept_loop(), [&i](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      i.log.error("accept_loop_failed", ex.what());
    }
  });
  const int n = i.options.threads > 0 ? i.options.threads
                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  // The main thread runs the I/O loop too, under the process's own name.
  for (int t = 1; t < n; ++t) {
    threads.emplace_back([&i] {
      name_this_thread("http-io");
      i.ioc.run();
    });
  }
  i.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_drain(); });
}

}  // namespace synclog::http
