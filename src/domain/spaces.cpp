// Spaces' descriptions, members and review lists in their logs' records, and people's feeds.
#include "domain/spaces.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "common/time_format.hpp"
#include "domain/mutation_clock.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

// A control character no token's subject may hold (auth/jwt.cpp refuses them): these logs can
// never be a person's.
constexpr char kOwnerPrefix = '\x1f';
constexpr std::uint8_t kFeedSpaceKind = 0;
constexpr std::string_view kInfoId = "space";

Error corrupt(const storage::Record& r) {
  return make_error(ErrorCode::kInternal, "corrupt space record " + r.id + " (kind " + std::to_string(r.kind) + ")");
}

// The members of a small stored object, parsed (these records hold no values whose text matters).
Result<json::object> fields_of(const storage::Record& r) {
  json::error_code ec;
  json::value v = json::parse(r.data, ec);
  if (ec || !v.is_object()) return corrupt(r);
  return std::move(v.get_object());
}

std::string str(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_int64() ? v->get_int64() : 0;
}

storage::Record plain_record(std::uint8_t kind, std::string id, std::int64_t now_ms, std::string data) {
  storage::Record r;
  r.kind = kind;
  r.id = std::move(id);
  r.version = now_ms;
  r.created_ts = now_ms;
  r.data = std::move(data);
  return r;
}

Result<SpaceInfo> info_from(const storage::Record& r) {
  SYNCLOG_ASSIGN_OR_RETURN(auto o, fields_of(r));
  SpaceInfo i;
  i.id = str(o, "id");
  i.name = str(o, "name");
  i.schema = str(o, "schema");
  i.created_by = str(o, "createdBy");
  i.created_ms = num(o, "createdAt");
  if (i.id.empty() || i.schema.empty()) return corrupt(r);
  return i;
}

Result<Member> member_from(const storage::Record& r) {
  SYNCLOG_ASSIGN_OR_RETURN(auto o, fields_of(r));
  Member m;
  m.person = r.id;
  const auto role = parse_role(str(o, "role"));
  if (!role) return corrupt(r);
  m.role = *role;
  m.since_ms = num(o, "since");
  m.added_by = str(o, "addedBy");
  return m;
}

storage::Record member_record(const Member& m) {
  JsonObjectWriter w;
  w.str("role", role_name(m.role)).num("since", m.since_ms).str("addedBy", m.added_by);
  return plain_record(kMemberKind, m.person, m.since_ms, std::move(w).finish());
}

// Logs the person's standing in the space in their feed: an entry per change, the record the
// latest (or, removed, a tombstone and no record).
Status feed_put(storage::WriteTxn& feed, const SpaceInfo& info, std::optional<Role> role, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead head, feed.head());
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, feed.get(kFeedSpaceKind, info.id));
  MutationClock clock(now_ms, head.head);
  const std::int64_t ts = clock.next();
  storage::Entry e;
  e.ts = ts;
  e.kind = kFeedSpaceKind;
  e.id = info.id;
  e.created_ts = existing ? existing->created_ts : ts;
  if (role) {
    JsonObjectWriter w;
    w.str("name", info.name).str("schema", info.schema).str("role", role_name(*role));
    e.data = std::move(w).finish();
    e.op = static_cast<std::uint8_t>(existing ? MutationType::kUpdate : MutationType::kCreate);
    storage::Record r = plain_record(kFeedSpaceKind, info.id, ts, e.data);
    r.created_ts = e.created_ts;
    SYNCLOG_RETURN_IF_ERROR(feed.put(r));
  } else {
    e.data = "{}";
    e.op = storage::kTombstoneOp;
    SYNCLOG_RETURN_IF_ERROR(feed.erase(kFeedSpaceKind, info.id));
  }
  SYNCLOG_RETURN_IF_ERROR(feed.append(e));
  return feed.set_head(ts);
}

// A space's members as a membership change needs them: the person's membership, and how many
// owners there are (a space keeps one).
struct Tally {
  std::size_t members = 0;
  std::optional<Member> current;
  std::size_t owners = 0;
};
Result<Tally> tally(storage::ReadTxn& space, std::string_view person);

