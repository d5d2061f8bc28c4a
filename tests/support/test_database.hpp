// A fresh PostgreSQL database on the tests' private cluster (scripts/test-postgres), dropped
// again when the object goes. The cluster is the one named by SYNCLOG_TEST_PG_HOST (its socket
// directory), which CTest sets for the ".postgres" run of every integration test; without it the
// tests run on the embedded SQLite store.
#pragma once

#include <optional>
#include <string>

namespace synclog::test {

// The private cluster's socket directory, if this test runs on PostgreSQL.
std::optional<std::string> test_postgres_host();

class TestDatabase {
 public:
  // Creates a database with a fresh name on the cluster at `host` (a socket directory). Throws
  // std::runtime_error when the cluster cannot be reached.
  explicit TestDatabase(const std::string& host);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // What `synclog serve --db` takes: postgresql:///<name>?host=<dir>&user=postgres.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string host_;
  std::string name_;
  std::string url_;
};

}  // namespace synclog::test
