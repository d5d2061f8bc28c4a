// The engine's side of the device file (docs/client.md, "The engine's shape"): moving the
// cursor, choosing, sending and settling push batches, applying what the server sent, and the
// conflict log's bookkeeping. These are LocalStore's own methods, private there so that an app
// cannot call them (an app that moved the cursor or settled a batch by hand would lose edits);
// the puller and the pusher reach them through this view. Internal to the SDK.
//
// It also forwards the public calls the engine makes, so the engine's units hold one object.
// Same threading and failure rules as LocalStore: a failed call changes nothing.
#pragma once

#include "synclog/client/local_store.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

class SyncQueue {
 public:
  explicit SyncQueue(LocalStore& store) : store_(store) {}

  //////// Public calls of LocalStore the engine makes

  Status transaction(const std::function<Status()>& body) { return store_.transaction(body); }
  Result<std::int64_t> cursor() { return store_.cursor(); }
  Result<std::int64_t> last_sync_ms() { return store_.last_sync_ms(); }
  Result<std::optional<bool>> server_field_mode() { return store_.server_field_mode(); }
  Result<Strategy> strategy(Resource resource) { return store_.strategy(resource); }
  Result<std::vector<LocalRecord>> list(Resource resource) { return store_.list(resource); }
  Result<std::string> put(Resource resource, std::string_view data) {
    return store_.put(resource, data);
  }
  Result<std::int64_t> queue_length() { return store_.queue_length(); }
  Result<std::optional<InflightBatch>> inflight_batch() { return store_.inflight_batch(); }
  Result<std::string> server_url() { return store_.server_url(); }
  Result<std::string> token() { return store_.token(); }
  Result<std::string> client_id() { return store_.client_id(); }
  LocalStore& local() { return store_; }

  //////// The engine's own