class FeedSpaceType final : public RecordType {
 public:
  FeedSpaceType() : RecordType(kFeedSpaceKind, "SPACE") {}
  Result<AnyRecord> decode(const storage::Record&) const override {
    return make_error(ErrorCode::kInternal, "a feed's records are not synced records");
  }
  Result<Plan> plan(ResourceView&, const Mutation&, const PlanContext&) const override {
    return make_error(ErrorCode::kInternal, "a feed is not written by mutations");
  }
};

}  // namespace

std::string space_subject(std::string_view space_id) {
  return std::string(1, kOwnerPrefix) + "space:" + std::string(space_id);
}

std::string feed_subject(std::string_view person) {
  return std::string(1, kOwnerPrefix) + "feed:" + std::string(person);
}

std::string schema_catalog_subject() { return std::string(1, kOwnerPrefix) + "schemas"; }

Result<Standing> read_standing(storage::ReadTxn& space, std::string_view person) {
  Standing s;
  SYNCLOG_ASSIGN_OR_RETURN(auto info, space.get(kSpaceInfoKind, kInfoId));
  if (!info) return s;
  SYNCLOG_ASSIGN_OR_RETURN(s.info, info_from(*info));
  SYNCLOG_ASSIGN_OR_RETURN(auto member, space.get(kMemberKind, person));
  if (member) {
    SYNCLOG_ASSIGN_OR_RETURN(s.member, member_from(*member));
    return s;
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto former, space.get(kFormerMemberKind, person));
  s.removed = former.has_value();
  return s;
}

Result<std::vector<Member>> list_members(storage::ReadTxn& space) {
  SYNCLOG_ASSIGN_OR_RETURN(auto records, space.list(kMemberKind));
  std::vector<Member> out;
  out.reserve(records.size());
  for (const auto& r : records) {
    SYNCLOG_ASSIGN_OR_RETURN(auto m, member_from(r));
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

Result<Tally> tally(storage::ReadTxn& space, std::string_view person) {
  Tally t;
  SYNCLOG_ASSIGN_OR_RETURN(auto members, list_members(space));
  t.members = members.size();
  for (auto& m : members) {
    if (m.role == Role::kOwner) ++t.owners;
    if (m.person == person) t.current = std::move(m);
  }
  return t;
}

}  // namespace

Status create_space(storage::WriteTxn& space, storage::WriteTxn& owner_feed, const SpaceInfo& info,
                    const SpaceLimits& limits, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, space.get(kSpaceInfoKind, kInfoId));
  if (existing) return make_error(ErrorCode::kConflict, "A space with the id " + info.id + " exists already");
  JsonObjectWriter w;
  w.str("id", info.id).str("name", info.name).str("schema", info.schema).str("createdBy", info.created_by)
      .num("createdAt", info.created_ms);
  SYNCLOG_RETURN_IF_ERROR(space.put(plain_record(kSpaceInfoKind, std::string(kInfoId), now_ms, std::move(w).finish())));
  return set_member(space, owner_feed, info, info.created_by, Role::kOwner, info.created_by, limits, now_ms).status();
}

Result<bool> set_member(storage::WriteTxn& space, storage::WriteTxn& feed, const SpaceInfo& info,
                        std::string_view person, Role role, std::string_view by, const SpaceLimits& limits,
                        std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(const Tally t, tally(space, person));
  const auto& current = t.current;
  const std::size_t owners = t.owners;
  if (current && current->role == role) return false;
  if (current && current->role == Role::kOwner && role != Role::kOwner && owners == 1) {
    return make_error(ErrorCode::kUnprocessable,
                      "A space needs an owner: make another member an owner before changing the role of its last one");
  }
  if (!current) {
    if (t.members >= limits.members_per_space) {
      return make_error(ErrorCode::kUnprocessable, "Space " + info.id + " has " + std::to_string(t.members) +
                                                       " members, the most this server allows (--max-members-per-space)");
    }
    SYNCLOG_ASSIGN_OR_RETURN(auto spaces, feed.list(kFeedSpaceKind));
    if (spaces.size() >= limits.spaces_per_person) {
      return make_error(ErrorCode::kUnprocessable,
                        std::string(person) + " belongs to " + std::to_string(spaces.size()) +
                            " spaces, the most this server allows (--max-spaces-per-person)");
    }
  }
  Member m;
  m.person = std::string(person);
  m.role = role;
  m.since_ms = current ? current->since_ms : now_ms;
  m.added_by = current ? current->added_by : std::string(by);
  SYNCLOG_RETURN_IF_ERROR(space.put(member_record(m)));
  if (!current) SYNCLOG_RETURN_IF_ERROR(space.erase(kFormerMemberKind, person));
  SYNCLOG_RETURN_IF_ERROR(feed_put(feed, info, role, now_ms));
  return !current.has_value();
}

