// POST /v1/sync body validation. Order of checks per item follows the upstream's documented
// messages: resource, then type, then resourceId, then data, then data's fields.
#include "domain/push_parser.hpp"

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "domain/detail/push_items.hpp"
#include "domain/field_reader.hpp"
#include "domain/quran.hpp"
#include "domain/tuning.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

using detail::at;
using detail::quoted;
using detail::validation;

bool needs_resource_id(MutationType t, Resource r) {
  return t != MutationType::kCreate && r != Resource::kCollectionBookmark;
}

bool needs_data(MutationType t, Resource r) {
  return t != MutationType::kDelete || r == Resource::kCollectionBookmark;
}

Result<std::vector<std::string>> read_ranges(FieldReader& r, const json::object& data,
                                             bool required) {
  const auto& ctx = r.context();
  const json::value* v = data.if_contains("ranges");
  if (!v || v->is_null()) {
    if (required) return ctx.missing("ranges");
    return std::vector<std::string>();
  }
  const auto* arr = v->if_array();
  if (!arr || arr->empty() || arr->size() > kMaxNoteRanges) {
    return ctx.invalid("ranges", "must be an array of 1-" + std::to_string(kMaxNoteRanges) +
                                     " ranges like \"2:255-2:257\"");
  }
  std::vector<std::string> out;
  for (const auto& item : *arr) {
    if (!item.is_string()) return ctx.invalid("ranges", "each range must be a string");
    const std::string_view s(item.get_string().data(), item.get_string().size());
    if (!quran::parse_range(s)) {
      return ctx.invalid("ranges", "\"" + std::string(s) +
                                       "\" is not a valid range chapter:verse-chapter:verse");
    }
    out.emplace_back(s);
  }
  r.keep("ranges");
  return out;
}

Result<std::optional<AttachedEntity>> read_attached_entity(const json::object& data,
                                                           const FieldContext& ctx) {
  const json::value* v = data.if_contains("attachedEntity");
  if (!v || v->is_null()) return std::optional<AttachedEntity>();
  const auto* o = v->if_object();
  if (!o) return ctx.invalid("attachedEntity", "must be an object");
  AttachedEntity e;
  const auto* id = o->if_contains("entityId");
  if (!id || !id->is_string() || id->get_string().empty() ||
      id->get_string().size() > kMaxEntityIdLength) {
    return ctx.invalid("attachedEntity", "entityId must be a string of 1-255 characters");
  }
  const auto* type = o->if_contains("entityType");
  if (!type || !type->is_string() || type->get_string() != "reflection") {
    return ctx.invalid("attachedEntity", "entityType must be \"reflection\"");
  }
  e.entity_id = id->get_string();
  e.entity_type = type->get_string();
  if (const auto* meta = o->if_contains("entityMetadata"); meta && !meta->is_null()) {
    if (!meta->is_object()) return ctx.invalid("attachedEntity", "entityMetadata must be an object");
    e.metadata_json = json::serialize(*meta);
    if (e.metadata_json.size() > kMaxEntityMetadataBytes) {
      return ctx.invalid("attachedEntity", "entityMetadata must be at most 16 KiB");
    }
  }
  return std::optional<AttachedEntity>(std::move(e));
}

Result<MutationData> read_bookmark(MutationType type, FieldReader& r) {
  const auto& ctx = r.context();
  if (type == MutationType::kCreate) {
    BookmarkCreate c;
    SYNCLOG_ASSIGN_OR_RETURN(c.details, read_bookmark_details(r));
    SYNCLOG_ASSIGN_OR_RETURN(c.reading, r.reading_flag("isReading"));
    SYNCLOG_ASSIGN_OR_RETURN(c.times, r.client_times());
    return MutationData(std::move(c));
  }
  if (type == MutationType::kUpdate) {
    BookmarkUpdate u;
    SYNCLOG_ASSIGN_OR_RETURN(auto kind_name, r.opt_string("type", 1, 16));
    if (kind_name) {
      u.kind = parse_bookmark_kind(*kind_name);
      if (!u.kind) return ctx.invalid("type", "must be one of ayah, surah, juz, page");
    }
    // Identity fields only have to match the bookmark (checked when applied).
    SYNCLOG_ASSIGN_OR_RETURN(u.key, r.opt_int("key", 1, 1000, "a surah, juz or page number"));
    SYNCLOG_ASSIGN_OR_RETURN(u.verse, r.opt_int("verseNumber", 1, 286, "an ayah number"));
    SYNCLOG_ASSIGN_OR_RETURN(u.mushaf, r.mushaf());
    SYNCLOG_ASSIGN_OR_RETURN(u.reading, r.reading_flag("isReading"));
    SYNCLOG_ASSIGN_OR_RETURN(u.times, r.client_times());
    return MutationData(std::move(u));
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto times, r.client_times());
  return MutationData(NoFields{times});
}

