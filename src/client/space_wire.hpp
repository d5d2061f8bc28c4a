// The wire forms of shared spaces the engine writes and reads (docs/api.md, "Shared spaces"):
// the person's feed, a space's pull pages, push bodies in conflictMode=field and their acks
// with per-mutation outcomes. No I/O, so each is unit-tested directly
// (tests/unit/client/space_wire_test.cpp).
#pragma once

#include "synclog/client/types.hpp"

#include "common/status.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// One entry of GET /v1/spaces: a space the person was added to (CREATE), whose role changed
/// (UPDATE) or that they were removed from (DELETE).
struct FeedEntry {
  MutationType type = MutationType::kCreate;
  std::string space;
  std::string name, schema, role;  ///< empty for a DELETE
  std::int64_t timestamp = 0;
};

struct FeedPage {
  std::vector<FeedEntry> entries;
  bool has_more = false;
  std::int64_t last_mutation_at = 0;
};

Result<FeedPage> parse_feed(std::string_view body);

/// One entry of GET /v1/spaces/{id}/sync.
struct SpaceEntry {
  MutationType type = MutationType::kCreate;
  std::string record_type;
  std::string id;
  std::optional<std::string> data;  ///< nullopt for a DELETE
  std::int64_t timestamp = 0;
};

struct SpacePage {
  std::vector<SpaceEntry> entries;
  std::int64_t total = 0;
  bool has_more = false;
  std::int64_t last_mutation_at = 0;
};

Result<SpacePage> parse_space_pull(std::string_view body);

/// An edit as the queue holds it and a push sends it.
struct SpaceEdit {
  std::int64_t seq = 0;
  std::string space;
  std::string type;
  std::string id;
  MutationType op = MutationType::kCreate;
  std::string fields;  ///< JSON object: what it sets ({} for a DELETE)
  std::int64_t base_version = 0;  ///< the record's version it was edited from; 0: none
  std::int64_t captured_ms = 0;   ///< when the person made it (UTC epoch ms)
  std::string batch;              ///< the push holding it; empty: pending
  std::int64_t held = 0;          ///< the conflict it waits for; 0: free to push
};

/// The body of POST /v1/spaces/{id}/sync?conflictMode=field: each edit with its fields and
/// capture time (clientUpdatedAt) as `data` and its base (`baseTimestamp`, when it has one; a
/// record the device never synced is based on `cursor`, the log's state it saw).
std::string space_push_body(const std::vector<SpaceEdit>& edits, std::int64_t cursor);

/// What the server did with one edit of a field-mode push.
struct SpaceAck {
  std::string outcome;  ///< applied, merged, softMerged, conflict, rejected
  std::int64_t timestamp = 0;
  std::vector<std::string> fields;  ///< settled (merged/softMerged) or clashing fields
  // conflict
  std::string conflict_reason;  ///< "changed" or "deleted"
  std::int64_t conflict_version = 0;
  std::string server_record;  ///< JSON ("null" when deleted)
  std::string clashes;        ///< the server's clashes array, as sent
  // rejected
  std::string reason, field, message;
};

struct SpacePushAnswer {
  std::vector<SpaceAck> acks;
  std::int64_t last_mutation_at = 0;
};

/// Reads a 200 answer of a field-mode space push (also a dry run's). kInternal when an ack has
/// no known outcome.
Result<SpacePushAnswer> parse_space_push(std::string_view body);

/// A `space` event of GET /v1/spaces/events: {"spaceId","lastMutationAt"}.
struct SpaceMoved {
  std::string space;
  std::int64_t head = 0;
};
Result<SpaceMoved> parse_space_event(std::string_view data);

/// The `error.code` of an error answer, "" when it has none.
std::string error_code_of(std::string_view body);
/// An integer member of an error answer's `error` object (426's minVersion), 0 when absent.
std::int64_t error_int_of(std::string_view body, std::string_view key);

}  // namespace synclog::client
