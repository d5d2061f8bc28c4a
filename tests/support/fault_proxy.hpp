// A fault-injecting TCP proxy for tests: it sits between a client and the server under test
// on a free loopback port, understands HTTP/1.1 framing well enough to tell one exchange
// (request + response) from the next on a keep-alive connection, and can lose, cut, refuse or
// delay chosen exchanges. It lets a test reproduce what a flaky mobile network does to a sync
// client: a push whose answer never arrives, a pull cut off mid-body, a request that never
// left the device. Plain POSIX sockets and std::thread (no Asio: the harness must stay quick
// to build); independent of GoogleTest so bench/ can use it too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace synclog::test {

// What the proxy does to one exchange.
struct Fault {
  enum class Kind {
    kPass,           // forward the request and the response unchanged
    kDropResponse,   // forward the whole request, read the whole response, then close the
                     // client connection without sending any of it (the answer was lost)
    kCutResponse,    // send only the first `cut_at` bytes of the response (status line and
                     // headers count), then close the client connection
    kDropRequest,    // read the whole request, never forward it, close the client connection
    kDelayResponse,  // read the whole response, wait `delay`, then send it
  };

  Kind kind = Kind::kPass;
  std::size_t cut_at = 0;
  std::chrono::milliseconds delay{0};

  static Fault pass() { return {}; }
  static Fault drop_response() { return {Kind::kDropResponse, 0, {}}; }
  static Fault cut_response(std::size_t bytes) { return {Kind::kCutResponse, bytes, {}}; }
  static Fault drop_request() { return {Kind::kDropRequest, 0, {}}; }
  static Fault delay_response(std::chrono::milliseconds ms) {
    return {Kind::kDelayResponse, 0, ms};
  }
};

// Counters, each a total since the proxy started.
struct FaultProxyStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t exchanges_started = 0;    // requests whose head arrived whole
  std::uint64_t requests_forwarded = 0;   // requests sent whole to the upstream
  std::uint64_t exchanges_completed = 0;  // exchanges that reached an end, whatever the outcome
  std::uint64_t exchanges_forwarded = 0;  // responses passed whole to the client (kPass, kDelay)
  std::uint64_t requests_dropped = 0;
  std::uint64_t responses_dropped = 0;
  std::uint64_t responses_cut = 0;
  std::uint64_t responses_delayed = 0;
  // The upstream could not be reached, or it closed before a whole response: the client
  // connection is closed (after whatever part of the response the fault lets through).
  std::uint64_t upstream_failures = 0;
  // Connections the proxy could not frame as HTTP/1.1 and relayed blindly from then on.
  std::uint64_t tunnelled_connections = 0;
};

// One completed exchange, in the order exchanges completed.
struct ExchangeRecord {
  std::string method;
  std::string target;
  int status = 0;  // the upstream's final status; 0 if there was none (dropped request, failure)
  Fault::Kind fault = Fault::Kind::kPass;
  bool upstream_failed = false;
};

// How it relays: a client connection's exchanges are handled one after another on a thread of
// their own. A request is forwarded as its bytes arrive (interim responses such as 100 Continue
// come back at once); its response is read whole from the upstream before the exchange's fault
// decides what the client gets of it. A connection ends when either side closes it, when a
// message says so (Connection: close, a body that runs until close) or after any fault but
// kPass and kDelayResponse. Bytes the proxy cannot frame as HTTP/1.x (a malformed head, a bad
// chunk) are relayed blindly from then on, with no faults, so the server's own answer to them
// still reaches the client.
//
// Every public member is thread-safe.
class FaultProxy {
 public:
  // Decides whether a fault applies to a request, from its request line. Called on a proxy
  // thread with the proxy's lock held: it must be thread-safe and must not call the proxy.
  using Matcher = std::function<bool(std::string_view method, std::string_view target)>;
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  // Listens on 127.0.0.1, port 0 (a free port), and forwards each connection to the upstream.
  // Throws std::runtime_error if it cannot listen (inside a test, that fails the test).
  FaultProxy(std::string upstream_host, std::uint16_t upstream_port);
  // Stops accepting, closes every connection and joins every thread; faults waiting for a
  // delay or a slow peer are cut short.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

  // Where connections opened from now on go (a restarted server has a new port). A client
  // connection opens its upstream connection when its first request is forwarded, and keeps it
  // for its lifetime; when the upstream closes it, the proxy closes the client connection.
  void set_upstream(std::string host, std::uint16_t port);

  // Applies `fault` to the next `count` exchanges, on whichever connections they arrive.
  void fault_next(Fault fault, std::size_t count = 1);
  // Applies `fault` to the next `count` exchanges whose request line `matches`.
  void fault_matching(Matcher matches, Fault fault, std::size_t count = kUnlimited);
  // Removes every pending fault: exchanges from now on pass.
  void clear_faults();
  // A matcher for requests with exactly `method` whose target starts with `target_prefix`.
  static Matcher request_is(std::string method, std::string target_prefix);

  // Faults are chosen when a request's head arrives: the first pending rule (in the order they
  // were added) that applies is used, and its count goes down by one.
  //
  // Counters and the log are updated before the client can observe the exchange's outcome (its
  // response's bytes or the closed connection), so a test may read them as soon as its request
  // returns.
  FaultProxyStats stats() const;
  std::vector<ExchangeRecord> exchanges() const;
  // Waits until at least `count` exchanges have completed in total; false after `timeout`.
  bool wait_for_exchanges(std::uint64_t count,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  class Connection;
  friend class Connection;

  struct Rule {
    Matcher matches;  // empty: any request
    Fault fault;
    std::size_t remaining;
  };
  struct Worker {
    std::thread thread;
    bool done = false;  // guarded by mutex_
  };

  void accept_loop();
  void reap_workers(bool all);
  Fault choose_fault(std::string_view method, std::string_view target);
  std::pair<std::string, std::uint16_t> upstream() const;
  void count(const std::function<void(FaultProxyStats&)>& update);
  void complete(ExchangeRecord record, const std::function<void(FaultProxyStats&)>& update);

  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  // A pipe whose read end becomes readable when the proxy stops: every wait polls it too, so
  // no thread can outlive the destructor.
  int stop_pipe_[2] = {-1, -1};

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string upstream_host_;
  std::uint16_t upstream_port_;
  std::vector<Rule> rules_;
  FaultProxyStats stats_;
  std::vector<ExchangeRecord> log_;
  std::list<Worker> workers_;
  std::thread acceptor_;
};

}  // namespace synclog::test
