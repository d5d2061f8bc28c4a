// The direct bookmark endpoints: POST/GET /v1/bookmarks, GET /v1/bookmarks/bookmark,
// /v1/bookmarks/collections, /v1/bookmarks/ayahs-range, DELETE /v1/bookmarks/{bookmarkId}.
#include <boost/json.hpp>

#include "domain/direct_reads.hpp"
#include "domain/direct_writes.hpp"
#include "domain/quran.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace {

using domain::Action;
using domain::MutationType;
using domain::Resource;

// mushafId, required by the bookmark reads: 400 when absent, 422 when not a known mushaf.
Result<int> required_mushaf(const HttpRequest& req) {
  SYNCLOG_ASSIGN_OR_RETURN(const auto m, required_int_param(req, "mushafId", 1, 19));
  if (!domain::quran::is_known_mushaf(static_cast<int>(m))) {
    return make_error(ErrorCode::kUnprocessable, "mushafId must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19");
  }
  return static_cast<int>(m);
}

void create(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kBookmark, Action::kCreate); !st.ok()) return ex->fail(st.error());
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  auto c = read_as<domain::BookmarkCreate>(MutationType::kCreate, Resource::kBookmark, body->get_object());
  if (!c.ok()) return ex->fail(c.error());
  run_write(s, ex, [c = std::move(*c)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::add_bookmark(l, c, pre);
  });
}

void list(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kBookmark, Action::kRead); !st.ok()) return ex->fail(st.error());
  domain::BookmarkFilter f;
  auto mushaf = required_mushaf(req);
  auto kind = kind_param(req);
  auto reading = bool_param(req, "isReading");
  auto key = int_param(req, "key", 1, 1000);
  auto page = page_params(req);
  for (const Status& st : {mushaf.status(), kind.status(), reading.status(), key.status(), page.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  f.mushaf = *mushaf;
  f.kind = *kind;
  f.is_reading = *reading;
  if (*key) f.key = static_cast<int>(**key);
  run_read_body(s, ex, [f, page = *page](domain::ResourceView& v) { return domain::list_bookmarks(v, f, page); });
}

void get_one(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kBookmark, Action::kRead); !st.ok()) return ex->fail(st.error());
  auto reading = bool_param(req, "isReading");
  if (!reading.ok()) return ex->fail(reading.error());
  if (reading->value_or(false)) {
    return run_read(s, ex, [](domain::ResourceView& v) { return domain::get_reading_bookmark(v); });
  }
  auto details = details_from_query(req);
  if (!details.ok()) return ex->fail(details.error());
  run_read(s, ex, [d = *details](domain::ResourceView& v) { return domain::get_bookmark(v, d); });
}

void collections_of(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kCollectionBookmark, Action::kRead); !st.ok()) {
    return ex->fail(st.error());
  }
  auto details = details_from_query(req);
  auto include_default = bool_param(req, "includeDefault");
  for (const Status& st : {details.status(), include_default.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  run_read_body(s, ex, [d = *details, with_default = include_default->value_or(false)](domain::ResourceView& v) {
    return domain::bookmark_collection_ids(v, d, with_default);
  });
}

void ayahs_range(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kBookmark, Action::kRead); !st.ok()) return ex->fail(st.error());
  auto surah = required_int_param(req, "chapterNumber", 1, domain::quran::kSurahCount);
  auto mushaf = required_mushaf(req);
  for (const Status& st : {surah.status(), mushaf.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  const int ayahs = domain::quran::ayah_count(static_cast<int>(*surah));
  auto from = required_int_param(req, "rangeStartAyahNumber", 1, ayahs);
  auto to = required_int_param(req, "rangeEndAyahNumber", 1, ayahs);
  for (const Status& st : {from.status(), to.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  if (*from > *to) {
    return ex->fail(make_error(ErrorCode::kUnprocessable, "rangeStartAyahNumber must not be after rangeEndAyahNumber"));
  }
  run_read_body(s, ex, [surah = *surah, from = *from, to = *to](domain::ResourceView& v) {
    return domain::bookmarks_in_ayah_range(v, static_cast<int>(surah), static_cast<int>(from), static_cast<int>(to));
  });
}

void remove(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kBookmark, Action::kDelete); !st.ok()) return ex->fail(st.error());
  auto id = path_id(*ex, "bookmarkId", "Bookmark");
  if (!id.ok()) return ex->fail(id.error());
  run_write(s, ex, [id = *id](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::delete_bookmark(l, id, pre);
  }, JudgesStaleIfMatch::kOnRequest);
}

}  // namespace

void add_bookmark_routes(Router& router, Services& s) {
  router.add(Route{"POST", "/v1/bookmarks", true, [&s](const auto& ex) { create(s, ex); }});
  router.add(Route{"GET", "/v1/bookmarks", true, [&s](const auto& ex) { list(s, ex); }});
  router.add(Route{"GET", "/v1/bookmarks/bookmark", true, [&s](const auto& ex) { get_one(s, ex); }});
  router.add(Route{"GET", "/v1/bookmarks/collections", true, [&s](const auto& ex) { collections_of(s, ex); }});
  router.add(Route{"GET", "/v1/bookmarks/ayahs-range", true, [&s](const auto& ex) { ayahs_range(s, ex); }});
  router.add(Route{"DELETE", "/v1/bookmarks/{bookmarkId}", true, [&s](const auto& ex) { remove(s, ex); }});
}

}  // namespace synclog::http::handlers
