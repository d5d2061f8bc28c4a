// The direct note endpoints: GET/POST /v1/notes, GET /v1/notes/by-verse/{verseKey},
// /v1/notes/by-range, /v1/notes/count-within-range, /v1/notes/by-attached-entity,
// GET/PATCH/DELETE /v1/notes/{noteId}. Publishing (POST /v1/notes/{noteId}/publish) belongs to
// QuranReflect, another service: synclog answers 501.
#include <boost/json.hpp>

#include "domain/direct_reads.hpp"
#include "domain/direct_writes.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace {

using domain::Action;
using domain::MutationType;
using domain::Resource;

Status require_note(const Exchange& ex, Action a) {
  return require(ex.ctx(), Resource::kNote, a);
}

// from/to verse keys as a range (from not after to).
Result<domain::quran::VerseRange> range_params(const HttpRequest& req) {
  const auto from_text = req.param("from");
  const auto to_text = req.param("to");
  if (!from_text) return make_error(ErrorCode::kInvalidRequest, "from is required");
  if (!to_text) return make_error(ErrorCode::kInvalidRequest, "to is required");
  const auto from = domain::parse_verse_key(*from_text);
  const auto to = domain::parse_verse_key(*to_text);
  if (!from) return make_error(ErrorCode::kUnprocessable, "from must be a verse key like 2:255");
  if (!to) return make_error(ErrorCode::kUnprocessable, "to must be a verse key like 2:255");
  if (*to < *from) return make_error(ErrorCode::kUnprocessable, "from must not be after to");
  return domain::quran::VerseRange{from->first, from->second, to->first, to->second};
}

void list(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require_note(*ex, Action::kRead); !st.ok()) return ex->fail(st.error());
  auto limit = int_param(req, "limit", 1, domain::kMaxPageSize);
  if (!limit.ok()) return ex->fail(limit.error());
  const auto sort = req.param("sortBy");
  if (sort && !sort->empty() && *sort != "newest" && *sort != "oldest") {
    return ex->fail(make_error(ErrorCode::kUnprocessable, "sortBy must be newest or oldest"));
  }
  std::optional<std::string> cursor;
  if (auto c = req.param("cursor"); c && !c->empty()) cursor = std::string(*c);
  run_read_body(s, ex, [oldest = sort && *sort == "oldest", cursor,
                        limit = limit->value_or(domain::kDefaultPageSize)](domain::ResourceView& v) {
    return domain::list_notes(v, oldest, cursor, limit);
  });
}

void create(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_note(*ex, Action::kCreate); !st.ok()) return ex->fail(st.error());
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  auto c = read_as<domain::NoteCreate>(MutationType::kCreate, Resource::kNote, body->get_object());
  if (!c.ok()) return ex->fail(c.error());
  run_write(s, ex, [c = std::move(*c)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::create_note(l, c, pre);
  });
}

void by_verse(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_note(*ex, Action::kRead); !st.ok()) return ex->fail(st.error());
  const auto key = ex->path_param("verseKey");
  const auto verse = key ? domain::parse_verse_key(*key) : std::nullopt;
  if (!verse) return ex->fail(make_error(ErrorCode::kUnprocessable, "verseKey must be a verse key like 2:255"));
  run_read_body(s, ex, [v = *verse](domain::ResourceView& view) {
    return domain::notes_by_verse(view, v.first, v.second);
  });
}

void by_range(Services& s, const std::shared_ptr<Exchange>& ex, bool count_only) {
  if (auto st = require_note(*ex, Action::kRead); !st.ok()) return ex->fail(st.error());
  auto range = range_params(ex->request());
  if (!range.ok()) return ex->fail(range.error());
  run_read_body(s, ex, [r = *range, count_only](domain::ResourceView& v) {
    return count_only ? domain::notes_count_in_range(v, r) : domain::notes_by_range(v, r);
  });
}

void by_entity(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require_note(*ex, Action::kRead); !st.ok()) return ex->fail(st.error());
  const auto id = req.param("entityId");
  const auto type = req.param("entityType");
  if (!id || id->empty()) return ex->fail(make_error(ErrorCode::kInvalidRequest, "entityId is required"));
  if (!type) return ex->fail(make_error(ErrorCode::kInvalidRequest, "entityType is required"));
  if (*type != "reflection") return ex->fail(make_error(ErrorCode::kUnprocessable, "entityType must be reflection"));
  run_read_body(s, ex, [id = std::string(*id), type = std::string(*type)](domain::ResourceView& v) {
    return domain::notes_by_entity(v, id, type);
  });
}

void get_one(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_note(*ex, Action::kRead); !st.ok()) return ex->fail(st.error());
  auto id = path_id(*ex, "noteId", "Note");
  if (!id.ok()) return ex->fail(id.error());
  run_read(s, ex, [id = *id](domain::ResourceView& v) { return domain::get_note(v, id); });
}

void update(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_note(*ex, Action::kUpdate); !st.ok()) return ex->fail(st.error());
  auto id = path_id(*ex, "noteId", "Note");
  if (!id.ok()) return ex->fail(id.error());
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  auto mode = conflict_mode_param(ex->request());
  if (!mode.ok()) return ex->fail(mode.error());
  auto u = read_as<domain::NoteUpdate>(MutationType::kUpdate, Resource::kNote, body->get_object(), *mode);
  if (!u.ok()) return ex->fail(u.error());
  run_write(s, ex, [id = *id, u = std::move(*u)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::update_note(l, id, u, pre);
  }, JudgesStaleIfMatch::kOnRequest);
}

void remove(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_note(*ex, Action::kDelete); !st.ok()) return ex->fail(st.error());
  auto id = path_id(*ex, "noteId", "Note");
  if (!id.ok()) return ex->fail(id.error());
  run_write(s, ex, [id = *id](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::delete_note(l, id, pre);
  }, JudgesStaleIfMatch::kOnRequest);
}

void publish(const std::shared_ptr<Exchange>& ex) {
  ex->fail(make_error(ErrorCode::kNotImplemented,
                      "Publishing notes belongs to QuranReflect, a separate service; synclog keeps "
                      "notes but does not publish them"));
}

}  // namespace

void add_note_routes(Router& router, Services& s) {
  router.add(Route{"GET", "/v1/notes", true, [&s](const auto& ex) { list(s, ex); }});
  router.add(Route{"POST", "/v1/notes", true, [&s](const auto& ex) { create(s, ex); }});
  router.add(Route{"GET", "/v1/notes/by-verse/{verseKey}", true, [&s](const auto& ex) { by_verse(s, ex); }});
  router.add(Route{"GET", "/v1/notes/by-range", true, [&s](const auto& ex) { by_range(s, ex, false); }});
  router.add(Route{"GET", "/v1/notes/count-within-range", true, [&s](const auto& ex) { by_range(s, ex, true); }});
  router.add(Route{"GET", "/v1/notes/by-attached-entity", true, [&s](const auto& ex) { by_entity(s, ex); }});
  router.add(Route{"GET", "/v1/notes/{noteId}", true, [&s](const auto& ex) { get_one(s, ex); }});
  router.add(Route{"PATCH", "/v1/notes/{noteId}", true, [&s](const auto& ex) { update(s, ex); }});
  router.add(Route{"DELETE", "/v1/notes/{noteId}", true, [&s](const auto& ex) { remove(s, ex); }});
  router.add(Route{"POST", "/v1/notes/{noteId}/publish", true, [](const auto& ex) { publish(ex); }});
}

}  // namespace synclog::http::handlers
