// Outcome metrics and log fields.
#include "http/handlers/conflict_outcomes.hpp"

#include <string>

namespace synclog::http::handlers {

void report_outcomes(Services& s, RequestContext& ctx, const Judged& judged) {
  ctx.applied = ctx.merged = ctx.conflicts = 0;
  for (const auto& [resource, outcome] : judged) {
    switch (outcome) {
      case domain::Outcome::kApplied: ++ctx.applied; break;
      case domain::Outcome::kMerged: ++ctx.merged; break;
      case domain::Outcome::kConflict: ++ctx.conflicts; break;
    }
    s.metrics
        .counter("synclog_conflict_outcomes_total",
                 "Mutations judged by conflictMode=field, by resource and outcome",
                 "resource=\"" + std::string(domain::resource_name(resource)) + "\",outcome=\"" +
                     std::string(domain::outcome_name(outcome)) + "\"")
        .inc();
  }
}

}  // namespace synclog::http::handlers
