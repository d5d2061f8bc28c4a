// Direct reads. A user's resources are few enough (thousands) to filter and sort in memory
// after one indexed scan per kind; counts of memberships come from one scan as well.
#include "domain/direct_reads.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json_text.hpp"
#include "domain/direct_wire.hpp"

namespace synclog::domain {
namespace {

constexpr char kSep = '\x1f';  // below every printable character: ties break by id

Error not_found(std::string_view what) {
  return make_error(ErrorCode::kNotFound, std::string(what) + " not found");
}

struct PagedJson {
  std::string array;
  std::string pagination;
};

// Sorts `items` by `key` and renders the requested page (or, with no `page`, all of them) with
// `to_json` per item, and its pagination.
template <class T, class KeyFn, class JsonFn>
Result<PagedJson> page_of(const std::vector<T>& items, KeyFn key, JsonFn to_json,
                          const std::optional<PageParams>& page) {
  std::vector<std::pair<std::string, std::size_t>> keyed;
  keyed.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) keyed.emplace_back(key(items[i]), i);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> keys;
  keys.reserve(keyed.size());
  for (auto& k : keyed) keys.push_back(k.first);
  PageWindow w{0, keys.size(), false, false};
  if (page) {
    SYNCLOG_ASSIGN_OR_RETURN(w, select_page(keys, *page));
  }
  PagedJson out;
  out.array = "[";
  for (std::size_t i = w.begin; i < w.end; ++i) {
    if (i > w.begin) out.array.push_back(',');
    out.array += to_json(items[keyed[i].second]);
  }
  out.array.push_back(']');
  out.pagination = pagination_json(keys, w);
  return out;
}

template <class T, class KeyFn, class JsonFn>
Result<std::string> paged(const std::vector<T>& items, KeyFn key, JsonFn to_json,
                          const std::optional<PageParams>& page) {
  SYNCLOG_ASSIGN_OR_RETURN(const PagedJson p, page_of(items, key, to_json, page));
  return success_body(p.array, p.pagination);
}

// Every item, in the order given (answers without pagination).
template <class T, class JsonFn>
std::string json_array(const std::vector<T>& items, JsonFn to_json) {
  std::string array = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) array.push_back(',');
    array += to_json(items[i]);
  }
  array.push_back(']');
  return array;
}

// Memberships per bookmark and per collection, from one scan.
struct MembershipIndex {
  std::unordered_map<std::string, int> per_bookmark;
  std::unordered_map<std::string, std::vector<Membership>> per_collection;
};

Result<MembershipIndex> index_memberships(ResourceView& v) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Membership>());
  MembershipIndex idx;
  for (auto& m : all) {
    ++idx.per_bookmark[m.bookmark_id];
    idx.per_collection[m.collection_id].push_back(std::move(m));
  }
  return idx;
}

int collections_count(const MembershipIndex& idx, const Bookmark& b) {
  auto it = idx.per_bookmark.find(b.id);
  return (it == idx.per_bookmark.end() ? 0 : it->second) + (b.in_default ? 1 : 0);
}

bool visible_in_mushaf(const Bookmark& b, int mushaf) {
  if (b.details.kind != BookmarkKind::kPage) return true;
  BookmarkDetails in_mushaf = b.details;
  in_mushaf.mushaf = mushaf;
  return in_mushaf.group() == b.details.group();
}

std::string id_key(std::string key, const std::string& id) {
  key.push_back(kSep);
  key += id;
  return key;
}

std::string verse_key(const Bookmark& b) {
  return id_key(ascending_key(static_cast<int>(b.details.kind)) + ascending_key(b.details.key) +
                    ascending_key(b.details.verse.value_or(0)),
                b.id);
}

std::string newest_first(const Note& n) { return id_key(descending_key(n.created_ts), n.id); }

std::string note_array(const std::vector<Note>& notes) {
  return json_array(notes, [](const Note& n) { return note_json(n); });
}

Result<std::vector<Note>> notes_where(ResourceView& v,
                                      const std::function<bool(const quran::VerseRange&)>& covers) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Note>());
  std::vector<Note> out;
  for (auto& n : all) {
    for (const auto& text : n.ranges) {
      const auto r = quran::parse_range(text);
      if (r && covers(*r)) {
        out.push_back(std::move(n));
        break;
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Note& a, const Note& b) { return newest_first(a) < newest_first(b); });
  return out;
}

