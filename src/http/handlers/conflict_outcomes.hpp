// Reporting conflictMode=field judgements: synclog_conflict_outcomes_total{resource,outcome}
// and the request log line's "outcomes".
#pragma once

#include <vector>

#include "domain/field_conflicts.hpp"
#include "domain/resource.hpp"
#include "http/app.hpp"
#include "http/exchange.hpp"

namespace synclog::http::handlers {

// The judged mutations of one write.
using Judged = std::vector<domain::JudgedOutcome>;

// Counts `judged` in the metrics and the exchange's log line. Call once per write that was
// applied (not for a replayed answer, which was counted when it was made). A space's write
// also counts softMerged and rejected outcomes in the log line.
void report_outcomes(Services& s, RequestContext& ctx, const Judged& judged, bool space = false);

}  // namespace synclog::http::handlers
