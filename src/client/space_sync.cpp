// One sync of the person's shared spaces (space_sync.hpp).
//
// Decisions where docs/client.md is silent:
//  - A space that answers 404 is purged (its unsynced edits to the quarantine, never away) only
//    when the person's feed, pulled from 0, no longer lists it: the server tells strangers 404,
//    but so does a proxy or a node without spaces during a deployment.
//  - A device that follows the latest schema (the app pinned none) and meets a 426 fetches the
//    latest document and carries on; an app that pinned its version is told "update required"
//    and its edits wait.
#include "client/space_sync.hpp"

#include "client/json_answer.hpp"
#include "client/space_puller.hpp"
#include "client/space_pusher.hpp"
#include "client/space_validation.hpp"
#include "client/space_wire.hpp"
#include "client/sync_wire.hpp"

#include <boost/json/serialize.hpp>

#include <optional>
#include <string>
#include <vector>

namespace synclog::client {

Result<SpaceStep> space_answer(const HttpResponse& r, std::string_view what,
                               std::int64_t& min_version) {
  if (r.status == 200) return SpaceStep::kDone;
  const std::string code = error_code_of(r.body);
  if (r.status == 403 && code == "SpaceAccessRevoked") return SpaceStep::kGone;
  if (r.status == 404) return SpaceStep::kMissing;
  if (r.status == 426) {
    min_version = error_int_of(r.body, "minVersion");
    return SpaceStep::kUpgradeRequired;
  }
  if (r.status == 410) return SpaceStep::kResync;
  const std::string message = std::string(what) + ": " + error_message(r.body);
  switch (r.status) {
    case 401: return make_error(ErrorCode::kUnauthorized, message);
    case 403: return make_error(ErrorCode::kForbidden, message);
    default:
      return make_error(r.status >= 500 || r.status == 429 ? ErrorCode::kUnavailable
                                                           : ErrorCode::kInternal,
                        message + " (" + std::to_string(r.status) + ")");
  }
}

void add_schema_header(SpaceFile& file, const SpaceRow& row, HttpRequest& req) {
  auto doc = file.schema(row.schema);
  if (doc.ok() && *doc && (*doc)->pinned) {
    req.headers.emplace_back("x-schema-version", std::to_string((*doc)->version));
  }
}

namespace {

// The latest registered document of `name`, kept as the device's unless the app pinned its own.
Result<std::string> fetch_schema(SpaceSyncContext& ctx, const std::string& name) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/v1/schemas/" + name;
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx.send(std::move(req)));
  if (r.status != 200) {
    return make_error(r.status == 401 ? ErrorCode::kUnauthorized : ErrorCode::kInternal,
                      "fetching schema " + name + ": " + error_message(r.body));
  }
  SYNCLOG_ASSIGN_OR_RETURN(boost::json::object root, parse_object(r.body));
  SYNCLOG_ASSIGN_OR_RETURN(const boost::json::object* data, data_of(root));
  std::string document = boost::json::serialize(*data);
  const std::int64_t version = schema_document_version(document);
  if (version <= 0) return bad_answer("schema " + name + " is not a schema document");
  SYNCLOG_RETURN_IF_ERROR(ctx.file.set_schema(name, version, document, /*pinned=*/false));
  return document;
}

// Whether the person's feed lists `space` as one of theirs now (a pull of the feed from 0: one
// entry per space, its latest state).
Result<bool> listed_in_feed(SpaceSyncContext& ctx, const std::string& space) {
  std::int64_t since = 0;
  bool listed = false;
  for (;;) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/v1/spaces?mutationsSince=" + std::to_string(since);
    SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx.send(std::move(req)));
    if (r.status != 200) {
      return make_error(ErrorCode::kUnavailable, "checking the spaces feed: " + error_message(r.body));
    }
    SYNCLOG_ASSIGN_OR_RETURN(FeedPage page, parse_feed(r.body));
    for (const auto& e : page.entries) {
      if (e.space == space) listed = e.type != MutationType::kDelete;
    }
    if (!page.has_more || page.last_mutation_at <= since) return listed;
    since = page.last_mutation_at;
  }
}

