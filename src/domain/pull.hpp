// GET /v1/sync: one entry per resource changed since the cursor, ascending by ts, under one
// read snapshot (so `lastMutationAt` and the entries agree).
//
// Two shapes, both from SPEC section 2:
//  - paged (the request has `page` or `limit`): offset pages of the log. Superseded entries
//    still awaiting compaction are included, so a resource that changes mid-traversal does not
//    shift unread entries out of reach; its new state arrives later in the same traversal.
//    `lastMutationAt` is the head on every page.
//  - capped (neither): every live entry since the cursor up to a cap (entries, and bytes); when
//    the cap cuts it, `hasMore` is true and `lastMutationAt` is the ts of the last entry
//    returned, so a client that stores it as its cursor resumes exactly there. `limit` echoes
//    the entries the answer could hold, so `hasMore == page*limit < total` still holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "domain/resource.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

class TypeRegistry;
const TypeRegistry& quran_types();

struct PullRequest {
  std::int64_t since = 0;  // exclusive
  ResourceSet resources = ResourceSet::all();  // already narrowed to what the token may read
  std::optional<std::int64_t> page;
  std::optional<int> limit;
  bool metadata_only = false;
  int cap = 10000;
  std::size_t max_bytes = 8u << 20;  // capped shape: stop once the answer is this large
  // The log's types: the names entries are pulled under.
  const TypeRegistry* types = &quran_types();
  bool paged() const { return page.has_value() || limit.has_value(); }
};

struct PullResult {
  std::string body;  // the whole 200 response body
  std::int64_t last_mutation_at = 0;
  std::size_t entries = 0;
  bool more_pages = false;  // paged, and pages remain: the traversal continues
};

Result<PullResult> run_pull(storage::ReadTxn& txn, const PullRequest& req);

// The answer to a metadataOnly pull: the head alone (no entries, no page fields).
PullResult head_only(std::int64_t head);

}  // namespace synclog::domain