Result<MutationData> read_collection(MutationType type, FieldReader& r) {
  if (type == MutationType::kDelete) {
    SYNCLOG_ASSIGN_OR_RETURN(auto times, r.client_times());
    return MutationData(NoFields{times});
  }
  CollectionFields c;
  SYNCLOG_ASSIGN_OR_RETURN(c.name, r.req_string("name", 1, kMaxCollectionName));
  SYNCLOG_ASSIGN_OR_RETURN(c.times, r.client_times());
  return MutationData(std::move(c));
}

Result<MutationData> read_membership(MutationType type, FieldReader& r) {
  const auto& ctx = r.context();
  if (type == MutationType::kUpdate) {
    return ctx.invalid("type", "COLLECTION_BOOKMARK supports CREATE and DELETE only");
  }
  MembershipTarget t;
  if (!r.has("collectionId")) return ctx.missing("collectionId");
  SYNCLOG_ASSIGN_OR_RETURN(auto cid, r.opt_id("collectionId", kDefaultCollectionId));
  t.collection_id = std::move(*cid);
  SYNCLOG_ASSIGN_OR_RETURN(auto bid, r.opt_id("bookmarkId"));
  const bool favorites = t.collection_id == kDefaultCollectionId;
  if (bid) {
    t.bookmark_id = std::move(*bid);
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(auto details, read_bookmark_details(r, favorites));
    t.details = std::move(details);
  }
  SYNCLOG_ASSIGN_OR_RETURN(t.times, r.client_times());
  return MutationData(std::move(t));
}

Result<MutationData> read_note(MutationType type, FieldReader& r, const json::object& data,
                               ConflictMode mode) {
  const auto& ctx = r.context();
  if (type == MutationType::kDelete) {
    SYNCLOG_ASSIGN_OR_RETURN(auto times, r.client_times());
    return MutationData(NoFields{times});
  }
  if (type == MutationType::kCreate) {
    NoteCreate n;
    SYNCLOG_ASSIGN_OR_RETURN(n.body, r.req_string("body", kMinNoteBody, kMaxNoteBody));
    SYNCLOG_ASSIGN_OR_RETURN(n.ranges, read_ranges(r, data, /*required=*/true));
    SYNCLOG_ASSIGN_OR_RETURN(auto qr, r.opt_bool("saveToQR"));
    n.save_to_qr = qr.value_or(false);
    SYNCLOG_ASSIGN_OR_RETURN(n.entity, read_attached_entity(data, ctx));
    r.keep("attachedEntity");
    SYNCLOG_ASSIGN_OR_RETURN(n.times, r.client_times());
    return MutationData(std::move(n));
  }
  NoteUpdate u;
  if (mode == ConflictMode::kField) {
    SYNCLOG_ASSIGN_OR_RETURN(u.body, r.opt_string("body", kMinNoteBody, kMaxNoteBody));
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(u.body, r.req_string("body", kMinNoteBody, kMaxNoteBody));
  }
  if (r.has("ranges")) {
    SYNCLOG_ASSIGN_OR_RETURN(auto ranges, read_ranges(r, data, /*required=*/true));
    u.ranges = std::move(ranges);
  }
  SYNCLOG_ASSIGN_OR_RETURN(u.save_to_qr, r.opt_bool("saveToQR"));
  SYNCLOG_ASSIGN_OR_RETURN(u.times, r.client_times());
  return MutationData(std::move(u));
}

Result<MutationData> read_session(MutationType type, FieldReader& r) {
  if (type == MutationType::kDelete) {
    SYNCLOG_ASSIGN_OR_RETURN(auto times, r.client_times());
    return MutationData(NoFields{times});
  }
  SessionFields s;
  SYNCLOG_ASSIGN_OR_RETURN(s.chapter, r.req_int("chapterNumber", 1, quran::kSurahCount,
                                                "a surah number 1-114"));
  const int ayahs = quran::ayah_count(s.chapter);
  SYNCLOG_ASSIGN_OR_RETURN(s.verse, r.req_int("verseNumber", 1, ayahs,
                                              "an ayah of surah " + std::to_string(s.chapter) +
                                                  " (1-" + std::to_string(ayahs) + ")"));
  SYNCLOG_ASSIGN_OR_RETURN(s.times, r.client_times());
  return MutationData(std::move(s));
}

}  // namespace

Result<MutationData> read_mutation_data(MutationType type, Resource resource, FieldReader& r,
                                        ConflictMode mode) {
  switch (resource) {
    case Resource::kBookmark: return read_bookmark(type, r);
    case Resource::kCollection: return read_collection(type, r);
    case Resource::kCollectionBookmark: return read_membership(type, r);
    case Resource::kNote: return read_note(type, r, r.object(), mode);
    case Resource::kReadingSession: return read_session(type, r);
  }
  return make_error(ErrorCode::kInternal, "unknown resource");
}

