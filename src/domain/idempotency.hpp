// Idempotency keys (SPEC section 3; the IETF httpapi Idempotency-Key draft). A write sent with
// a key is applied at most once: its answer is stored under the key in the same transaction as
// its writes, and a retry with the same key and the same request gets that answer again, byte
// for byte, whatever happened since (the head may have moved on). The same key with a
// different request is refused. Only applied writes are remembered: a request that failed
// changed nothing, so its retry simply runs again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;

// The header's value as a key: a structured-field string ("...", as the draft specifies) or
// the bare text many clients send; 1-255 visible ASCII characters either way. 400 otherwise.
Result<std::string> parse_idempotency_key(std::string_view header);

struct IdempotentRequest {
  std::string key;
  std::string fingerprint;  // what the request was; a retry must have the same
};

// The fingerprint of a request: its method, path, query parameters and body. The parameters
// are taken decoded and sorted, so their order and spelling do not matter, and without
// `lastMutationAt`: a retry sent after the head moved names the new head, and is still the
// same request (SPEC: "even when the head has moved since").
std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::vector<std::pair<std::string, std::string>> params, std::string_view body);

// What a keyed write finds before it runs: the stored answer to replay, or none (run it). An
// answer stored for a different request under the same key is 422.
Result<std::optional<storage::StoredResponse>> find_replay(storage::WriteTxn& txn,
                                                           const IdempotentRequest& req);

// Stores `answer` under the request's key, in the write's transaction.
Status remember_answer(storage::WriteTxn& txn, const IdempotentRequest& req,
                       storage::StoredResponse answer, std::int64_t now_ms);

}  // namespace synclog::domain
