// The /v1/sync wire forms the engine writes and reads, and its backoff arithmetic (see
// sync_wire.hpp). Numbers are read as the server writes them: integral timestamps, though a
// double is tolerated (the upstream contract allows decimal cursors).
#include "client/sync_wire.hpp"

#include "client/json_answer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace synclog::client {
namespace json = boost::json;

namespace {

// One item of a push body, before conflictMode=field adds to it.
json::object push_item(const QueuedMutation& m) {
  json::object item;
  const bool membership = m.resource == Resource::kCollectionBookmark;
  const MutationType type =
      membership && m.type == MutationType::kUpdate ? MutationType::kCreate : m.type;
  item["type"] = mutation_type_name(type);
  item["resource"] = resource_name(m.resource);
  if (!membership) item["resourceId"] = m.id;
  if (type != MutationType::kDelete || membership) {
    boost::system::error_code ec;
    json::value data = json::parse(m.data, ec);
    // The store only queues objects; should one not parse, the server's 422 names it.
    item["data"] = ec ? json::value(json::object()) : std::move(data);
  }
  return item;
}

std::string body_of(json::array items) {
  json::object body;
  body["mutations"] = std::move(items);
  return json::serialize(body);
}

}  // namespace

std::string push_body(const std::vector<QueuedMutation>& mutations) {
  json::array items;
  for (const auto& m : mutations) items.emplace_back(push_item(m));
  return body_of(std::move(items));
}

std::string field_push_body(const std::vector<QueuedMutation>& mutations,
                            const std::vector<FieldBase>& bases) {
  json::array items;
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    const QueuedMutation& m = mutations[i];
    const FieldBase base = i < bases.size() ? bases[i] : FieldBase{};
    json::object item = push_item(m);
    if (base.version > 0) item["baseTimestamp"] = base.version;
    const bool partial = m.type == MutationType::kUpdate &&
                         (m.resource == Resource::kNote || m.resource == Resource::kBookmark);
    auto* data = item.if_contains("data");
    if (partial && base.data && data && data->is_object()) {
      boost::system::error_code ec;
      const json::value was = json::parse(*base.data, ec);
      if (!ec && was.is_object()) {
        // A field the device did not change is left out: sent as it was, it would overwrite (or
        // clash with) another device's change of it.
        json::object changed;
        for (const auto& [key, value] : data->as_object()) {
          const auto* old = was.as_object().if_contains(key);
          if (!old || *old != value) changed[key] = value;
        }
        *data = std::move(changed);
      }
    }
    items.emplace_back(std::move(item));
  }
  return body_of(std::move(items));
}

Result<PullPage> parse_pull(std::string_view body) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(body));
  SYNCLOG_ASSIGN_OR_RETURN(PageHead h, page_head(root));
  PullPage page;
  page.last_mutation_at = h.last_mutation_at;
  page.total = h.total;
  page.has_more = h.has_more;
  for (const auto& item : *h.entries) {
    if (!item.is_object()) return bad_answer("an entry is not an object");
    const auto& o = item.as_object();
    PullEntry e;
    const auto type = parse_mutation_type(string_field(o, "type"));
    const auto resource = parse_resource(string_field(o, "resource"));
    const auto ts = as_int(o.if_contains("timestamp"));
    const auto* d = o.if_contains("data");
    if (!type || !resource || !ts || !d || !d->is_object()) {
      return bad_answer("an entry without type, a known resource, timestamp or data");
    }
    e.type = *type;
    e.resource = *resource;
    e.timestamp = *ts;
    if (e.resource == Resource::kCollectionBookmark) {
      const auto& dd = d->as_object();
      e.id = string_field(dd, "collectionId") + "-" + string_field(dd, "bookmarkId");
      if (e.id.size() < 3 || e.id.front() == '-' || e.id.back() == '-') {
        return bad_answer("a COLLECTION_BOOKMARK entry without its pair");
      }
    } else {
      e.id = string_field(o, "resourceId");
      if (e.id.empty()) return bad_answer("an entry without resourceId");
    }
    if (e.type != MutationType::kDelete) e.data = json::serialize(*d);
    page.entries.push_back(std::move(e));
  }
  return page;
}

Result<std::int64_t> parse_head(std::string_view body) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(body));
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* data, data_of(root));
  const auto head = as_int(data->if_contains("lastMutationAt"));
  if (!head) return bad_answer("no lastMutationAt");
  return *head;
}

Result<std::int64_t> parse_head_event(std::string_view data) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(data));
  const auto head = as_int(root.if_contains("lastMutationAt"));
  if (!head || *head <= 0) return bad_answer("a head event without a positive lastMutationAt");
  return *head;
}

Result<PushAnswer> parse_push_answer(std::string_view body) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object root, parse_object(body));
  SYNCLOG_ASSIGN_OR_RETURN(PageHead h, page_head(root));
  PushAnswer answer;
  answer.last_mutation_at = h.last_mutation_at;
  for (const auto& item : *h.entries) {
    if (!item.is_object()) return bad_answer("an ack is not an object");
    const auto& o = item.as_object();
    BatchAck ack;
    ack.resource_id = string_field(o, "resourceId");
    if (o.if_contains("outcome")) {
      const std::string outcome = string_field(o, "outcome");
      if (outcome == "applied") ack.outcome = AckOutcome::kApplied;
      else if (outcome == "merged") ack.outcome = AckOutcome::kMerged;
      else if (outcome == "conflict") ack.outcome = AckOutcome::kConflict;
      else return bad_answer("an ack with an unknown outcome");
      answer.has_outcomes = true;
    }
    const auto ts = as_int(o.if_contains("timestamp"));
    if (!ts && ack.outcome != AckOutcome::kConflict) return bad_answer("an ack without timestamp");
    ack.timestamp = ts.value_or(0);
    answer.acks.push_back(std::move(ack));
  }
  return answer;
}

std::string error_message(std::string_view body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* e = o.if_contains("error"); e && e->is_object()) {
      const std::string m = string_field(e->as_object(), "message");
      if (!m.empty()) return m;
    }
    const std::string m = string_field(o, "message");
    if (!m.empty()) return m;
  }
  constexpr std::size_t kMaxShown = 300;
  return std::string(body.substr(0, kMaxShown));
}

std::optional<std::size_t> refused_index(std::string_view message) {
  constexpr std::string_view kMarker = "mutation[";
  const auto at = message.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = message.data() + at + kMarker.size();
  const char* end = message.data() + message.size();
  std::size_t index = 0;
  const auto [stop, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || stop == end || *stop != ']') return std::nullopt;
  return index;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds < 0) {
    return std::nullopt;
  }
  // A day: beyond that the number is nonsense, and the engine caps its waits anyway.
  constexpr std::int64_t kMaxSeconds = 86'400;
  return std::chrono::milliseconds(std::min(seconds, kMaxSeconds) * 1000);
}

std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit) {
  std::int64_t ceiling = std::max<std::int64_t>(base.count(), 0);
  for (int i = 0; i < retry && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<std::int64_t>(ceiling, cap.count());
  unit = std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(unit * static_cast<double>(ceiling)));
}

}  // namespace synclog::client
