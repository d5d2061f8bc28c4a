// The real server application (http::App, its store, token verifier, metrics and logger) run
// inside a test's own process, reached by the client SDK through a Transport that calls
// App::handle directly: no socket, no port, no extra thread. A request's asynchronous steps
// (storage completions posted back to "the request's thread") run on the thread that sent it,
// while it waits for the answer, so an exchange is as deterministic as the store allows and a
// test can cut it at any point with a decorator (faulty_transport.hpp).
//
// The store is SQLite in a temporary directory, or PostgreSQL: given as a URL, or, when no
// database is given and the tests run on PostgreSQL (SYNCLOG_TEST_PG_HOST, test_database.hpp),
// a fresh database of its own, as ServerProcess does, so one suite covers both backends.
//
// The change stream is not served: open_stream() answers 501, which SyncEngine::listen() takes
// for a server without a stream (it returns kNotImplemented) rather than retrying forever, as it
// would after a transport error.
#pragma once

#include "synclog/client/transport.hpp"

#include "auth/jwt.hpp"
#include "common/clock.hpp"
#include "http/app.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::test {

struct InProcessServerOptions {
  // A SQLite file path or a postgres:// URL. Empty: a fresh PostgreSQL database when the tests
  // run on PostgreSQL, else SQLite in a temporary directory.
  std::string db;
  // Schema documents registered by App::prepare, as `synclog serve --schema` does.
  std::vector<std::string> schemas;
  // The application's options. The rate limits are off by default: a test's retry loop sends
  // requests as fast as it likes, and the wall-clock rate must not decide its outcome.
  http::AppOptions app = [] {
    http::AppOptions o;
    o.rate_limit = 0;
    o.auth_failure_rate = 0;
    return o;
  }();
  // The server's wall clock (mutation times, token expiry); nullptr: the system clock. A
  // ManualClock makes two runs of a scenario produce the same records, timestamps included.
  // Must outlive the server.
  const Clock* clock = nullptr;
};

class InProcessServer {
 public:
  // Opens the store and prepares the App. Throws std::runtime_error when either fails (inside a
  // test that fails the test).
  explicit InProcessServer(InProcessServerOptions options = {});
  ~InProcessServer();
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  // An HS256 token for `user` that this server accepts; `scopes` space-separated, empty: all.
  std::string token_for(const std::string& user, const std::string& scopes = "") const;

  // A transport to this server for a SyncEngine (SyncOptions::transport) or a test's own
  // requests. Each is independent and, like every Transport, one request at a time; several may
  // be used from different threads.
  std::shared_ptr<client::Transport> transport();

  // A request of `person` (a token with every scope, client "<person>-office") through a
  // transport of this server, as another app or a back office sends it. Returns the body;
  // throws std::runtime_error when it is not answered `expected`.
  std::string call_as(const std::string& person, const std::string& method,
                      const std::string& target, const std::string& body, int expected);
  // A strict push of `mutations` (a JSON array) by `person` to `space` at the space's head:
  // the writer has seen it all.
  void push_at_head(const std::string& person, const std::string& space,
                    const std::string& mutations);

  // The server's metrics, e.g. to check that a mutation was applied once.
  http::Registry& metrics() { return metrics_; }
  // The sum of a counter over all its label sets (0 when it was never incremented), read from
  // the rendered registry so that a test need not know the label sets in advance.
  std::uint64_t counter_total(std::string_view name) const;
  // A counter's value per label set ("" for none), e.g. `resource="inspection",outcome="applied"`
  // of synclog_conflict_outcomes_total, read the same way: a test that must tell outcomes apart.
  std::map<std::string, std::uint64_t> counter_series(std::string_view name) const;

  storage::Store& store() { return *store_; }
  http::App& app() { return *app_; }
  bool on_postgres() const { return on_postgres_; }

 private:
  InProcessServerOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  TempDir dir_;                             // the SQLite file, the default
  std::unique_ptr<TestDatabase> database_;  // a PostgreSQL database of its own
  bool on_postgres_ = false;
  std::string secret_;
  http::Registry metrics_;
  http::Logger log_{-1};  // quiet: a loop of hundreds of syncs would flood the test's output
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<http::App> app_;
};

}  // namespace synclog::test
