// The push transaction.
#include "domain/push.hpp"

#include "common/json_text.hpp"
#include "domain/ledger.hpp"

namespace synclog::domain {

Status check_last_mutation_at(const storage::UserHead& head, std::int64_t last) {
  const bool has_mutations = head.head != head.baseline;
  if (last == kFirstSyncMarker) {
    if (has_mutations) return make_error(ErrorCode::kOutOfSync, std::string(kOutOfSyncMessage));
  } else if (last != head.head) {
    return make_error(ErrorCode::kOutOfSync,
                      std::string(has_mutations ? kOutOfSyncMessage : kFirstSyncMessage));
  }
  return Status();
}

Result<PushResult> apply_push(storage::WriteTxn& txn, const PushRequest& req, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead head, txn.head());
  SYNCLOG_RETURN_IF_ERROR(check_last_mutation_at(head, req.last_mutation_at));

  Ledger ledger(txn, now_ms, head.head, req.client_id);
  PushResult result;
  result.acks.reserve(req.mutations.size());
  for (std::size_t i = 0; i < req.mutations.size(); ++i) {
    const FieldContext ctx{ErrorCode::kValidation, "data.", " at mutation[" + std::to_string(i) + "]"};
    SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply_mutation(ledger, req.mutations[i], ctx));
    result.acks.push_back(std::move(ack));
  }
  result.head = ledger.head();
  if (result.head != head.head) SYNCLOG_RETURN_IF_ERROR(txn.set_head(result.head));
  return result;
}

std::string push_response_body(const PushResult& result) {
  std::string out;
  out.reserve(64 + result.acks.size() * 192);
  out.append(R"({"success":true,"data":{"mutations":[)");
  for (std::size_t i = 0; i < result.acks.size(); ++i) {
    const Ack& a = result.acks[i];
    if (i) out.push_back(',');
    JsonObjectWriter w;
    w.str("type", mutation_type_name(a.type)).str("resource", resource_name(a.resource))
        .str("resourceId", a.resource_id);
    if (!a.data.empty()) w.raw("data", a.data);
    w.num("timestamp", a.ts);
    out += std::move(w).finish();
  }
  out.append(R"(],"lastMutationAt":)");
  append_json_int(out, result.head);
  out.append("}}");
  return out;
}

}  // namespace synclog::domain
