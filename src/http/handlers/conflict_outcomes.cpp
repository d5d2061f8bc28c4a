// Outcome metrics and log fields.
#include "http/handlers/conflict_outcomes.hpp"

#include <string>

namespace synclog::http::handlers {

void report_outcomes(Services& s, RequestContext& ctx, const Judged& judged, bool space) {
  ctx.applied = ctx.merged = ctx.conflicts = 0;
  if (space) ctx.soft_merged = ctx.rejected = 0;
  for (const auto& j : judged) {
    switch (j.outcome) {
      case domain::Outcome::kApplied: ++ctx.applied; break;
      case domain::Outcome::kMerged: ++ctx.merged; break;
      case domain::Outcome::kConflict: ++ctx.conflicts; break;
      case domain::Outcome::kSoftMerged: ++ctx.soft_merged; break;
      case domain::Outcome::kRejected: ++ctx.rejected; break;
    }
    const std::string_view type = j.type_name.empty() ? domain::resource_name(j.resource) : j.type_name;
    std::string labels = "resource=\"" + std::string(type) + "\",outcome=\"" +
                         std::string(domain::outcome_name(j.outcome)) + "\"";
    if (!j.reason.empty()) labels += ",reason=\"" + std::string(j.reason) + "\"";
    s.metrics
        .counter("synclog_conflict_outcomes_total",
                 "Mutations judged by conflictMode=field, by resource, outcome and rejection reason", labels)
        .inc();
  }
}

}  // namespace synclog::http::handlers
