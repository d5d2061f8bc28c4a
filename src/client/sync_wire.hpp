// The sync engine's pure helpers: the /v1/sync wire forms it writes and reads (docs/api.md,
// "GET /v1/sync" and "POST /v1/sync"), and its retry arithmetic. No I/O, no clock, no
// randomness of their own, so each is unit-tested directly (tests/unit/client/sync_wire_test.cpp).
#pragma once

#include "synclog/client/local_store.hpp"
#include "synclog/client/types.hpp"

#include "common/status.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// The body of POST /v1/sync for `mutations`, in their order: {"mutations":[...]}. Every item
/// carries the local id as `resourceId` (client-chosen ids: a CREATE retried is an upsert), except
/// a COLLECTION_BOOKMARK, which the server knows by its data (its composite id may be longer than
/// a resourceId may be). A DELETE carries `data` only for a COLLECTION_BOOKMARK (the pair). A
/// COLLECTION_BOOKMARK has no UPDATE on the server: one (a conflict settled for the local side)
/// is sent as a CREATE, the idempotent upsert of the membership.
std::string push_body(const std::vector<QueuedMutation>& mutations);

/// What conflictMode=field adds to one pushed mutation (docs/api.md, "Genuine-only conflicts").
struct FieldBase {
  /// `baseTimestamp`: the server version the mutation was edited from; 0: none is sent (the
  /// server then takes the request's lastMutationAt).
  std::int64_t version = 0;
  /// The server's `data` at `version` (records.base). When set, an UPDATE of a NOTE or a
  /// BOOKMARK carries only the fields that differ from it.
  std::optional<std::string> data;
};

/// The body of POST /v1/sync?conflictMode=field: push_body's items, each with its
/// `baseTimestamp` (when bases[i].version > 0), and an UPDATE of a NOTE or BOOKMARK with a base
/// `data` cut down to the fields that differ from it, so that the server judges only what the
/// device changed. COLLECTION and READING_SESSION UPDATEs keep their whole state: the server
/// requires `name` and the position (each their resource's one stamped field anyway).
/// `bases` holds one FieldBase per mutation (missing ones count as empty).
std::string field_push_body(const std::vector<QueuedMutation>& mutations,
                            const std::vector<FieldBase>& bases);

/// One entry of a pull.
struct PullEntry {
  MutationType type = MutationType::kCreate;
  Resource resource = Resource::kNote;
  std::string id;                   ///< "<collectionId>-<bookmarkId>" for a COLLECTION_BOOKMARK
  std::optional<std::string> data;  ///< nullopt for a DELETE (a tombstone)
  std::int64_t timestamp = 0;
};

struct PullPage {
  std::vector<PullEntry> entries;
  std::int64_t total = 0;
  bool has_more = false;
  std::int64_t last_mutation_at = 0;
};

/// Reads a 200 answer of GET /v1/sync. kInternal for an answer that is not the documented shape
/// (an entry of an unknown resource included: the engine must not skip what it cannot store).
Result<PullPage> parse_pull(std::string_view body);

/// The head of a 200 answer of GET /v1/sync?metadataOnly=true (or of any pull).
Result<std::int64_t> parse_head(std::string_view body);

/// The head a change-stream `head` event's data carries ({"lastMutationAt":<head>}, docs/api.md
/// "GET /v1/sync/events"). kInternal for data of another shape or a head that is not positive.
Result<std::int64_t> parse_head_event(std::string_view data);

struct PushAnswer {
  std::vector<BatchAck> acks;
  std::int64_t last_mutation_at = 0;
  bool has_outcomes = false;  ///< an ack carried `outcome`: the server speaks conflictMode=field
};

/// Reads a 200 answer of POST /v1/sync. An ack's `outcome` ("applied", "merged", "conflict")
/// is read when present; a conflict's ack needs no timestamp, every other ack does.
Result<PushAnswer> parse_push_answer(std::string_view body);

/// The message of an error answer in either envelope ({"message"} or {"error":{"message"}}),
/// else the body itself (cut to a readable length).
std::string error_message(std::string_view body);

/// The zero-based index a refusal names ("... at mutation[3]"), if it names one.
std::optional<std::size_t> refused_index(std::string_view message);

/// A Retry-After header's delay: delta-seconds only (an HTTP date is ignored: the device's clock
/// may be off, and the engine's own backoff is a fine fallback).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

/// The wait before retry number `retry` (0 for the first retry): exponential with full jitter,
/// `unit` (uniform in [0, 1)) times min(cap, base * 2^retry).
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit);

}  // namespace synclog::client
