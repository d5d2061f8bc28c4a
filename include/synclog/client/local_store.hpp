// The device's local file (docs/client.md, "Local file"): its records, the queue of mutations
// waiting to be pushed, the in-flight push batch, the sync metadata and the conflict log, in one
// SQLite file. Every write the app makes is committed here, together with its queued mutation,
// before it returns; the sync engine reads and settles the queue through the rest of the API.
//
// Errors are synclog::Status / synclog::Result (common/status.hpp), the same vocabulary the
// server uses, rather than a second one for the SDK: the engine will report the server's
// answers (kOutOfSync, kResyncRequired, kUnauthorized...) with the codes that already name
// them, and status.hpp and error_code.hpp need nothing but the standard library. They reach
// apps through synclog_common's public include directory (an install of the SDK ships them in
// <includedir>/synclog/internal/common; cmake/SynclogInstall.cmake).
// Codes used here:
//   kInvalidRequest      bad input: data that is not a JSON object, a bad id or client time
//   kNotFound            an unknown record, batch or conflict
//   kPreconditionFailed  the queue is not in the state the call needs (e.g. a batch in flight)
//   kInternal            the file: cannot be opened, is corrupt, newer than this build, I/O
// A failed call changes nothing.
#pragma once

#include "synclog/client/types.hpp"

#include "common/clock.hpp"
#include "common/status.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::storage::sqlite {
class Connection;
}  // namespace synclog::storage::sqlite

namespace synclog::client {

/// Most mutations one push may carry (POST /v1/sync refuses more).
inline constexpr std::size_t kMaxBatchMutations = 100;

/// One mutation waiting in the queue, in the form the engine pushes it.
struct QueuedMutation {
  std::int64_t seq = 0;  ///< queue order; never reused
  Resource resource = Resource::kNote;
  std::string id;  ///< resourceId; "<collectionId>-<bookmarkId>" for a COLLECTION_BOOKMARK
  MutationType type = MutationType::kCreate;
  /// CREATE/UPDATE: the record's whole new state (wire form). DELETE: "{}", or
  /// {"collectionId","bookmarkId"} for a COLLECTION_BOOKMARK (the server needs them).
  std::string data;
  std::int64_t base_version = 0;       ///< the record's version when this was written
  std::int64_t client_updated_at = 0;  ///< UTC epoch ms of the write (last-write-wins)
  std::string batch;                   ///< the in-flight batch holding it; empty: pending
  /// The conflict-log row holding it back until the user answers; 0: free to push.
  /// next_batch() skips held mutations.
  std::int64_t held = 0;
};

/// A push that was (or is about to be) sent and has not been settled: exactly what was sent.
struct InflightBatch {
  std::string key;     ///< the Idempotency-Key
  std::string target;  ///< e.g. "/v1/sync?lastMutationAt=123"
  std::string body;
  std::vector<QueuedMutation> mutations;  ///< in the order of the request body
};

/// What the server did with one mutation of a batch pushed in conflictMode=field (docs/api.md,
/// "Genuine-only conflicts"). A server that does not know field mode sends no outcome: kApplied.
enum class AckOutcome {
  kApplied,   ///< applied as sent
  kMerged,    ///< applied; the server also has other devices' changes of other fields
  kConflict,  ///< not applied: it touches a field another device changed since its base
};

/// What the server answered for one mutation of a batch (one ack of POST /v1/sync).
struct BatchAck {
  std::string resource_id;
  std::int64_t timestamp = 0;  ///< 0 for a conflict (the server applied nothing)
  AckOutcome outcome = AckOutcome::kApplied;
};

/// An ack whose resourceId is not the one sent: the server adopted an existing resource (a
/// BOOKMARK CREATE whose details match another bookmark, docs/api.md "POST /v1/sync").
struct AdoptedId {
  Resource resource = Resource::kNote;
  std::string local_id;
  std::string server_id;
  std::int64_t timestamp = 0;
};

/// A record with the engine's bookkeeping.
struct StoredRecord {
  LocalRecord record;
  std::string base;  ///< the server's data at record.version; empty when never synced
};

/// The device's local store. Not thread-safe: one thread at a time (the app's or the engine's
/// strand). Several LocalStore objects on one file are safe (SQLite locks) but pointless.
class LocalStore {
 public:
  struct Options {
    /// The clock for client times and the conflict log; nullptr: the system clock. Must
    /// outlive the store.
    const Clock* clock = nullptr;
    /// Called before each transaction commits (not before the savepoints nested in one): an
    /// error makes the commit fail, the transaction rolls back and the call that ran it fails
    /// with that error. A seam for tests that fail the Nth local commit of a sync; empty in
    /// an app.
    std::function<Status()> before_commit;
  };