namespace detail {

Error validation(std::string message) { return make_error(ErrorCode::kValidation, std::move(message)); }

std::string at(std::size_t i) { return " at mutation[" + std::to_string(i) + "]"; }

std::string quoted(const json::value& v) {
  if (v.is_string()) return "\"" + std::string(v.get_string()) + "\"";
  return "\"" + json::serialize(v) + "\"";
}

Result<const json::array*> push_items(const json::value& body) {
  const auto* root = body.if_object();
  if (!root) return validation("Invalid mutations");
  const auto* list_value = root->if_contains("mutations");
  if (!list_value || !list_value->is_array()) return validation("Invalid mutations");
  const auto& list = list_value->get_array();
  if (list.size() > kMaxMutationsPerPush) {
    return validation("Mutations must not exceed " + std::to_string(kMaxMutationsPerPush));
  }
  return &list;
}

Result<MutationType> item_type(const json::object& item, std::size_t i) {
  const auto* type = item.if_contains("type");
  if (!type || type->is_null()) return validation("Missing mutation type" + at(i));
  const auto parsed = type->is_string() ? parse_mutation_type(std::string_view(type->get_string())) : std::nullopt;
  if (!parsed) return validation("Invalid mutation type: " + quoted(*type) + at(i));
  return *parsed;
}

Result<std::optional<std::int64_t>> item_base(const json::object& item, std::size_t i) {
  const auto* base = item.if_contains("baseTimestamp");
  if (!base || base->is_null()) return std::optional<std::int64_t>();
  if (!base->is_int64() || base->get_int64() < 0) {
    return validation("Invalid baseTimestamp" + at(i) + ": must be a timestamp in milliseconds");
  }
  return std::optional<std::int64_t>(base->get_int64());
}

}  // namespace detail

Result<std::vector<Mutation>> parse_push_body(const json::value& body, ConflictMode mode) {
  SYNCLOG_ASSIGN_OR_RETURN(const json::array* items, detail::push_items(body));
  const auto& list = *items;
  std::vector<Mutation> out;
  out.reserve(list.size());
  static const json::object kEmpty;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto* item = list[i].if_object();
    if (!item) return validation("Invalid mutations");
    Mutation m;

    const auto* resource = item->if_contains("resource");
    if (!resource || resource->is_null()) return validation("Missing resource" + at(i));
    const auto parsed_resource = resource->is_string()
                                     ? parse_resource(std::string_view(resource->get_string()))
                                     : std::nullopt;
    if (!parsed_resource) return validation("Invalid resource: " + quoted(*resource) + at(i));
    m.resource = *parsed_resource;

    SYNCLOG_ASSIGN_OR_RETURN(m.type, detail::item_type(*item, i));
    if (m.resource == Resource::kCollectionBookmark && m.type == MutationType::kUpdate) {
      return validation("Invalid mutation type: \"UPDATE\"" + at(i) +
                        ": COLLECTION_BOOKMARK supports CREATE and DELETE only");
    }

    const auto* rid = item->if_contains("resourceId");
    const bool rid_present = rid && !rid->is_null() &&
                             !(rid->is_string() && rid->get_string().empty());
    if (m.resource != Resource::kCollectionBookmark && rid_present) {
      // Upstream ids are strings; on CREATE a client may choose the id (an extension).
      if (!rid->is_string() || !is_valid_id(std::string_view(rid->get_string()))) {
        return validation("Invalid resourceId" + at(i));
      }
      // "__default__" names the virtual Favorites collection; no real collection may take it.
      if (m.resource == Resource::kCollection && rid->get_string() == kDefaultCollectionId) {
        return validation("Invalid resourceId" + at(i) + ": \"__default__\" is reserved");
      }
      m.resource_id = rid->get_string();
    }
    if (needs_resource_id(m.type, m.resource) && !rid_present) {
      return validation("Missing resourceId" + at(i));
    }

    const auto* data = item->if_contains("data");
    const bool has_data = data && !data->is_null();
    if (has_data && !data->is_object()) return validation("Invalid data" + at(i) + ": must be an object");
    if (needs_data(m.type, m.resource) && !has_data) return validation("Missing data" + at(i));

    const json::object& data_obj = has_data ? data->get_object() : kEmpty;
    FieldContext ctx{ErrorCode::kValidation, "data.", at(i)};
    FieldReader reader(data_obj, ctx);
    SYNCLOG_ASSIGN_OR_RETURN(m.data, read_mutation_data(m.type, m.resource, reader, mode));
    if (has_data) m.ack_data = reader.echo_json();
    if (mode == ConflictMode::kField) {
      SYNCLOG_ASSIGN_OR_RETURN(m.base_ts, detail::item_base(*item, i));
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace synclog::domain