DirectResult single(std::string body, std::int64_t version, std::string modified_by,
                    bool version_covers_body) {
  DirectResult r;
  r.body = std::move(body);
  r.version = version;
  r.modified_by = std::move(modified_by);
  r.version_covers_body = version_covers_body;
  return r;
}

}  // namespace

std::optional<std::pair<int, int>> parse_verse_key(std::string_view key) {
  const auto colon = key.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int surah = 0, ayah = 0;
  const auto s = key.substr(0, colon), a = key.substr(colon + 1);
  if (std::from_chars(s.data(), s.data() + s.size(), surah).ptr != s.data() + s.size() || s.empty() ||
      std::from_chars(a.data(), a.data() + a.size(), ayah).ptr != a.data() + a.size() || a.empty() ||
      !quran::is_valid_ayah(surah, ayah)) {
    return std::nullopt;
  }
  return std::make_pair(surah, ayah);
}

Result<std::string> list_bookmarks(ResourceView& v, const BookmarkFilter& f, const PageParams& page) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Bookmark>());
  SYNCLOG_ASSIGN_OR_RETURN(const auto idx, index_memberships(v));
  std::vector<Bookmark> matching;
  for (auto& b : all) {
    if (!visible_in_mushaf(b, f.mushaf)) continue;
    if (f.kind && b.details.kind != *f.kind) continue;
    if (f.key && b.details.key != *f.key) continue;
    if (f.is_reading && b.is_reading != *f.is_reading) continue;
    matching.push_back(std::move(b));
  }
  return paged(
      matching, [](const Bookmark& b) { return id_key(descending_key(b.created_ts), b.id); },
      [&](const Bookmark& b) { return bookmark_json(b, collections_count(idx, b)); },
      std::optional<PageParams>(page));
}

Result<DirectResult> get_bookmark(ResourceView& v, const BookmarkDetails& d) {
  SYNCLOG_ASSIGN_OR_RETURN(auto b, v.bookmark_by_identity(d));
  if (!b) return not_found("Bookmark");
  SYNCLOG_ASSIGN_OR_RETURN(const int count, v.collections_count(*b));
  return single(success_body(bookmark_json(*b, count)), b->version, b->modified_by,
                /*version_covers_body=*/false);
}

Result<DirectResult> get_reading_bookmark(ResourceView& v) {
  SYNCLOG_ASSIGN_OR_RETURN(auto b, v.reading_bookmark());
  if (!b) return not_found("Reading bookmark");
  SYNCLOG_ASSIGN_OR_RETURN(const int count, v.collections_count(*b));
  return single(success_body(bookmark_json(*b, count)), b->version, b->modified_by,
                /*version_covers_body=*/false);
}

Result<std::string> bookmark_collection_ids(ResourceView& v, const BookmarkDetails& d,
                                            bool include_default) {
  SYNCLOG_ASSIGN_OR_RETURN(auto b, v.bookmark_by_identity(d));
  std::vector<std::string> ids;
  if (b) {
    SYNCLOG_ASSIGN_OR_RETURN(auto ms, v.memberships_of_bookmark(b->id));
    for (const auto& m : ms) ids.push_back(m.collection_id);
    if (include_default && b->in_default) ids.emplace_back(kDefaultCollectionId);
  }
  return success_body(json_array(ids, [](const std::string& id) {
    std::string s;
    append_json_string(s, id);
    return s;
  }));
}

Result<std::string> bookmarks_in_ayah_range(ResourceView& v, int surah, int from, int to) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Bookmark>());
  std::vector<Bookmark> matching;
  for (auto& b : all) {
    if (b.details.kind == BookmarkKind::kAyah && b.details.key == surah && b.details.verse &&
        *b.details.verse >= from && *b.details.verse <= to) {
      matching.push_back(std::move(b));
    }
  }
  // A surah's ayahs are bounded (286 at most): one page holds them all.
  return paged(matching, verse_key, [](const Bookmark& b) { return raw_bookmark_json(b); }, std::nullopt);
}

