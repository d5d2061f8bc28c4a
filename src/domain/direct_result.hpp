// What a direct endpoint's domain operation produces: the response body, and for a single
// resource its version and last writer (sent as ETag and X-Modified-By).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/field_conflicts.hpp"

namespace synclog::domain {

struct DirectResult {
  std::string body;
  std::optional<std::int64_t> version;
  std::string modified_by;
  // Whether `version` changes whenever `body` can. A body that also shows other records (a
  // bookmark's collectionsCount, a collection's bookmarks) can change under the same version:
  // its ETag still serves If-Match on the record, but a read never answers 304 with it, which
  // would tell a cache that a stale list is current.
  bool version_covers_body = true;
  // conflictMode=field with a stale If-Match: how the write was judged; with a conflict
  // nothing was written and the answer is 412 carrying it.
  std::optional<JudgedOutcome> judged;
  std::optional<Conflict> conflict;
};

}  // namespace synclog::domain
