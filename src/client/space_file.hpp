// The shared spaces' part of the device file as the sync engine and SpaceStore see it
// (docs/client.md, "Shared spaces"): the feed's cursor and the spaces it lists, each space's
// cursor, records, queue of edits and in-flight push, and what the server answered. Internal to
// the SDK: the app reaches the same tables through SpaceStore (include/synclog/client/spaces.hpp),
// which cannot move cursors or settle pushes.
//
// Every method runs on the LocalStore's connection and inside its transactions (call them in
// LocalStore::transaction for several to commit together). Records keep the server's state as
// `base` and show it with the queued edits laid over it, in queue order, so what the person
// sees is always what the device will push on top of what the server had.
#pragma once

#include "synclog/client/local_store.hpp"
#include "synclog/client/spaces.hpp"
#include "synclog/client/sync_engine.hpp"

#include "client/space_wire.hpp"
#include "common/status.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// A space row with the engine's bookkeeping.
struct SpaceRow {
  std::string id, name, schema, role;
  std::int64_t cursor = 0;
  std::int64_t needed_version = 0;
};

/// A schema document the device has.
struct SchemaDoc {
  std::int64_t version = 0;
  std::string document;
  bool pinned = false;  ///< the app's own (SpaceStore::set_app_schema), not one fetched
};

/// The push of one space that is (or is about to be) on the wire.
struct SpaceBatch {
  std::string key;  ///< its Idempotency-Key
  std::string space;
  std::string target;
  std::string body;
  std::vector<SpaceEdit> edits;  ///< in request order
};

class SpaceFile {
 public:
  explicit SpaceFile(LocalStore& store) : store_(store) {}

  Status atomically(const std::function<Status()>& body) { return store_.atomically(body); }
  std::int64_t now_ms() const { return store_.now_ms(); }

  //////// The feed and the spaces

  Result<std::int64_t> feed_cursor();
  Status set_feed_cursor(std::int64_t cursor);
  Result<std::vector<SpaceRow>> spaces();
  Result<std::optional<SpaceRow>> space(std::string_view id);
  /// Adds the space or updates its name, schema and role.
  Status upsert_space(const FeedEntry& e);
  Status set_space_cursor(std::string_view space, std::int64_t cursor);
  Status set_needed_version(std::string_view space, std::int64_t version);
  /// Removes a space from the device: every edit it has not seen accepted (queued, in flight,
  /// waiting in a conflict or refused) goes to the quarantine first. Returns how many did.
  Result<std::int64_t> purge(std::string_view space, std::string_view reason);

  //////// Schemas

  Result<std::optional<SchemaDoc>> schema(std::string_view name);
  /// Keeps `document` (version `version`) for `name`; a pinned one (the app's) replaces
  /// anything, a fetched one never replaces a pinned one.
  Status set_schema(std::string_view name, std::int64_t version, std::string_view document,
                    bool pinned);

  //////// Records

  Result<std::optional<SpaceRecord>> record(std::string_view space, std::string_view type,
                                            std::string_view id);
  /// The server's state of a record as a pull brought it (nullopt: deleted), at `version`.
  Status apply_entry(std::string_view space, const SpaceEntry& e);
  /// Forgets what the device holds of the space's synced records, for a pull from 0 (410).
  Status forget_synced(std::string_view space);
  /// Recomputes the record as shown: its base with its queued edits laid over.
  Status refresh(std::string_view space, std::string_view type, std::string_view id);

  //////// The queue

  /// Queues an edit, squashed into the record's last pending one where that keeps the meaning
  /// (a CREATE and its UPDATEs are one CREATE; an UPDATE's fields merge into the previous
  /// UPDATE; a DELETE of a record the server never had cancels its CREATE), then refreshes the
  /// record. An edit of a record in conflict waits with it.
  Status enqueue(SpaceEdit edit);
  Result<std::int64_t> pending_count(std::string_view space);
  /// Up to `max` edits of `space` free to push, in queue order.
  Result<std::vector<SpaceEdit>> next_edits(std::string_view space, std::size_t max);
  Status begin_batch(const SpaceBatch& batch);
  Result<std::optional<SpaceBatch>> inflight(std::string_view space);
  /// The batch's edits are pending again (nothing of it was applied).
  Status abandon_batch(std::string_view key);
  /// Settles the batch by its acks (one per edit, in order), and returns the events to tell.
  Result<std::vector<SyncEvent>> finish_batch(const SpaceBatch& batch,
                                              const std::vector<SpaceAck>& acks);
  /// Refuses one edit of the batch without an ack (a 422 naming it, one edit too large): it
  /// leaves the queue for the rejections, with `message`.
  Result<SyncEvent> reject(const SpaceEdit& edit, std::string_view reason, std::string_view field,
                           std::string_view message);

  //////// Conflicts (SpaceStore::resolve)

  Status resolve(std::int64_t conflict_seq, const SpaceResolution& resolution);

 private:
  Status settle_conflict(const SpaceEdit& edit, const SpaceAck& ack, std::int64_t& seq);
  Status drop_edit(std::int64_t seq);
  Status rebase_record(const SpaceEdit& edit, std::int64_t version);
  Status take_into_base(const SpaceEdit& edit, std::int64_t version);
  LocalStore& store_;
};

/// What a rejection's person can do about it, in a sentence (SpaceRejection::advice).
std::string rejection_advice(std::string_view reason, std::string_view field);

}  // namespace synclog::client