Status remove_member(storage::WriteTxn& space, storage::WriteTxn& feed, const SpaceInfo& info,
                     std::string_view person, std::string_view by, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(const Tally t, tally(space, person));
  const auto& current = t.current;
  const std::size_t owners = t.owners;
  if (!current) return make_error(ErrorCode::kNotFound, std::string(person) + " is not a member of space " + info.id);
  if (current->role == Role::kOwner && owners == 1) {
    return make_error(ErrorCode::kUnprocessable,
                      "A space needs an owner: make another member an owner before removing its last one");
  }
  SYNCLOG_RETURN_IF_ERROR(space.erase(kMemberKind, person));
  JsonObjectWriter w;
  w.num("removedAt", now_ms).str("removedBy", by);
  SYNCLOG_RETURN_IF_ERROR(space.put(plain_record(kFormerMemberKind, std::string(person), now_ms, std::move(w).finish())));
  return feed_put(feed, info, std::nullopt, now_ms);
}

Result<std::string> keep_for_review(storage::WriteTxn& space, const RefusedWrite& write, std::int64_t now_ms) {
  const std::string id = new_resource_id();
  JsonObjectWriter w(write.body.size() + write.target.size() + 128);
  w.str("person", write.person).str("client", write.client).num("at", now_ms).str("method", write.method)
      .str("target", write.target).str("request", write.body);
  SYNCLOG_RETURN_IF_ERROR(space.put(plain_record(kReviewKind, id, now_ms, std::move(w).finish())));
  return id;
}

Result<std::vector<ReviewItem>> list_review(storage::ReadTxn& space) {
  SYNCLOG_ASSIGN_OR_RETURN(auto records, space.list(kReviewKind));
  std::vector<ReviewItem> out;
  for (const auto& r : records) {
    SYNCLOG_ASSIGN_OR_RETURN(auto o, fields_of(r));
    out.push_back(ReviewItem{r.id, num(o, "at"),
                             RefusedWrite{str(o, "person"), str(o, "client"), str(o, "method"), str(o, "target"),
                                          str(o, "request")}});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; });
  return out;
}

Status drop_review(storage::WriteTxn& space, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, space.get(kReviewKind, id));
  if (!existing) return make_error(ErrorCode::kNotFound, "No review item has the id " + std::string(id));
  return space.erase(kReviewKind, id);
}

const TypeRegistry& feed_types() {
  static const TypeRegistry* const registry = [] {
    auto* r = new TypeRegistry();
    r->add(std::make_unique<FeedSpaceType>());
    return r;
  }();
  return *registry;
}

std::string space_json(const SpaceInfo& info, std::optional<Role> role) {
  JsonObjectWriter w;
  w.str("spaceId", info.id).str("name", info.name).str("schema", info.schema);
  if (role) w.str("role", role_name(*role));
  w.str("createdBy", info.created_by).str("createdAt", format_iso8601_ms(info.created_ms));
  return std::move(w).finish();
}

std::string member_json(const Member& m) {
  JsonObjectWriter w;
  w.str("person", m.person).str("role", role_name(m.role)).str("since", format_iso8601_ms(m.since_ms))
      .str("addedBy", m.added_by);
  return std::move(w).finish();
}

std::string review_json(const ReviewItem& r) {
  const RefusedWrite& write = r.write;
  JsonObjectWriter w(write.body.size() + write.target.size() + 192);
  w.str("id", r.id).str("person", write.person).str("client", write.client).str("at", format_iso8601_ms(r.at_ms))
      .str("method", write.method).str("target", write.target);
  // The body as sent; when it is JSON (it should be), as JSON rather than a string. A DELETE has
  // none: null.
  if (write.body.empty()) {
    w.raw("request", "null");
    return std::move(w).finish();
  }
  json::error_code ec;
  (void)json::parse(write.body, ec);
  if (ec) {
    w.str("request", write.body);
  } else {
    w.raw("request", write.body);
  }
  return std::move(w).finish();
}

}  // namespace synclog::domain
