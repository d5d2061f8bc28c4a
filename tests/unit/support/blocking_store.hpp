// Test helpers for code that runs on a real SqliteStore: options suited to tests, and blocking
// wrappers over the store's asynchronous resolve_user/read/write, so a test reads top to
// bottom.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "temp_dir.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/store.hpp"

namespace synclog::test {

// Options for tests: background maintenance effectively off, so only test_compact_now()
// compacts.
inline storage::sqlite::SqliteOptions test_store_options(std::string path) {
  storage::sqlite::SqliteOptions o;
  o.path = std::move(path);
  o.readers = 2;
  o.maintenance_interval = std::chrono::hours(24);
  return o;
}

inline Result<storage::UserKey> resolve_user(storage::Store& store, std::string subject,
                                             std::int64_t now_ms) {
  std::promise<Result<storage::UserKey>> p;
  auto f = p.get_future();
  store.resolve_user(std::move(subject), now_ms,
                     [&p](Result<storage::UserKey> r) { p.set_value(std::move(r)); });
  return f.get();
}

inline Status read(storage::Store& store, storage::UserKey user, storage::ReadFn fn) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.read(user, std::move(fn), [&p](Status s) { p.set_value(std::move(s)); });
  return f.get();
}

inline Status write(storage::Store& store, storage::UserKey user, storage::WriteFn fn) {
  std::promise<Status> p;
  auto f = p.get_future();
  store.write(user, std::move(fn), [&p](Status s) { p.set_value(std::move(s)); });
  return f.get();
}

// write() for a function that also produces a value: the value of its run that committed.
template <class T>
Result<T> write_result(storage::Store& store, storage::UserKey user,
                       std::function<Result<T>(storage::WriteTxn&)> fn) {
  std::optional<T> out;
  const Status s = write(store, user, [&fn, &out](storage::WriteTxn& t) -> Status {
    auto r = fn(t);
    if (!r.ok()) return r.error();
    out = std::move(*r);
    return Status();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

// Comma-separated POST /v1/sync items, for building a body's mutations array.
inline std::string join(std::initializer_list<std::string> items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

// The user's head row, read in its own snapshot.
inline Result<storage::UserHead> head_of(storage::Store& store, storage::UserKey user) {
  storage::UserHead h;
  SYNCLOG_RETURN_IF_ERROR(read(store, user, [&](storage::ReadTxn& t) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(h, t.head());
    return Status();
  }));
  return h;
}

// One stored record of the user's, read in its own snapshot (nullopt: none).
inline Result<std::optional<storage::Record>> record_of(storage::Store& store, storage::UserKey user,
                                                       std::uint8_t kind, std::string_view id) {
  std::optional<storage::Record> out;
  const Status s = read(store, user, [&](storage::ReadTxn& t) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(out, t.get(kind, id));
    return Status();
  });
  if (!s.ok()) return s.error();
  return out;
}

// Every log entry of the user after `since`, superseded ones included, ascending.
inline Result<std::vector<storage::Entry>> entries_after(storage::Store& store, storage::UserKey user,
                                                         std::int64_t since) {
  std::vector<storage::Entry> out;
  storage::EntryQuery q;
  q.after_ts = since;
  q.include_superseded = true;
  SYNCLOG_RETURN_IF_ERROR(read(store, user, [&](storage::ReadTxn& t) {
    out.clear();  // a read may run more than once
    return t.scan_entries(q, 0, std::numeric_limits<std::int64_t>::max(), [&](const storage::Entry& e) {
      out.push_back(e);
      return true;
    });
  }));
  return out;
}

}  // namespace synclog::test
