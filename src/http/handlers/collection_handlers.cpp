// The direct collection endpoints: POST/GET /v1/collections, GET /v1/collections/all,
// GET/POST/DELETE /v1/collections/{collectionId}, and adding and removing bookmarks
// (/v1/collections/{collectionId}/bookmarks[/{bookmarkId}]). "__default__" is Favorites.
#include <boost/json.hpp>

#include "domain/direct_reads.hpp"
#include "domain/direct_writes.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"

namespace synclog::http::handlers {
namespace {

namespace json = boost::json;
using domain::Action;
using domain::MutationType;
using domain::Resource;

// A collection id from the path: an id, or "__default__" where Favorites is allowed.
Result<std::string> collection_id(const Exchange& ex) {
  const auto id = ex.path_param("collectionId");
  if (id && *id == domain::kDefaultCollectionId) return std::string(*id);
  return path_id(ex, "collectionId", "Collection");
}

Result<domain::ItemSort> item_sort(const HttpRequest& req) {
  const auto v = req.param("sortBy");
  if (!v || v->empty() || *v == "recentlyAdded") return domain::ItemSort::kRecentlyAdded;
  if (*v == "verseKey") return domain::ItemSort::kVerseKey;
  return make_error(ErrorCode::kUnprocessable, "sortBy must be recentlyAdded or verseKey");
}

Result<domain::CollectionSort> collection_sort(const HttpRequest& req) {
  const auto v = req.param("sortBy");
  if (!v || v->empty() || *v == "recentlyUpdated") return domain::CollectionSort::kRecentlyUpdated;
  if (*v == "alphabetical") return domain::CollectionSort::kAlphabetical;
  if (*v == "alphabeticalDesc") return domain::CollectionSort::kAlphabeticalDesc;
  return make_error(ErrorCode::kUnprocessable, "sortBy must be recentlyUpdated, alphabetical or alphabeticalDesc");
}

// The membership target of a bookmarks sub-resource request: the path's collection, and the
// bookmark by the path's id, or by the body (bookmarkId or details).
Result<domain::MembershipTarget> target_of(const Exchange& ex, MutationType type, bool bookmark_in_path) {
  SYNCLOG_ASSIGN_OR_RETURN(const std::string cid, collection_id(ex));
  json::object data;
  if (bookmark_in_path) {
    SYNCLOG_ASSIGN_OR_RETURN(const std::string bid, path_id(ex, "bookmarkId", "Bookmark"));
    data["bookmarkId"] = bid;
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(auto body, json_object_body(ex.request()));
    data = std::move(body.get_object());
  }
  data["collectionId"] = cid;
  return read_as<domain::MembershipTarget>(type, Resource::kCollectionBookmark, data);
}

void create(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kCollection, Action::kCreate); !st.ok()) return ex->fail(st.error());
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  auto f = read_as<domain::CollectionFields>(MutationType::kCreate, Resource::kCollection, body->get_object());
  if (!f.ok()) return ex->fail(f.error());
  run_write(s, ex, [f = std::move(*f)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::create_collection(l, f, pre);
  });
}