// Follows the feed: returns false when the server has no spaces at all.
Result<bool> pull_feed(SpaceSyncContext& ctx) {
  SYNCLOG_ASSIGN_OR_RETURN(std::int64_t since, ctx.file.feed_cursor());
  for (;;) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/v1/spaces?mutationsSince=" + std::to_string(since);
    SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx.send(std::move(req)));
    if (r.status == 404 && since == 0) return false;
    if (r.status != 200) {
      return make_error(r.status == 401 ? ErrorCode::kUnauthorized : ErrorCode::kInternal,
                        "pulling the spaces feed: " + error_message(r.body));
    }
    SYNCLOG_ASSIGN_OR_RETURN(FeedPage page, parse_feed(r.body));
    std::vector<SyncEvent> events;
    std::int64_t quarantined = 0;
    const Status applied = ctx.file.atomically([&]() -> Status {
      for (const auto& e : page.entries) {
        SyncEvent ev;
        ev.space = e.space;
        if (e.type == MutationType::kDelete) {
          SYNCLOG_ASSIGN_OR_RETURN(auto known, ctx.file.space(e.space));
          if (!known) continue;
          SYNCLOG_ASSIGN_OR_RETURN(std::int64_t kept,
                                   ctx.file.purge(e.space, "removed from the space"));
          quarantined += kept;
          ev.kind = "space-removed";
          ev.outcome = kept > 0 ? Outcome::kNeedsUser : Outcome::kSynced;
          ev.reason = "You were removed from " + known->name +
                      (kept > 0 ? "; " + std::to_string(kept) +
                                      " unsynced edit(s) kept in the quarantine"
                                : std::string());
        } else {
          SYNCLOG_ASSIGN_OR_RETURN(auto known, ctx.file.space(e.space));
          SYNCLOG_RETURN_IF_ERROR(ctx.file.upsert_space(e));
          if (known && known->role == e.role) continue;
          ev.kind = known ? "role-changed" : "space-added";
          ev.reason = known ? "Your role in " + e.name + " is now " + e.role
                            : "You were added to " + e.name + " as " + e.role;
        }
        events.push_back(std::move(ev));
      }
      return ctx.file.set_feed_cursor(page.last_mutation_at);
    });
    SYNCLOG_RETURN_IF_ERROR(applied);
    ctx.report().quarantined += quarantined;
    for (const auto& ev : events) ctx.event(ev);
    if (!page.has_more || page.last_mutation_at <= since) return true;
    since = page.last_mutation_at;
  }
}

// One space: the push a crash left, a pull, the queue, and a pull of what the pushes did.
Result<SpaceStep> sync_space(SpaceSyncContext& ctx, SpaceRow& row) {
  SpacePuller puller(ctx);
  SpacePusher pusher(ctx);
  SYNCLOG_ASSIGN_OR_RETURN(auto inflight, ctx.file.inflight(row.id));
  if (!inflight || row.cursor == 0) {
    // A first pull asks for every type the space has now, not only those the device's schema
    // version knows: what it skips, later pulls (from its cursor) would never bring.
    std::vector<std::string> all_types;
    if (row.cursor == 0) {
      SYNCLOG_ASSIGN_OR_RETURN(std::string latest, fetch_schema(ctx, row.schema));
      TypeGroups g = type_groups(latest);
      all_types = std::move(g.master);
      all_types.insert(all_types.end(), g.captured.begin(), g.captured.end());
    }
    SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, puller.pull(row, all_types));
    if (step != SpaceStep::kDone) return step;
  }
  bool pushed = false;
  SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, pusher.push(row, pushed));
  if (step != SpaceStep::kDone) return step;
  if (pushed || inflight) return puller.pull(row);
  return SpaceStep::kDone;
}

}  // namespace

