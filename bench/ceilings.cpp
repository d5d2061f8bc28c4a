// synclog_ceilings: what the machine itself allows, to set the server's figures against
// (docs/benchmarks.md). No HTTP, no domain, one thread:
//
//   fsync    append 4 KiB to a file and fdatasync it, again and again: durable commits per
//            second the disk allows when each waits for its own flush
//   sqlite   the rows a push of --batch NOTE creates writes (a record and a log entry each,
//            with the server's own schema, indexes and pragmas: WAL, synchronous=FULL), one
//            transaction per batch: what SQLite alone does with synclog's writes
//
// Both run in --dir (default: a fresh temporary directory, removed afterwards), which should be
// on the disk the server's data directory is on. Figures depend on the machine and what else
// runs on it: compare ratios taken in one run. --results appends them in the load generator's
// format (bench/loadgen/measure.hpp), so that bench/run's report reads one file.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "measure.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/statement.hpp"

namespace {

namespace fs = std::filesystem;
using synclog::Status;
using synclog::bench::Clock;
using synclog::bench::Latencies;
using synclog::bench::Results;
using synclog::storage::sqlite::Connection;
using synclog::storage::sqlite::Statement;

int fail(const std::string& what) {
  std::fprintf(stderr, "synclog_ceilings: %s\n", what.c_str());
  return 1;
}

int run_fsync(const fs::path& dir, double seconds, const std::string& results_path) {
  const fs::path file = dir / "fsync-ceiling";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + file.string());
  std::vector<char> block(4096, 'x');
  Latencies lat;
  off_t offset = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    if (::pwrite(fd, block.data(), block.size(), offset) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      ::close(fd);
      return fail("write or fdatasync failed in " + dir.string());
    }
    lat.add(Clock::now() - t0);
    offset += static_cast<off_t>(block.size());
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  fs::remove(file);
  const double rate = static_cast<double>(lat.ms.size()) / elapsed;
  const double p50 = lat.percentile(50), p99 = lat.percentile(99);
  std::printf("fsync    4 KiB append + fdatasync      %8.0f fsyncs/s       p50 %7.3f ms  p99 %7.3f ms\n",
              rate, p50, p99);
  const Results results(results_path, "fsync");
  results.add("fsync", 1, "rate", rate, "fsyncs/s");
  results.add("fsync", 1, "p50", p50, "ms");
  results.add("fsync", 1, "p99", p99, "ms");
  return 0;
}

// A NOTE's stored record and log entry, about the size the load generator pushes.
std::string note_data(std::int64_t n) {
  return R"({"body":"a note written by the ceiling benchmark, number )" + std::to_string(n) +
         R"(, long enough to look like one a person types","ranges":["2:255-2:256"],"saveToQR":false})";
}

Status insert_batch(Connection& c, std::int64_t first_ts, int batch) {
  auto record = c.prepare(
      "INSERT INTO records(uid, kind, id, version, created_ts, k1, k2, data) VALUES(1,4,?,?,?,NULL,NULL,?)");
  if (!record.ok()) return record.status();
  auto entry = c.prepare(
      "INSERT INTO entries(uid, ts, kind, id, op, created_ts, data) VALUES(1,?,4,?,0,?,?)");
  if (!entry.ok()) return entry.status();
  for (int i = 0; i < batch; ++i) {
    const std::int64_t ts = first_ts + i;
    const std::string id = "n" + std::to_string(ts);
    const std::string data = note_data(ts);
    Statement* r = *record;
    Status s = r->bind(1, id).bind(2, ts).bind(3, ts).bind(4, data).run();
    r->reset();
    if (!s.ok()) return s;
    Statement* e = *entry;
    s = e->bind(1, ts).bind(2, id).bind(3, ts).bind(4, data).run();
    e->reset();
    if (!s.ok()) return s;
  }
  return c.exec("UPDATE users SET head=" + std::to_string(first_ts + batch - 1) + " WHERE uid=1");
}

int run_sqlite(const fs::path& dir, double seconds, int batch, const std::string& results_path) {
  const fs::path db = dir / "ceiling.db";
  auto conn = Connection::open(db.string(), /*create=*/true);
  if (!conn.ok()) return fail(conn.error().message);
  Connection& c = **conn;
  if (auto s = synclog::storage::sqlite::migrate(c); !s.ok()) return fail(s.message());
  if (auto s = c.exec("INSERT INTO users(uid, subject, head, baseline) VALUES(1, 'ceiling', 1, 1)"); !s.ok()) {
    return fail(s.message());
  }
  Latencies lat;
  std::int64_t ts = 2;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    const auto t0 = Clock::now();
    Status s = c.exec("BEGIN IMMEDIATE");
    if (s.ok()) s = insert_batch(c, ts, batch);
    if (s.ok()) s = c.exec("COMMIT");
    if (!s.ok()) return fail("sqlite: " + s.message());
    lat.add(Clock::now() - t0);
    ts += batch;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double batches = static_cast<double>(lat.ms.size()) / elapsed;
  const double p50 = lat.percentile(50), p99 = lat.percentile(99);
  std::printf("sqlite   batches of %-4d durable       %8.0f rows/s  %7.1f batches/s  p50 %7.3f ms  p99 %7.3f ms\n",
              batch, batches * batch, batches, p50, p99);
  // A row here is one pushed mutation (its record and its log entry), so rows/s is set against
  // the server's mutations/s.
  const Results results(results_path, "sqlite");
  results.add("insert", 1, "rate", batches * batch, "rows/s");
  results.add("insert", 1, "batches", batches, "batches/s");
  results.add("insert", 1, "p50", p50, "ms");
  results.add("insert", 1, "p99", p99, "ms");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"synclog_ceilings: the disk's fsync rate and SQLite's durable insert rate, alone"};
  double seconds = 3;
  int batch = 100;
  std::string dir_arg;
  std::string workloads = "fsync,sqlite";
  std::string results;
  app.add_option("--duration", seconds, "Seconds per measurement")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "Rows per SQLite transaction (mutations per push)")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--dir", dir_arg, "Where to write (default: a temporary directory)");
  app.add_option("--workloads", workloads, "Any of fsync,sqlite")->capture_default_str();
  app.add_option("--results", results, "Append each figure to this file as a tab-separated line");
  CLI11_PARSE(app, argc, argv);

  fs::path dir;
  bool owns_dir = false;
  if (dir_arg.empty()) {
    std::string pattern = (fs::temp_directory_path() / "synclog-ceilings-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return fail("cannot create a temporary directory");
    dir = pattern;
    owns_dir = true;
  } else {
    dir = dir_arg;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail("cannot create " + dir.string());
  }
  int rc = 0;
  try {
    if (workloads.find("fsync") != std::string::npos) rc = std::max(rc, run_fsync(dir, seconds, results));
    if (workloads.find("sqlite") != std::string::npos) rc = std::max(rc, run_sqlite(dir, seconds, batch, results));
  } catch (const std::exception& e) {  // Results::add throws when the file cannot be written
    rc = fail(e.what());
  }
  if (owns_dir) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  } else {
    std::error_code ec;
    for (const char* f : {"ceiling.db", "ceiling.db-wal", "ceiling.db-shm"}) fs::remove(dir / f, ec);
  }
  return rc;
}
