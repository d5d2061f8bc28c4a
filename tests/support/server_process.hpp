// Runs the real `synclog serve` binary for a test: a fresh data directory, a free loopback
// port (the server reports it through --ready-file), tokens signed with that directory's
// secret, and the request log captured for inspection. Stopped with SIGTERM on destruction.
// When the tests run on PostgreSQL (SYNCLOG_TEST_PG_HOST, see test_database.hpp) and no --db is
// given, the server gets a fresh database of its own, kept across restarts and dropped at the end.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "test_database.hpp"

namespace synclog::test {

// The synclog binary under test (set by CMake).
std::string synclog_binary();
// A file of the source tree, by its path from the top ("examples/inspections/schema.json").
std::string source_path(const std::string& relative);

class ServerProcess {
 public:
  // Starts a server with `extra_args` (after `serve`); a temporary data directory unless one is
  // given (which is then kept); `env` adds "NAME=value" entries to its environment (kept for
  // restarts). Throws std::runtime_error if it does not become ready (inside a test, that fails
  // the test).
  explicit ServerProcess(std::vector<std::string> extra_args = {},
                         std::filesystem::path data_dir = {}, std::vector<std::string> env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  pid_t pid() const { return pid_; }
  // Whether this server keeps its data in PostgreSQL (a database of its own, or a given --db).
  bool on_postgres() const;
  bool running() const { return pid_ > 0; }

  HttpClient client() const { return HttpClient(host_, port_); }
  // An HS256 token for `user` signed with the data directory's secret. `scopes` empty: all.
  // `issued_seconds_ago` back-dates it (for a server whose clock runs behind the test's).
  std::string token(const std::string& user, const std::string& scopes = "",
                    std::int64_t ttl_seconds = 3600, std::int64_t issued_seconds_ago = 0) const;
  // Headers for an authenticated request as `user` from device `client_id`.
  Headers auth(const std::string& user, const std::string& client_id = "test-device",
               const std::string& scopes = "") const;

  // SIGTERM and wait; returns the exit status (-1 if it had to be killed after `timeout`).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGKILL and wait.
  void kill9();
  // Starts again on the same data directory and arguments (a new port).
  void restart();

  std::string access_log() const;  // the server's stdout
  std::string event_log() const;   // the server's stderr

 private:
  void start();
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::unique_ptr<TestDatabase> database_;  // the fresh database of a server on PostgreSQL
  std::filesystem::path data_dir_;
  bool owns_dir_ = false;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  int generation_ = 0;
};

}  // namespace synclog::test
