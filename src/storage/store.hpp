// The storage interface: what the domain needs from a database, and nothing about which one.
// Backends (SQLite, PostgreSQL) implement it; docs/storage.md describes the format.
//
// The store knows users, records and log entries as opaque rows: `kind` and `op` are small
// integers the domain assigns meaning to, `data` is text the domain encodes. All work for a
// user happens inside a transaction bound to that user, so every table is keyed by user first.
// A "user" is any owner of a log: a person, and also a shared space, a person's feed of spaces
// and the schema catalog, whose subjects start with a control character no token's subject can
// hold (docs/storage.md, "Log owners").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace synclog::storage {

// A user's internal key, assigned by the store the first time the user is seen.
using UserKey = std::int64_t;

struct UserHead {
  std::int64_t head = 0;      // the latest ts handed out for this user
  std::int64_t baseline = 0;  // the head the user started with; head == baseline: no mutations
  // The latest ts of a tombstone purged by retention (0: none): a reader whose cursor is before
  // it may have missed a deletion and must start again from 0.
  std::int64_t horizon = 0;
};

// Entries with this op are tombstones (the resource's deletion, its latest entry). The domain
// maps its DELETE onto it; retention purges tombstones older than its window.
inline constexpr std::uint8_t kTombstoneOp = 2;

// The answer a write produced, kept under the client's Idempotency-Key so that a retry gets it
// again instead of applying the write twice. `headers` and `body` are opaque to the store.
struct StoredResponse {
  std::string fingerprint;     // identifies the request the answer belongs to
  std::int64_t created_ms = 0; // when it was stored (wall clock)
  int status = 0;
  std::string headers;
  std::string body;
};

// The current state of one resource. `k1`/`k2` are lookup keys the domain defines (empty means
// none); the store indexes them per (user, kind).
struct Record {
  std::uint8_t kind = 0;
  std::string id;
  std::int64_t version = 0;  // ts of the mutation that produced this state
  std::int64_t created_ts = 0;
  std::string k1;
  std::string k2;
  std::string data;
};

// One entry of a user's change log: the state of a resource as of one mutation.
struct Entry {
  std::int64_t ts = 0;
  std::uint8_t kind = 0;
  std::string id;
  std::uint8_t op = 0;
  std::int64_t created_ts = 0;  // when the resource was created (lets a pull say CREATE)
  std::string data;             // already in wire form
};

// The ts and op of a resource's latest log entry.
struct EntryHead {
  std::int64_t ts = 0;
  std::uint8_t op = 0;
};

struct EntryQuery {
  std::int64_t after_ts = 0;        // exclusive
  std::uint32_t kind_mask = ~0u;    // bit k set: entries of kind k are wanted
  // Superseded entries (an older state of a resource that changed since) are kept for a while
  // so that offset-paged traversals do not shift; cursor reads skip them.
  bool include_superseded = false;
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  virtual UserKey user() const = 0;
  virtual Result<UserHead> head() = 0;
  virtual Result<std::optional<Record>> get(std::uint8_t kind, std::string_view id) = 0;
  virtual Result<std::vector<Record>> find_by_k1(std::uint8_t kind, std::string_view k1) = 0;
  virtual Result<std::vector<Record>> find_by_k2(std::uint8_t kind, std::string_view k2) = 0;
  virtual Result<std::vector<Record>> list(std::uint8_t kind) = 0;
  // The latest log entry of (kind, id), if the log still has one: for a deleted resource its
  // tombstone, until retention purges it.
  virtual Result<std::optional<EntryHead>> latest_entry(std::uint8_t kind, std::string_view id) = 0;
  virtual Result<std::int64_t> count_entries(const EntryQuery& q) = 0;
  // Calls `visit` for up to `limit` entries matching `q` in ascending ts, skipping `offset`;
  // stops early when `visit` returns false.
  virtual Status scan_entries(const EntryQuery& q, std::int64_t offset, std::int64_t limit,
                              const std::function<bool(const Entry&)>& visit) = 0;
  // Declares that the caller will read further offset pages after this snapshot's: compaction
  // of this user's superseded entries then waits until the traversal has been quiet for a while,
  // so the offsets do not shift under the client. The store may re-run the read function
  // (with a fresh snapshot) when a compaction raced with it.
  virtual void mark_traversal() = 0;
};