  /// The server head the device has applied up to (after a pulled page, with it).
  Status set_cursor(std::int64_t cursor) { return store_.set_cursor(cursor); }
  /// When a sync last completed (the engine's clock).
  Status set_last_sync_ms(std::int64_t ms) { return store_.set_last_sync_ms(ms); }
  /// What the server was last seen to speak (LocalStore::server_field_mode).
  Status set_server_field_mode(bool field_mode) { return store_.set_server_field_mode(field_mode); }
  /// Up to `max` pending mutations that are not held, in the order to push them: dependencies first
  /// (COLLECTION_BOOKMARK deletes; COLLECTION and BOOKMARK; COLLECTION_BOOKMARK creates; NOTE and
  /// READING_SESSION), a record's mutations always in the order they were written. Fails with
  /// kPreconditionFailed while a batch is in flight: that one is retried or settled first.
  Result<std::vector<QueuedMutation>> next_batch(std::size_t max = kMaxBatchMutations) {
    return store_.next_batch(max);
  }
  /// Durably records that the request (`target`, `body`) carrying the mutations `seqs`, in that
  /// order, is about to be sent under Idempotency-Key `key`. Call before sending. Fails with
  /// kPreconditionFailed when a batch is already in flight or a seq is not pending, and
  /// kInvalidRequest for an empty key, no seqs or more than kMaxBatchMutations.
  Status begin_batch(std::string_view key, std::string_view target, std::string_view body,
                     const std::vector<std::int64_t>& seqs) {
    return store_.begin_batch(key, target, body, seqs);
  }
  /// Settles the batch `key` after a 200, per ack (`acks` are in request order, one per
  /// mutation, else kInvalidRequest, nothing changed):
  ///  - kApplied: the mutation leaves the queue; a created or updated record takes the ack's
  ///    timestamp as version and the data pushed as base, and the record's later pending
  ///    mutations are now based on that version.
  ///  - kMerged: the mutation leaves the queue, but the record keeps its version and base (the
  ///    server's state at the ack's timestamp also holds other devices' fields, which the device
  ///    has not seen): the pull that follows brings that state, and later pending mutations stay
  ///    based on what the device has seen.
  ///  - kConflict: nothing was applied: the mutation stays queued, pending again in its place
  ///    (as abandon_batch does), for the engine to settle after a pull; unless a later mutation
  ///    of the same record in this batch was applied, which supersedes it (it leaves the queue).
  /// The cursor becomes `last_mutation_at` when it is positive (the engine passes 0: it pulls its
  /// own push back, with what the server derived from it, before moving the cursor past it).
  /// Returns the applied or merged acks that named another resource than the one sent: those
  /// records are left as they are (not pending, version unchanged) for the engine to re-key.
  /// kNotFound when `key` is not the batch in flight.
  Result<std::vector<AdoptedId>> finish_batch(std::string_view key,
                                              const std::vector<BatchAck>& acks,
                                              std::int64_t last_mutation_at) {
    return store_.finish_batch(key, acks, last_mutation_at);
  }
  /// Releases the batch `key` (nothing of it was applied, e.g. after a 409): its mutations are
  /// pending again, in their places. kNotFound when `key` is not the batch in flight.
  Status abandon_batch(std::string_view key) { return store_.abandon_batch(key); }
  /// The record with its base; nullopt when the device does not have it.
  Result<std::optional<StoredRecord>> get_stored(Resource resource, std::string_view id) {
    return store_.get_stored(resource, id);
  }
  /// Takes the server's state of a record that has nothing queued: data and base become `data`,
  /// version `version`; nullopt deletes the record. kPreconditionFailed when something of the
  /// record is queued (settle the conflict first), kInvalidRequest when data is not an object.
  Status apply_server(Resource resource, std::string_view id, std::optional<std::string_view> data,
                      std::int64_t version) {
    return store_.apply_server(resource, id, data, version);
  }
  /// The record's queued mutations, in flight or not, oldest first.
  Result<std::vector<QueuedMutation>> pending_for(Resource resource, std::string_view id) {
    return store_.pending_for(resource, id);
  }
  /// Drops the record's pending mutations (not those in flight: a retry must be the same
  /// request) and returns how many; the record itself is unchanged (apply_server follows).
  Result<std::int64_t> drop_pending(Resource resource, std::string_view id) {
    return store_.drop_pending(resource, id);
  }
  /// Rebases a record on the server's state after a conflict the local side (partly) won: the
  /// record's base and version become `server_data` (nullopt: the server deleted it) and
  /// `server_version`; its data becomes `local_data` (nullopt: deleted locally); its pending
  /// mutations are replaced by one `type` mutation of `local_data`, based on `server_version`,
  /// queued last. `type` must agree with `local_data` (DELETE with nullopt, CREATE/UPDATE with
  /// an object), else kInvalidRequest.
  Status replace_pending(Resource resource, std::string_view id, MutationType type,
                         std::optional<std::string_view> local_data,
                         std::optional<std::string_view> server_data, std::int64_t server_version) {
    return store_.replace_pending(resource, id, type, local_data, server_data, server_version);
  }
  /// Holds the record's pending mutations (not those in flight) back from next_batch() until
  /// the conflict-log row `conflict_seq` is resolved: a conflict that needs the user must not be
  /// pushed before the user answers. Later writes of the record are held with them.
  /// kInvalidRequest when conflict_seq < 1, kNotFound when nothing of the record is pending.
  Status hold_pending(Resource resource, std::string_view id, std::int64_t conflict_seq) {
    return store_.hold_pending(resource, id, conflict_seq);
  }
  /// Lets the record's held mutations be pushed again; returns how many were held.
  Result<std::int64_t> release_held(Resource resource, std::string_view id) {
    return store_.release_held(resource, id);
  }
  /// Appends `c` (its seq is ignored; at_ms 0 means now) and returns its seq.
  Result<std::int64_t> append_conflict(const ConflictRecord& c) {
    return store_.append_conflict(c);
  }
  /// Marks a row resolved, recording `result` (the state kept) when it is not empty, and
  /// releases the mutations the row held (hold_pending): they are pushed as they are now.
  /// kNotFound for an unknown seq.
  Status mark_resolved(std::int64_t seq, std::string_view result = {}) {
    return store_.mark_resolved(seq, result);
  }

  //////// A pull from 0 (a first sync or a 410), across interruptions

  /// Moves the cursor to 0 and notes every synced record as not yet seen again, in one
  /// commit: until end_resync(), a pull is a pull from 0, even after a crash or a lost network.
  Status begin_resync() { return store_.begin_resync(); }
  /// Whether a pull from 0 began and has not completed.
  Result<bool> resyncing() { return store_.resyncing(); }
  /// A page of the pull from 0 brought the record (call in the page's transaction).
  Status seen_in_resync(Resource resource, std::string_view id) {
    return store_.seen_in_resync(resource, id);
  }
  /// The synced records no page of the pull from 0 brought.
  Result<std::vector<std::pair<Resource, std::string>>> unseen_in_resync() {
    return store_.unseen_in_resync();
  }
  /// The pull from 0 is complete (call in the transaction that forgets what it did not see).
  Status end_resync() { return store_.end_resync(); }

 private:
  LocalStore& store_;
};

}  // namespace synclog::client