Result<std::string> list_collections(ResourceView& v, CollectionSort sort,
                                     std::optional<BookmarkKind> kind, const PageParams& page) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Collection>());
  SYNCLOG_ASSIGN_OR_RETURN(const auto idx, index_memberships(v));
  std::unordered_map<std::string, BookmarkKind> kinds;
  if (kind) {
    SYNCLOG_ASSIGN_OR_RETURN(auto bookmarks, v.list<Bookmark>());
    for (const auto& b : bookmarks) kinds.emplace(b.id, b.details.kind);
  }
  const auto members = [&](const Collection& c) -> const std::vector<Membership>* {
    auto it = idx.per_collection.find(c.id);
    return it == idx.per_collection.end() ? nullptr : &it->second;
  };
  std::vector<Collection> matching;
  for (auto& c : all) {
    if (kind) {
      const auto* ms = members(c);
      const bool has_kind = ms && std::any_of(ms->begin(), ms->end(), [&](const Membership& m) {
                              auto k = kinds.find(m.bookmark_id);
                              return k != kinds.end() && k->second == *kind;
                            });
      if (!has_kind) continue;
    }
    matching.push_back(std::move(c));
  }
  const auto key = [sort](const Collection& c) {
    std::string lower;
    for (char ch : c.name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    switch (sort) {
      case CollectionSort::kAlphabetical: return id_key(lower, c.id);
      case CollectionSort::kAlphabeticalDesc: return id_key(descending_text_key(lower), c.id);
      case CollectionSort::kRecentlyUpdated: break;
    }
    return id_key(descending_key(c.version), c.id);
  };
  return paged(
      matching, key,
      [&](const Collection& c) {
        const auto* ms = members(c);
        return collection_json(c, ms ? static_cast<int>(ms->size()) : 0);
      },
      std::optional<PageParams>(page));
}

Result<DirectResult> get_collection(ResourceView& v, std::string_view id, ItemSort sort,
                                    const PageParams& page) {
  std::string collection;
  std::optional<std::int64_t> version;
  std::string modified_by;
  std::vector<std::pair<Bookmark, std::int64_t>> items;  // bookmark, when it was added
  SYNCLOG_ASSIGN_OR_RETURN(const auto idx, index_memberships(v));
  if (id == kDefaultCollectionId) {
    SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Bookmark>());
    std::int64_t updated = 0;
    for (auto& b : all) {
      if (!b.in_default) continue;
      updated = std::max(updated, b.version);
      const std::int64_t added = b.version;
      items.emplace_back(std::move(b), added);
    }
    collection = favorites_collection_json(static_cast<int>(items.size()), updated);
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(auto c, v.get<Collection>(id));
    if (!c) return not_found("Collection");
    SYNCLOG_ASSIGN_OR_RETURN(auto ms, v.memberships_of_collection(id));
    for (const auto& m : ms) {
      SYNCLOG_ASSIGN_OR_RETURN(auto b, v.get<Bookmark>(m.bookmark_id));
      if (b) items.emplace_back(std::move(*b), m.created_ts);
    }
    collection = collection_json(*c, static_cast<int>(ms.size()));
    version = c->version;
    modified_by = c->modified_by;
  }
  using Item = std::pair<Bookmark, std::int64_t>;
  const auto key = [sort](const Item& it) {
    return sort == ItemSort::kVerseKey ? verse_key(it.first)
                                       : id_key(descending_key(it.second), it.first.id);
  };
  SYNCLOG_ASSIGN_OR_RETURN(
      const PagedJson bookmarks,
      page_of(items, key, [&](const Item& it) { return bookmark_json(it.first, collections_count(idx, it.first)); },
              std::optional<PageParams>(page)));
  JsonObjectWriter data;
  data.raw("collection", collection).raw("bookmarks", bookmarks.array);
  DirectResult r;
  r.body = success_body(std::move(data).finish(), bookmarks.pagination);
  r.version = version;
  r.modified_by = modified_by;
  r.version_covers_body = false;
  return r;
}

Result<std::string> all_collection_bookmarks(ResourceView& v, ItemSort sort,
                                             std::optional<BookmarkKind> kind,
                                             const PageParams& page) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Bookmark>());
  SYNCLOG_ASSIGN_OR_RETURN(const auto idx, index_memberships(v));
  std::unordered_map<std::string, std::int64_t> last_added;
  for (const auto& [cid, ms] : idx.per_collection) {
    for (const auto& m : ms) last_added[m.bookmark_id] = std::max(last_added[m.bookmark_id], m.created_ts);
  }
  using Item = std::pair<Bookmark, std::int64_t>;
  std::vector<Item> items;
  for (auto& b : all) {
    auto it = last_added.find(b.id);
    if (it == last_added.end() && !b.in_default) continue;
    if (kind && b.details.kind != *kind) continue;
    const std::int64_t added = std::max(it == last_added.end() ? 0 : it->second, b.in_default ? b.version : 0);
    items.emplace_back(std::move(b), added);
  }
  const auto key = [sort](const Item& it) {
    return sort == ItemSort::kVerseKey ? verse_key(it.first)
                                       : id_key(descending_key(it.second), it.first.id);
  };
  return paged(items, key, [&](const Item& it) { return bookmark_json(it.first, collections_count(idx, it.first)); },
               std::optional<PageParams>(page));
}

