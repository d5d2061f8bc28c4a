// Idempotency keys: parsing, fingerprints, and the replay rule.
#include "domain/idempotency.hpp"

#include <algorithm>

#include "common/sha256.hpp"

namespace synclog::domain {

Result<std::string> parse_idempotency_key(std::string_view header) {
  const auto bad = [](std::string why) {
    return make_error(ErrorCode::kInvalidRequest, "Idempotency-Key " + why);
  };
  std::string_view key = header;
  if (key.size() >= 2 && key.front() == '"' && key.back() == '"') {
    key = key.substr(1, key.size() - 2);
    // An sf-string may escape '"' and '\'; keys never need them, so escapes are refused
    // rather than half-understood.
    if (key.find('\\') != std::string_view::npos) return bad("must not contain escapes");
  }
  if (key.empty()) return bad("must not be empty");
  if (key.size() > kMaxIdempotencyKeyLength) {
    return bad("must be at most " + std::to_string(kMaxIdempotencyKeyLength) + " characters");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e || c == '"') return bad("must be visible ASCII characters (a UUID, for example)");
  }
  return std::string(key);
}

std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::vector<std::pair<std::string, std::string>> params, std::string_view body) {
  std::erase_if(params, [](const auto& p) { return p.first == "lastMutationAt"; });
  std::sort(params.begin(), params.end());
  // Lengths before each part, so no choice of bytes in one part can imitate another split.
  std::string text;
  const auto part = [&text](std::string_view v) {
    text.append(std::to_string(v.size())).push_back(':');
    text.append(v);
  };
  part(method);
  part(path);
  for (const auto& [name, value] : params) {
    part(name);
    part(value);
  }
  part(body);
  return sha256_hex(text);
}

Result<std::optional<storage::StoredResponse>> find_replay(storage::WriteTxn& txn,
                                                           const IdempotentRequest& req) {
  SYNCLOG_ASSIGN_OR_RETURN(auto stored, txn.find_response(req.key));
  if (stored && stored->fingerprint != req.fingerprint) {
    return make_error(ErrorCode::kUnprocessable,
                      "Idempotency-Key was already used for a different request; use a new key for a new request");
  }
  return stored;
}

Status remember_answer(storage::WriteTxn& txn, const IdempotentRequest& req,
                       storage::StoredResponse answer, std::int64_t now_ms) {
  answer.fingerprint = req.fingerprint;
  answer.created_ms = now_ms;
  return txn.put_response(req.key, answer);
}

}  // namespace synclog::domain
