// The wire forms of shared spaces (space_wire.hpp).
#include "client/space_wire.hpp"

#include "client/json_answer.hpp"
#include "common/time_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace synclog::client {
namespace json = boost::json;

namespace {

std::vector<std::string> names_in(const json::value* v, std::string_view member) {
  std::vector<std::string> out;
  if (!v || !v->is_array()) return out;
  for (const auto& item : v->as_array()) {
    if (item.is_string()) {
      out.emplace_back(item.as_string());
    } else if (item.is_object()) {
      std::string name = string_field(item.as_object(), member);
      if (!name.empty()) out.push_back(std::move(name));
    }
  }
  return out;
}

}  // namespace

Result<FeedPage> parse_feed(std::string_view body) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(body));
  SYNCLOG_ASSIGN_OR_RETURN(PageHead h, page_head(root));
  FeedPage page;
  page.has_more = h.has_more;
  page.last_mutation_at = h.last_mutation_at;
  for (const auto& item : *h.entries) {
    if (!item.is_object()) return bad_answer("a feed entry is not an object");
    const auto& o = item.as_object();
    FeedEntry e;
    const auto type = parse_mutation_type(string_field(o, "type"));
    const auto ts = as_int(o.if_contains("timestamp"));
    e.space = string_field(o, "resourceId");
    if (!type || !ts || e.space.empty()) return bad_answer("a feed entry without type, id or timestamp");
    e.type = *type;
    e.timestamp = *ts;
    if (const auto* d = o.if_contains("data"); d && d->is_object()) {
      e.name = string_field(d->as_object(), "name");
      e.schema = string_field(d->as_object(), "schema");
      e.role = string_field(d->as_object(), "role");
    }
    if (e.type != MutationType::kDelete && (e.schema.empty() || e.role.empty())) {
      return bad_answer("a feed entry without schema or role");
    }
    page.entries.push_back(std::move(e));
  }
  return page;
}

Result<SpacePage> parse_space_pull(std::string_view body) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(body));
  SYNCLOG_ASSIGN_OR_RETURN(PageHead h, page_head(root));
  SpacePage page;
  page.total = h.total;
  page.has_more = h.has_more;
  page.last_mutation_at = h.last_mutation_at;
  for (const auto& item : *h.entries) {
    if (!item.is_object()) return bad_answer("an entry is not an object");
    const auto& o = item.as_object();
    SpaceEntry e;
    const auto type = parse_mutation_type(string_field(o, "type"));
    const auto ts = as_int(o.if_contains("timestamp"));
    const auto* d = o.if_contains("data");
    e.record_type = string_field(o, "resource");
    e.id = string_field(o, "resourceId");
    // A tombstone's data is not read (it identifies the record, which resourceId does).
    const bool tombstone = type && *type == MutationType::kDelete;
    if (!type || !ts || e.record_type.empty() || e.id.empty() ||
        (!tombstone && (!d || !d->is_object()))) {
      return bad_answer("a space entry without type, resource, resourceId, timestamp or data");
    }
    e.type = *type;
    e.timestamp = *ts;
    if (e.type != MutationType::kDelete) e.data = json::serialize(*d);
    page.entries.push_back(std::move(e));
  }
  return page;
}

std::string space_push_body(const std::vector<SpaceEdit>& edits, std::int64_t cursor) {
  json::array items;
  for (const auto& e : edits) {
    json::object item;
    item["type"] = mutation_type_name(e.op);
    item["resource"] = e.type;
    item["resourceId"] = e.id;
    boost::system::error_code ec;
    json::value fields = json::parse(e.fields, ec);
    json::object data = !ec && fields.is_object() ? std::move(fields.as_object()) : json::object();
    if (e.captured_ms > 0) data["clientUpdatedAt"] = format_iso8601_ms(e.captured_ms);
    item["data"] = std::move(data);
    const std::int64_t base = e.base_version > 0 ? e.base_version : cursor;
    if (base > 0) item["baseTimestamp"] = base;
    items.push_back(std::move(item));
  }
  json::object body;
  body["mutations"] = std::move(items);
  return json::serialize(body);
}

Result<SpacePushAnswer> parse_space_push(std::string_view body) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(body));
  SYNCLOG_ASSIGN_OR_RETURN(PageHead h, page_head(root));
  SpacePushAnswer answer;
  answer.last_mutation_at = h.last_mutation_at;
  for (const auto& item : *h.entries) {
    if (!item.is_object()) return bad_answer("an ack is not an object");
    const auto& o = item.as_object();
    SpaceAck ack;
    ack.outcome = string_field(o, "outcome");
    ack.timestamp = as_int(o.if_contains("timestamp")).value_or(0);
    if (ack.outcome == "applied") {
    } else if (ack.outcome == "merged" || ack.outcome == "softMerged") {
      ack.fields = names_in(o.if_contains("settled"), "field");
    } else if (ack.outcome == "conflict") {
      const auto* c = o.if_contains("conflict");
      if (!c || !c->is_object()) return bad_answer("a conflict ack without its conflict");
      const auto& co = c->as_object();
      ack.conflict_reason = string_field(co, "reason");
      ack.conflict_version = as_int(co.if_contains("version")).value_or(0);
      ack.fields = names_in(co.if_contains("fields"), "field");
      const auto* record = co.if_contains("record");
      ack.server_record = record ? json::serialize(*record) : "null";
      const auto* clashes = co.if_contains("clashes");
      ack.clashes = clashes && clashes->is_array() ? json::serialize(*clashes) : "[]";
    } else if (ack.outcome == "rejected") {
      const auto* r = o.if_contains("rejection");
      if (!r || !r->is_object()) return bad_answer("a rejected ack without its rejection");
      ack.reason = string_field(r->as_object(), "reason");
      ack.field = string_field(r->as_object(), "field");
      ack.message = string_field(r->as_object(), "message");
    } else {
      return bad_answer("an ack with an unknown outcome '" + ack.outcome + "'");
    }
    answer.acks.push_back(std::move(ack));
  }
  return answer;
}

Result<SpaceMoved> parse_space_event(std::string_view data) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(data));
  SpaceMoved m;
  m.space = string_field(root, "spaceId");
  m.head = as_int(root.if_contains("lastMutationAt")).value_or(0);
  if (m.space.empty() || m.head <= 0) return bad_answer("a space event without spaceId or head");
  return m;
}

namespace {

const json::object* error_object(const json::object& root) {
  const auto* e = root.if_contains("error");
  return e && e->is_object() ? &e->as_object() : nullptr;
}

}  // namespace

std::string error_code_of(std::string_view body) {
  auto root = parse_object(body);
  if (!root.ok()) return {};
  const auto* e = error_object(*root);
  return e ? string_field(*e, "code") : std::string();
}

std::int64_t error_int_of(std::string_view body, std::string_view key) {
  auto root = parse_object(body);
  if (!root.ok()) return 0;
  const auto* e = error_object(*root);
  return e ? as_int(e->if_contains(key)).value_or(0) : 0;
}

}  // namespace synclog::client