namespace {

// One space's sync, with what its answers ask for: a purge, an app update, a fresh schema.
Status sync_one(SpaceSyncContext& ctx, SpaceRow& row) {
  if (row.needed_version > 0) {
    ++ctx.report().update_required;
    return Status();
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto doc, ctx.file.schema(row.schema));
  if (!doc) SYNCLOG_RETURN_IF_ERROR(fetch_schema(ctx, row.schema).status());
  for (int attempt = 0;; ++attempt) {
    SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, sync_space(ctx, row));
    if (step == SpaceStep::kDone) break;
    if (step == SpaceStep::kMissing) {
      // A 404 is what a stranger hears, but also what a proxy or a node without spaces
      // answers: the feed decides whether the person still belongs to the space.
      SYNCLOG_ASSIGN_OR_RETURN(bool listed, listed_in_feed(ctx, row.id));
      if (listed) {
        return make_error(ErrorCode::kUnavailable,
                          "space " + row.id + " answered 404 although the person's feed lists "
                          "it; trying again at the next sync");
      }
      step = SpaceStep::kGone;
    }
    if (step == SpaceStep::kGone) {
      SYNCLOG_ASSIGN_OR_RETURN(std::int64_t kept, ctx.file.purge(row.id, "removed from the space"));
      ctx.report().quarantined += kept;
      SyncEvent ev;
      ev.space = row.id;
      ev.kind = "space-removed";
      ev.outcome = kept > 0 ? Outcome::kNeedsUser : Outcome::kSynced;
      ev.reason = "You no longer have access to " + row.name +
                  (kept > 0 ? "; " + std::to_string(kept) +
                                  " unsynced edit(s) kept in the quarantine"
                            : std::string());
      ctx.event(ev);
      return Status();
    }
    if (step == SpaceStep::kUpgradeRequired) {
      SYNCLOG_ASSIGN_OR_RETURN(auto current, ctx.file.schema(row.schema));
      if (attempt == 0 && (!current || !current->pinned)) {
        SYNCLOG_RETURN_IF_ERROR(fetch_schema(ctx, row.schema).status());
        continue;
      }
      SYNCLOG_RETURN_IF_ERROR(ctx.file.set_needed_version(row.id, row.needed_version));
      ++ctx.report().update_required;
      SyncEvent ev;
      ev.space = row.id;
      ev.kind = "update-required";
      ev.outcome = Outcome::kNeedsUser;
      ev.reason = "Space " + row.name + " needs a newer version of the app (schema " +
                  row.schema + " version " + std::to_string(row.needed_version) +
                  " or later); your edits are kept until then.";
      ctx.event(ev);
      return Status();
    }
    // kResync after a resync already: give up on this space for now.
    return make_error(ErrorCode::kResyncRequired, "space " + row.id + " kept asking for a resync");
  }
  ++ctx.report().spaces;
  return Status();
}

}  // namespace

Status sync_spaces(SpaceSyncContext& ctx) {
  SYNCLOG_ASSIGN_OR_RETURN(bool has_spaces, pull_feed(ctx));
  if (!has_spaces) return Status();
  SYNCLOG_ASSIGN_OR_RETURN(auto rows, ctx.file.spaces());
  // One space that fails (an answer this SDK cannot read, a server refusing its push) must not
  // hold back the others: each goes on, and the first failure is reported at the end.
  std::optional<Error> first;
  for (auto& row : rows) {
    const Status s = sync_one(ctx, row);
    if (s.ok()) continue;
    const ErrorCode code = s.error().code;
    if (code == ErrorCode::kUnauthorized || code == ErrorCode::kForbidden) return s;
    if (!first) first = s.error();
  }
  if (first) return *first;
  return Status();
}

}  // namespace synclog::client
