// Pulling a shared space (space_puller.hpp).
#include "client/space_puller.hpp"

#include "client/space_validation.hpp"
#include "client/space_wire.hpp"

#include <algorithm>
#include <limits>

namespace synclog::client {

Result<SpaceStep> SpacePuller::pull_from(SpaceRow& row, std::int64_t since,
                                         const std::vector<std::string>& types, bool move_cursor,
                                         std::int64_t& head) {
  std::string filter;
  for (const auto& t : types) filter += (filter.empty() ? "&resources=" : ",") + t;
  const std::int64_t pulled_before = progress_.pulled;
  for (;;) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/v1/spaces/" + row.id + "/sync?mutationsSince=" + std::to_string(since) + filter;
    add_schema_header(ctx_.file, row, req);
    SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx_.send(std::move(req)));
    std::int64_t min_version = 0;
    SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, space_answer(r, "pulling space " + row.id, min_version));
    if (step == SpaceStep::kUpgradeRequired) row.needed_version = min_version;
    if (step != SpaceStep::kDone) return step;
    SYNCLOG_ASSIGN_OR_RETURN(SpacePage page, parse_space_pull(r.body));
    const Status applied = ctx_.file.atomically([&]() -> Status {
      for (const auto& e : page.entries) SYNCLOG_RETURN_IF_ERROR(ctx_.file.apply_entry(row.id, e));
      if (move_cursor) return ctx_.file.set_space_cursor(row.id, page.last_mutation_at);
      return Status();
    });
    SYNCLOG_RETURN_IF_ERROR(applied);
    if (move_cursor) row.cursor = page.last_mutation_at;
    ctx_.report().space_pulled += static_cast<std::int64_t>(page.entries.size());
    progress_.pulled += static_cast<std::int64_t>(page.entries.size());
    progress_.total = std::max(progress_.total, pulled_before + page.total);
    progress_.total = std::max(progress_.total, progress_.pulled);
    ctx_.progress(progress_);
    head = page.last_mutation_at;
    // A capped answer ends at its last entry's timestamp: the next page starts there.
    if (!page.has_more || page.last_mutation_at <= since) return SpaceStep::kDone;
    since = page.last_mutation_at;
  }
}

Result<SpaceStep> SpacePuller::pull(SpaceRow& row, const std::vector<std::string>& all_types) {
  progress_ = SyncProgress{};
  progress_.phase = SyncProgress::Phase::kPull;
  progress_.space = row.id;
  progress_.first_pull = row.cursor == 0;
  for (int attempt = 0;; ++attempt) {
    std::int64_t head = 0;
    Result<SpaceStep> step = SpaceStep::kDone;
    if (row.cursor > 0) {
      step = pull_from(row, row.cursor, {}, /*move_cursor=*/true, head);
    } else {
      // A first pull: master data first, then the rest. The cursor becomes the smaller of
      // the two phases' heads, so what changed between them comes again next time rather
      // than never.
      SYNCLOG_ASSIGN_OR_RETURN(auto doc, ctx_.file.schema(row.schema));
      TypeGroups groups = doc ? type_groups(doc->document) : TypeGroups{};
      if (!all_types.empty()) {
        // Master data first, as far as the device knows it; then everything else the space
        // has, types of a newer version included.
        std::vector<std::string> master;
        for (const auto& t : groups.master) {
          if (std::find(all_types.begin(), all_types.end(), t) != all_types.end()) master.push_back(t);
        }
        groups.master = std::move(master);
        groups.captured.clear();
        for (const auto& t : all_types) {
          if (std::find(groups.master.begin(), groups.master.end(), t) == groups.master.end()) {
            groups.captured.push_back(t);
          }
        }
      }
      std::vector<std::vector<std::string>> phases;
      if (!groups.master.empty() && !groups.captured.empty()) {
        phases = {groups.master, groups.captured};
      } else {
        phases = {{}};
      }
      std::int64_t cursor = std::numeric_limits<std::int64_t>::max();
      for (const auto& types : phases) {
        step = pull_from(row, 0, types, /*move_cursor=*/false, head);
        if (!step.ok() || *step != SpaceStep::kDone) break;
        cursor = std::min(cursor, head);
      }
      if (step.ok() && *step == SpaceStep::kDone) {
        SYNCLOG_RETURN_IF_ERROR(ctx_.file.set_space_cursor(row.id, cursor));
        row.cursor = cursor;
      }
    }
    if (!step.ok()) return step;
    if (*step != SpaceStep::kResync || attempt > 0) return step;
    // The cursor is older than what the space keeps: start from 0, forgetting what the device
    // synced (it may have been deleted since, its tombstone purged) but never its own edits.
    const Status reset = ctx_.file.atomically([&]() -> Status {
      SYNCLOG_RETURN_IF_ERROR(ctx_.file.forget_synced(row.id));
      return ctx_.file.set_space_cursor(row.id, 0);
    });
    SYNCLOG_RETURN_IF_ERROR(reset);
    row.cursor = 0;
    ctx_.report().resynced = true;
  }
}

}  // namespace synclog::client