  /// Opens the file at `path`, creating it (and a new client id) when missing, and brings its
  /// schema up to date. Fails (kInternal) when the file cannot be opened, is not an SQLite
  /// database, cannot use WAL journaling, or was written by a newer synclog.
  static Result<std::unique_ptr<LocalStore>> open(const std::string& path, Options options);
  static Result<std::unique_ptr<LocalStore>> open(const std::string& path) {
    return open(path, Options{});
  }
  ~LocalStore();
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  /// Runs `body` in one transaction: every LocalStore call it makes commits with it or not at
  /// all (e.g. applying a pulled page and moving the cursor). Fails with body's error, after
  /// rolling back, when body fails. Calls inside body that fail undo only their own changes.
  Status transaction(const std::function<Status()>& body);

  //////// Metadata

  /// "" until set.
  Result<std::string> server_url();
  Status set_server_url(std::string_view url);
  /// The access token; "" until set. Stored in the file as is: protect the file.
  Result<std::string> token();
  Status set_token(std::string_view token);
  /// Whose data the file holds: the server and the user it was first synced as (set by whoever
  /// configures the file; "" until then). A file's records and queue belong to that account:
  /// pointing it at another would push one user's edits into another's.
  Result<std::string> account();
  Status set_account(std::string_view account);
  /// "device-<id>", chosen when the file was created; sent as x-client-id.
  Result<std::string> client_id();
  /// The server head the device has applied up to; 0 until the first sync.
  Result<std::int64_t> cursor();
  /// Epoch ms of the last completed sync; 0: never.
  Result<std::int64_t> last_sync_ms();
  /// Whether the server was last seen to speak conflictMode=field (an ack with an outcome: true;
  /// a push answered without outcomes, or an UPDATE refused for a field only field mode may
  /// omit: false); nullopt until a push has told.
  Result<std::optional<bool>> server_field_mode();
  /// The conflict strategy of a resource type; server wins unless set.
  Result<Strategy> strategy(Resource resource);
  Status set_strategy(Resource resource, Strategy strategy);

  //////// The app's reads and writes

  /// Writes a record and queues its mutation, in one transaction, and returns its id.
  /// `data` is a JSON object in the wire form; its top-level fields are laid over the record's
  /// current ones (a field absent from `data` keeps its value). Without `id` the record is new
  /// and gets a fresh id; with one, the record is created when the device does not have it
  /// (CREATE), updated otherwise (UPDATE). clientUpdatedAt (and, on creation, clientCreatedAt)
  /// is set to now unless `data` has it; either is stored as a UTC ISO string, and may be given
  /// as ISO 8601 with an offset or as epoch milliseconds.
  /// A COLLECTION_BOOKMARK is identified by its data: `collectionId` and `bookmarkId` are
  /// required and the id is "<collectionId>-<bookmarkId>" (an `id` given must be that); putting
  /// an existing one changes nothing (the server has no UPDATE for memberships).
  /// Errors: kInvalidRequest for data that is not a JSON object, an id that is not 1-64 of
  /// [A-Za-z0-9_-] (or "__default__" for a COLLECTION), an unreadable client time.
  Result<std::string> put(Resource resource, std::string_view data,
                          std::optional<std::string_view> id = std::nullopt);
  /// Deletes a record and queues its DELETE, in one transaction. kNotFound when the device does
  /// not have it.
  Status remove(Resource resource, std::string_view id);
  /// The record, or nullopt when the device does not have it.
  Result<std::optional<LocalRecord>> get(Resource resource, std::string_view id);
  /// Every record of a type, by id.
  Result<std::vector<LocalRecord>> list(Resource resource);

