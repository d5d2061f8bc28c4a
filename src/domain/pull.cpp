// The pull query and its response, assembled from stored wire data without re-encoding.
#include "domain/pull.hpp"

#include <limits>

#include "common/json_text.hpp"
#include "domain/record_type.hpp"
#include "domain/tuning.hpp"

namespace synclog::domain {
namespace {

void append_entry(std::string& out, const TypeRegistry& types, const storage::Entry& e, std::int64_t since) {
  const RecordType* type = types.find(e.kind);
  auto op = static_cast<MutationType>(e.op);
  // A resource created after the cursor is new to this client, whatever happened to it since.
  if (op == MutationType::kUpdate && e.created_ts > since) op = MutationType::kCreate;
  out.append(R"({"type":")");
  out.append(mutation_type_name(op));
  out.append(R"(","resource":)");
  append_json_string(out, type ? std::string_view(type->name()) : std::string_view());
  if (!type || type->pull_shows_id()) {
    out.append(R"(,"resourceId":)");
    append_json_string(out, e.id);
  }
  out.append(R"(,"data":)");
  if (type) {
    type->append_pulled_data(out, e.data);
  } else {
    out.append(e.data);
  }
  out.append(R"(,"timestamp":)");
  append_json_int(out, e.ts);
  out.push_back('}');
}

}  // namespace

PullResult head_only(std::int64_t head) {
  PullResult result;
  result.last_mutation_at = head;
  result.body = R"({"success":true,"data":{"lastMutationAt":)";
  append_json_int(result.body, head);
  result.body.append("}}");
  return result;
}

Result<PullResult> run_pull(storage::ReadTxn& txn, const PullRequest& req) {
  SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead head, txn.head());
  // A cursor before the horizon may have missed a deletion whose tombstone retention purged.
  // A pull from 0 is the resync itself: it needs no tombstones.
  if (!req.metadata_only && req.since > 0 && req.since < head.horizon) {
    return make_error(ErrorCode::kResyncRequired,
                      "mutationsSince is before the retention horizon (" + std::to_string(head.horizon) +
                          "): deletions since then are no longer kept; sync again from 0");
  }
  if (req.metadata_only) return head_only(head.head);
  PullResult result;

  storage::EntryQuery q;
  q.after_ts = req.since;
  q.kind_mask = req.resources.bits();
  q.include_superseded = req.paged();
  const std::int64_t page = req.paged() ? req.page.value_or(1) : 1;
  const std::int64_t limit = req.paged() ? req.limit.value_or(kDefaultPageLimit) : req.cap;

  std::int64_t total = 0;
  if (!req.resources.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(total, txn.count_entries(q));
  }
  std::string& out = result.body;
  out.reserve(128 + static_cast<std::size_t>(std::min<std::int64_t>(total, limit)) * 256);
  out.append(R"({"success":true,"data":{"mutations":[)");
  std::int64_t last_ts = 0;
  std::int64_t n = 0;
  const std::int64_t offset = (page - 1) * limit;
  const std::size_t budget = req.paged() ? kMaxPagedResponseBytes : req.max_bytes;
  // A capped pull from 0 after retention purged tombstones (a resync, or a new device's first
  // sync) must not stop below the horizon: its continuation cursor would be the last entry's
  // ts, and a pull from there is refused with 410, so the client would start over forever. It
  // goes on past the cap until the horizon; what lies below it is live entries only (their
  // tombstones are gone), at most one per resource.
  const bool past_horizon_only = !req.paged() && req.since == 0 && head.horizon > 0;
  bool cut_by_bytes = false;
  if (total > offset) {
    const std::int64_t scan_limit = past_horizon_only ? std::numeric_limits<std::int64_t>::max() : limit;
    SYNCLOG_RETURN_IF_ERROR(txn.scan_entries(q, offset, scan_limit, [&](const storage::Entry& e) {
      if (n++) out.push_back(',');
      append_entry(out, *req.types, e, req.since);
      last_ts = e.ts;
      if (past_horizon_only && e.ts < head.horizon) return true;
      if (n >= limit) return false;
      cut_by_bytes = out.size() >= budget;
      return !cut_by_bytes;
    }));
  }
  if (cut_by_bytes && req.paged()) {
    return make_error(ErrorCode::kUnprocessable,
                      "This page would be larger than " + std::to_string(budget >> 20) +
                          " MiB; ask for a smaller limit");
  }
  // A capped answer cut by size holds fewer entries than the cap, and one carried past the
  // horizon more: say so in `limit`, so that hasMore == page*limit < total still holds.
  const std::int64_t echoed_limit = (cut_by_bytes || n > limit) ? n : limit;
  const bool has_more = page * echoed_limit < total;
  result.entries = static_cast<std::size_t>(n);
  result.more_pages = req.paged() && has_more;
  result.last_mutation_at = (!req.paged() && has_more) ? last_ts : head.head;
  out.append(R"(],"page":)");
  append_json_int(out, page);
  out.append(R"(,"limit":)");
  append_json_int(out, echoed_limit);
  out.append(R"(,"total":)");
  append_json_int(out, total);
  out.append(R"(,"hasMore":)");
  out.append(has_more ? "true" : "false");
  out.append(R"(,"lastMutationAt":)");
  append_json_int(out, result.last_mutation_at);
  out.append("}}");
  return result;
}

}  // namespace synclog::domain