class WriteTxn : public ReadTxn {
 public:
  virtual Status set_head(std::int64_t head) = 0;
  // Inserts or replaces the record (kind, id).
  virtual Status put(const Record& r) = 0;
  virtual Status erase(std::uint8_t kind, std::string_view id) = 0;
  // Appends `e` (its ts must be new for this user) and marks the previous live entry of the
  // same (kind, id), if any, as superseded at e.ts. A write that appends must also set_head()
  // to at least the newest ts it appended: backends tell one state of a user's log from
  // another by the head (the SQLite backend's remembered counts rely on it).
  virtual Status append(const Entry& e) = 0;
  // The answer stored under this user's idempotency key, if any (kept until purged by age).
  virtual Result<std::optional<StoredResponse>> find_response(std::string_view key) = 0;
  // Stores an answer under a key that has none; it commits or rolls back with the writes.
  virtual Status put_response(std::string_view key, const StoredResponse& r) = 0;
  // The write transaction of another user's log inside this one: its writes commit or roll
  // back with this transaction's, its head moves are told like this one's, and it is locked
  // against other writers of that log until the end. `other` must exist. So that two nodes never
  // wait on each other in a cycle, logs are reached in one direction only: a space's write may
  // reach its members' feeds (docs/storage.md), never the reverse. The returned transaction
  // lives as long as this one.
  virtual Result<WriteTxn*> also(UserKey other) = 0;
};

// What a store tells its server about heads that moved, whichever node moved them (the change
// stream, GET /v1/sync/events, is built on it). Both are called on store threads and must return
// quickly.
struct HeadEvents {
  // `user`'s head is now `head` (committed). The same move may be told more than once, and moves
  // may be told out of order; heads only rise, so a listener keeps the highest.
  std::function<void(UserKey user, std::int64_t head)> moved;
  // Moves may have been missed (the store lost its link to the other nodes for a while): any
  // user's head may have moved since it was last told. Listeners read the heads they care about.
  std::function<void()> resync;
};

using ReadFn = std::function<Status(ReadTxn&)>;
using WriteFn = std::function<Status(WriteTxn&)>;
using Done = std::function<void(Status)>;
using UserDone = std::function<void(Result<UserKey>)>;

// A store. Every method is thread-safe and returns at once; the work runs on the store's own
// threads and `done` is called exactly once, on a store thread or, when the answer is already
// known (a cached user), on the calling thread before the method returns.
class Store {
 public:
  virtual ~Store() = default;

  // Finds the user with this subject, creating it with head = baseline = `now_ms` if new.
  virtual void resolve_user(std::string subject, std::int64_t now_ms, UserDone done) = 0;
  // Finds the user with this subject without creating it: nothing when there is none.
  virtual void find_user(std::string subject, std::function<void(Result<std::optional<UserKey>>)> done) = 0;

  // Runs `fn` in a read transaction: one consistent snapshot for all of its reads. `fn` may run
  // more than once (see ReadTxn::mark_traversal); only its last run's outputs count.
  virtual void read(UserKey user, ReadFn fn, Done done) = 0;

  // Runs `fn` in a write transaction for `user`. Writes for one user are serialised. If `fn`
  // fails, nothing it did persists and `done` gets its error. If it succeeds, `done` is called
  // only once its writes are durable; `done` gets an error if committing failed, in which case
  // nothing persisted either.
  virtual void write(UserKey user, WriteFn fn, Done done) = 0;

  // The user's latest committed head, when the backend knows it without a transaction: its
  // process is the only writer and has seen the user's head since it opened. Otherwise nothing,
  // and the caller reads it. A value returned is at least every head whose write has been
  // acknowledged (`done` called).
  virtual std::optional<std::int64_t> known_head(UserKey /*user*/) { return std::nullopt; }

  // Sets who is told about head moves (HeadEvents). Called at most once, before any write.
  virtual void watch_heads(HeadEvents events) = 0;

  // Liveness of the backend, for /readyz.
  virtual Status check() = 0;

  // Finishes queued work and stops the store's threads. Later calls fail with kUnavailable.
  virtual void shutdown() = 0;
};

}  // namespace synclog::storage