  //////// The queue's state, for a status screen (the engine settles it: src/client/sync_queue.hpp)

  /// Queued mutations, in flight or not.
  Result<std::int64_t> queue_length();
  /// The batch in flight, also after a restart; nullopt when none.
  Result<std::optional<InflightBatch>> inflight_batch();

  /// Mutations held back, in all records.
  Result<std::int64_t> held_count();

  //////// The conflict log

  /// The log, oldest first; only the unresolved rows when `unresolved_only`.
  Result<std::vector<ConflictRecord>> conflicts(bool unresolved_only = false);
  /// Answers a conflict that waits for the user, after the sync that found it (an app's
  /// conflict screen, `synclog client resolve`): `answer` is the state to keep, a JSON object in
  /// the wire form (usually the row's `local` or `server`) or "null" to delete the record. It is
  /// written like put()/remove() and queued, the row is marked resolved with it, and the
  /// mutations the row held go to the next push. kNotFound for an unknown row,
  /// kPreconditionFailed for one already resolved.
  Status answer_conflict(std::int64_t seq, std::string_view answer);

 private:
  // The engine's side of the file, reached through SyncQueue (src/client/sync_queue.hpp, which
  // documents each): an app must not move cursors or settle batches.
  friend class SyncQueue;
  Status set_cursor(std::int64_t cursor);
  Status set_last_sync_ms(std::int64_t ms);
  Status set_server_field_mode(bool field_mode);
  Result<std::vector<QueuedMutation>> next_batch(std::size_t max);
  Status begin_batch(std::string_view key, std::string_view target, std::string_view body,
                     const std::vector<std::int64_t>& seqs);
  Result<std::vector<AdoptedId>> finish_batch(std::string_view key,
                                              const std::vector<BatchAck>& acks,
                                              std::int64_t last_mutation_at);
  Status abandon_batch(std::string_view key);
  Result<std::optional<StoredRecord>> get_stored(Resource resource, std::string_view id);
  Status apply_server(Resource resource, std::string_view id, std::optional<std::string_view> data,
                      std::int64_t version);
  Result<std::vector<QueuedMutation>> pending_for(Resource resource, std::string_view id);
  Result<std::int64_t> drop_pending(Resource resource, std::string_view id);
  Status replace_pending(Resource resource, std::string_view id, MutationType type,
                         std::optional<std::string_view> local_data,
                         std::optional<std::string_view> server_data, std::int64_t server_version);
  Status hold_pending(Resource resource, std::string_view id, std::int64_t conflict_seq);
  Result<std::int64_t> release_held(Resource resource, std::string_view id);
  Result<std::int64_t> append_conflict(const ConflictRecord& c);
  Status mark_resolved(std::int64_t seq, std::string_view result = {});
  Status begin_resync();
  Result<bool> resyncing();
  Status seen_in_resync(Resource resource, std::string_view id);
  Result<std::vector<std::pair<Resource, std::string>>> unseen_in_resync();
  Status end_resync();
  // The shared spaces live in the same file and transactions (spaces.hpp, space_file.hpp).
  friend class SpaceStore;
  friend class SpaceFile;
  LocalStore(std::unique_ptr<storage::sqlite::Connection> c, Options options);

  std::int64_t now_ms() const;
  std::int64_t changes();
  // Runs `body` as one atomic step: a transaction, or a savepoint inside one.
  Status atomically(const std::function<Status()>& body);
  Result<std::optional<std::string>> meta(std::string_view key);
  Status set_meta(std::string_view key, std::string_view value);
  Result<std::optional<QueuedMutation>> last_queued(Resource resource, std::string_view id);
  Status enqueue(const QueuedMutation& m);
  Status squash_or_enqueue(const QueuedMutation& m);
  Status rebase_pending(Resource resource, std::string_view id, std::int64_t version);
  Result<std::optional<std::string>> inflight_key();

  std::unique_ptr<storage::sqlite::Connection> c_;
  Options options_;
  SystemClock system_clock_;
  int depth_ = 0;  // nesting of atomically(): 0 outside any transaction
};

}  // namespace synclog::client
