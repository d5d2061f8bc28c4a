// POST /v1/sync once the batch is validated: the optimistic-concurrency check against the
// user's head, then every mutation applied in order inside the user's write transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "domain/apply.hpp"
#include "domain/mutation.hpp"
#include "domain/schema.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

// The value a client sends for "I have never synced" (upstream's legacy first-sync protocol).
inline constexpr std::int64_t kFirstSyncMarker = -1;

inline constexpr std::string_view kOutOfSyncMessage =
    "Invalid lastMutationAt, please re-sync your data and try again.";
inline constexpr std::string_view kFirstSyncMessage =
    "First sync detected. Please use lastMutationAt=-1 for initial sync.";

struct PushRequest {
  std::int64_t last_mutation_at = 0;
  ConflictMode mode = ConflictMode::kStrict;
  std::vector<Mutation> mutations;
  std::string client_id;  // recorded as modifiedBy
  // A space's push (spaces.hpp): its log's types, the person writing (recorded with each
  // change; their other devices' changes settle by capture time) and their role as stored
  // now. Unset: a user's own log.
  const TypeRegistry* types = nullptr;
  std::string person;
  std::optional<Role> role;
};

struct PushResult {
  std::vector<Ack> acks;
  std::int64_t head = 0;  // the new head (unchanged for an empty batch)
};

// The optimistic-concurrency rule of POST /v1/sync (and of direct writes that send
// lastMutationAt): `last` must be the head, or -1 while the user has no mutations. kOutOfSync
// with one of the two messages above otherwise.
Status check_last_mutation_at(const storage::UserHead& head, std::int64_t last);

// Checks `last_mutation_at` against the head (kOutOfSync with one of the two messages above;
// in kField mode only a value beyond the head is refused), then applies the batch; in kField
// mode each mutation is judged first (field_conflicts.hpp) and a conflict is skipped. Any failure leaves the caller to abandon the transaction.
Result<PushResult> apply_push(storage::WriteTxn& txn, const PushRequest& req, std::int64_t now_ms);

// {"success":true,"data":{"mutations":[acks...],"lastMutationAt":head}}; in kField mode each
// ack has an outcome, and a conflict's has its conflict instead of a timestamp. A space's
// acks may also carry a rejection (instead of a timestamp) and the clashes the
// server settled; their conflicts show both sides of each field (docs/api.md, "Outcomes").
std::string push_response_body(const PushResult& result);

}  // namespace synclog::domain