Result<std::string> list_notes(ResourceView& v, bool oldest_first,
                               const std::optional<std::string>& cursor, std::int64_t limit) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Note>());
  PageParams page;
  page.first = limit;
  page.after = cursor;
  return paged(
      all,
      [oldest_first](const Note& n) {
        return oldest_first ? id_key(ascending_key(n.created_ts), n.id) : newest_first(n);
      },
      [](const Note& n) { return note_json(n); }, std::optional<PageParams>(page));
}

Result<DirectResult> get_note(ResourceView& v, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto n, v.get<Note>(id));
  if (!n) return not_found("Note");
  return single(success_body(note_json(*n)), n->version, n->modified_by, /*version_covers_body=*/true);
}

Result<std::string> notes_by_verse(ResourceView& v, int surah, int ayah) {
  SYNCLOG_ASSIGN_OR_RETURN(auto notes,
                           notes_where(v, [&](const quran::VerseRange& r) { return r.contains(surah, ayah); }));
  return paged(notes, newest_first, [](const Note& n) { return note_json(n); }, std::nullopt);
}

Result<std::string> notes_by_range(ResourceView& v, const quran::VerseRange& range) {
  SYNCLOG_ASSIGN_OR_RETURN(auto notes,
                           notes_where(v, [&](const quran::VerseRange& r) { return r.overlaps(range); }));
  return success_body(note_array(notes));
}

Result<std::string> notes_by_entity(ResourceView& v, std::string_view entity_id,
                                    std::string_view entity_type) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Note>());
  std::vector<Note> out;
  for (auto& n : all) {
    const bool attached = std::any_of(n.entities.begin(), n.entities.end(), [&](const AttachedEntity& e) {
      return e.entity_id == entity_id && e.entity_type == entity_type;
    });
    if (attached) out.push_back(std::move(n));
  }
  return success_body(note_array(out));
}

Result<std::string> notes_count_in_range(ResourceView& v, const quran::VerseRange& range) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<Note>());
  std::map<std::pair<int, int>, int> counts;
  for (const auto& n : all) {
    std::map<std::pair<int, int>, bool> covered;  // a note counts once per ayah
    for (const auto& text : n.ranges) {
      const auto r = quran::parse_range(text);
      if (!r || !r->overlaps(range)) continue;
      // Walk the intersection ayah by ayah (at most 6236 of them).
      std::pair<int, int> at = std::max(std::make_pair(r->from_surah, r->from_ayah),
                                        std::make_pair(range.from_surah, range.from_ayah));
      const std::pair<int, int> stop = std::min(std::make_pair(r->to_surah, r->to_ayah),
                                                std::make_pair(range.to_surah, range.to_ayah));
      while (at <= stop) {
        covered[at] = true;
        if (at.second < quran::ayah_count(at.first)) {
          ++at.second;
        } else {
          at = {at.first + 1, 1};
        }
      }
    }
    for (const auto& [ayah, yes] : covered) counts[ayah] += yes ? 1 : 0;
  }
  JsonObjectWriter w;
  std::vector<std::string> keys;
  keys.reserve(counts.size());
  for (const auto& [ayah, count] : counts) {
    keys.push_back(std::to_string(ayah.first) + ":" + std::to_string(ayah.second));
    w.num(keys.back(), count);
  }
  return success_body(std::move(w).finish());
}

Result<std::string> list_reading_sessions(ResourceView& v, const PageParams& page) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, v.list<ReadingSession>());
  return paged(
      all, [](const ReadingSession& s) { return id_key(descending_key(s.version), s.id); },
      [](const ReadingSession& s) { return reading_session_json(s); }, std::optional<PageParams>(page));
}

}  // namespace synclog::domain