void list(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kCollection, Action::kRead); !st.ok()) return ex->fail(st.error());
  auto sort = collection_sort(req);
  auto kind = kind_param(req);
  auto page = page_params(req);
  for (const Status& st : {sort.status(), kind.status(), page.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  run_read_body(s, ex, [sort = *sort, kind = *kind, page = *page](domain::ResourceView& v) {
    return domain::list_collections(v, sort, kind, page);
  });
}

void all(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kCollectionBookmark, Action::kRead); !st.ok()) {
    return ex->fail(st.error());
  }
  auto sort = item_sort(req);
  auto kind = kind_param(req);
  auto page = page_params(req);
  for (const Status& st : {sort.status(), kind.status(), page.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  run_read_body(s, ex, [sort = *sort, kind = *kind, page = *page](domain::ResourceView& v) {
    return domain::all_collection_bookmarks(v, sort, kind, page);
  });
}

void get_one(Services& s, const std::shared_ptr<Exchange>& ex) {
  const auto& req = ex->request();
  if (auto st = require(ex->ctx(), Resource::kCollectionBookmark, Action::kRead); !st.ok()) {
    return ex->fail(st.error());
  }
  auto id = collection_id(*ex);
  auto sort = item_sort(req);
  auto page = page_params(req);
  for (const Status& st : {id.status(), sort.status(), page.status()}) {
    if (!st.ok()) return ex->fail(st.error());
  }
  run_read(s, ex, [id = *id, sort = *sort, page = *page](domain::ResourceView& v) {
    return domain::get_collection(v, id, sort, page);
  });
}

void rename(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kCollection, Action::kUpdate); !st.ok()) return ex->fail(st.error());
  auto id = collection_id(*ex);
  if (!id.ok()) return ex->fail(id.error());
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  auto f = read_as<domain::CollectionFields>(MutationType::kUpdate, Resource::kCollection, body->get_object());
  if (!f.ok()) return ex->fail(f.error());
  run_write(s, ex, [id = *id, f = std::move(*f)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::rename_collection(l, id, f, pre);
  }, JudgesStaleIfMatch::kOnRequest);
}

void remove(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kCollection, Action::kDelete); !st.ok()) return ex->fail(st.error());
  auto id = collection_id(*ex);
  if (!id.ok()) return ex->fail(id.error());
  run_write(s, ex, [id = *id](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::delete_collection(l, id, pre);
  }, JudgesStaleIfMatch::kOnRequest);
}

void add_bookmark(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kCollectionBookmark, Action::kCreate); !st.ok()) {
    return ex->fail(st.error());
  }
  auto target = target_of(*ex, MutationType::kCreate, /*bookmark_in_path=*/false);
  if (!target.ok()) return ex->fail(target.error());
  run_write(s, ex, [t = std::move(*target)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::add_to_collection(l, t, pre);
  });
}

void remove_bookmark(Services& s, const std::shared_ptr<Exchange>& ex, bool bookmark_in_path) {
  if (auto st = require(ex->ctx(), Resource::kCollectionBookmark, Action::kDelete); !st.ok()) {
    return ex->fail(st.error());
  }
  auto target = target_of(*ex, MutationType::kDelete, bookmark_in_path);
  if (!target.ok()) return ex->fail(target.error());
  // By path the answer is a message; by body it is {} (the upstream examples).
  const std::string message = bookmark_in_path ? "collection bookmark deleted" : "";
  run_write(s, ex, [t = std::move(*target), message](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::remove_from_collection(l, t, pre, message);
  });
}

}  // namespace

void add_collection_routes(Router& router, Services& s) {
  router.add(Route{"POST", "/v1/collections", true, [&s](const auto& ex) { create(s, ex); }});
  router.add(Route{"GET", "/v1/collections", true, [&s](const auto& ex) { list(s, ex); }});
  router.add(Route{"GET", "/v1/collections/all", true, [&s](const auto& ex) { all(s, ex); }});
  router.add(Route{"GET", "/v1/collections/{collectionId}", true, [&s](const auto& ex) { get_one(s, ex); }});
  router.add(Route{"POST", "/v1/collections/{collectionId}", true, [&s](const auto& ex) { rename(s, ex); }});
  router.add(Route{"DELETE", "/v1/collections/{collectionId}", true, [&s](const auto& ex) { remove(s, ex); }});
  router.add(Route{"POST", "/v1/collections/{collectionId}/bookmarks", true,
                   [&s](const auto& ex) { add_bookmark(s, ex); }});
  router.add(Route{"DELETE", "/v1/collections/{collectionId}/bookmarks", true,
                   [&s](const auto& ex) { remove_bookmark(s, ex, false); }});
  router.add(Route{"DELETE", "/v1/collections/{collectionId}/bookmarks/{bookmarkId}", true,
                   [&s](const auto& ex) { remove_bookmark(s, ex, true); }});
}

}  // namespace synclog::http::handlers
