// Creating and dropping the tests' PostgreSQL databases, through libpq on the cluster's
// maintenance database.
#include "test_database.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

namespace synclog::test {
namespace {

// Runs one statement on the cluster's `postgres` database; returns the error, empty if none.
std::string run_admin(const std::string& host, const std::string& sql) {
  const char* keys[] = {"host", "user", "dbname", nullptr};
  const char* values[] = {host.c_str(), "postgres", "postgres", nullptr};
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdbParams(keys, values, 0), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return PQerrorMessage(conn.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return PQresultErrorMessage(res.get());
  return {};
}

}  // namespace

std::optional<std::string> test_postgres_host() {
  const char* host = std::getenv("SYNCLOG_TEST_PG_HOST");
  if (host == nullptr || *host == '\0') return std::nullopt;
  return std::string(host);
}

TestDatabase::TestDatabase(const std::string& host) : host_(host) {
  std::random_device rd;
  name_ = "synclog_test_" + std::to_string(rd()) + "_" + std::to_string(rd());
  if (auto err = run_admin(host_, "CREATE DATABASE " + name_); !err.empty()) {
    throw std::runtime_error("cannot create test database on " + host_ + ": " + err);
  }
  url_ = "postgresql:///" + name_ + "?host=" + host_ + "&user=postgres";
}

TestDatabase::~TestDatabase() {
  // FORCE: a server killed mid-test may leave sessions the cluster has not noticed gone yet.
  run_admin(host_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

}  // namespace synclog::test
