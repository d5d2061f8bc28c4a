// Encoding pushes and decoding acks and pull pages.
#include "server_driver.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <cstdio>
#include <stdexcept>

#include "common/time_format.hpp"

namespace synclog::sim {
namespace json = boost::json;

namespace {

[[noreturn]] void fail(const std::string& what, const test::Response& r) {
  throw std::runtime_error(what + ": HTTP " + std::to_string(r.status) + " " +
                           r.body.substr(0, 400) + r.transport_error);
}

std::int64_t as_int(const json::value* v) {
  if (v == nullptr) throw std::runtime_error("missing number");
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  throw std::runtime_error("not a number: " + json::serialize(*v));
}

// Central Europe's clocks went forward at 2026-03-29T01:00Z: +01:00 became +02:00.
constexpr std::int64_t kEuropeSummerTimeMs = 1774746000000;

// `ms` as ISO 8601 in an offset of `minutes` from UTC ("2026-03-29T03:10:00.000+02:00"); a
// device on central European time keeps to its clock's change.
std::string local_time(std::int64_t ms, int minutes) {
  if (minutes == 60 && ms >= kEuropeSummerTimeMs) minutes = 120;
  const std::string utc = format_iso8601_ms(ms + static_cast<std::int64_t>(minutes) * 60'000);
  const int m = minutes < 0 ? -minutes : minutes;
  char offset[24];
  std::snprintf(offset, sizeof offset, "%c%02d:%02d", minutes < 0 ? '-' : '+', m / 60, m % 60);
  return utc.substr(0, utc.size() - 1) + offset;  // drop the Z
}

}  // namespace

std::string ServerDriver::body_of(const std::vector<Mutation>& mutations, Mode mode) const {
  json::array items;
  for (const auto& m : mutations) {
    json::object item;
    item["type"] = type_name(m.type);
    item["resource"] = resource_name(m.kind);
    item["resourceId"] = m.id;
    if (m.type != MutationType::kDelete) {
      json::object data;
      put_fields(m.fields, data);
      // A space settles the same person's clashes by when each change was captured.
      if (mode == Mode::kSpace && m.captured > 0) data["clientUpdatedAt"] = local_time(m.captured, utc_offset_minutes_);
      item["data"] = std::move(data);
    } else if (mode == Mode::kSpace && m.captured > 0) {
      json::object data;
      data["clientUpdatedAt"] = local_time(m.captured, utc_offset_minutes_);
      item["data"] = std::move(data);
    }
    // The version the device edited from; a new record has none (the server's default, the
    // batch's lastMutationAt, is right for it).
    if (mode != Mode::kStrict && m.base > 0) item["baseTimestamp"] = m.base;
    items.emplace_back(std::move(item));
  }
  json::object body;
  body["mutations"] = std::move(items);
  return json::serialize(body);
}

namespace {

Ack read_ack(const json::object& a, const Mutation& m, const test::Response& r) {
  const auto* type = a.if_contains("type");
  const auto* resource = a.if_contains("resource");
  const auto* id = a.if_contains("resourceId");
  if (!type || !type->is_string() || type->get_string() != type_name(m.type) || !resource ||
      !resource->is_string() || resource->get_string() != resource_name(m.kind) || !id ||
      !id->is_string() || id->get_string() != m.id) {
    fail("ack does not match its mutation " + m.id, r);
  }
  Ack ack;
  if (const auto* outcome = a.if_contains("outcome")) {
    const auto o = outcome->as_string();
    if (o == "applied")
      ack.outcome = Outcome::kApplied;
    else if (o == "merged")
      ack.outcome = Outcome::kMerged;
    else if (o == "conflict")
      ack.outcome = Outcome::kConflict;
    else if (o == "softMerged")
      ack.outcome = Outcome::kSoftMerged;
    else if (o == "rejected")
      ack.outcome = Outcome::kRejected;
    else
      fail("unknown outcome", r);
  }
  if (ack.outcome == Outcome::kRejected) {
    const auto& rejection = a.at("rejection").as_object();
    ack.rejection = std::string(rejection.at("reason").as_string());
    if (const auto* field = rejection.if_contains("field")) ack.rejected_field = std::string(field->as_string());
    return ack;
  }
  if (ack.outcome != Outcome::kConflict) {
    ack.timestamp = as_int(a.if_contains("timestamp"));
    if (const auto* settled = a.if_contains("settled")) {
      for (const auto& v : settled->as_array()) {
        const auto& o = v.as_object();
        Settled s;
        s.field = std::string(o.at("field").as_string());
        s.device_kept = o.at("kept").as_string() == "device";
        const auto& value = o.at("server").at("value");
        s.server_value = value.is_string() ? std::string(value.get_string()) : json::serialize(value);
        ack.settled.push_back(std::move(s));
      }
    }
    return ack;
  }
  const auto* c = a.if_contains("conflict");
  if (!c || !c->is_object()) fail("conflict ack without a conflict object", r);
  const auto& co = c->get_object();
  ConflictInfo info;
  info.reason = std::string(co.at("reason").as_string());
  info.version = as_int(co.if_contains("version"));
  for (const auto& f : co.at("fields").as_array()) {
    const auto wire = f.as_string();
    const auto field = field_of_wire_name(m.kind, wire);
    // A field the simulation never edits: kept under its wire name so the mismatch shows.
    info.fields.push_back(field ? *field : "wire:" + std::string(wire));
  }
  // Both halves of a reading position name one simulated field.
  std::sort(info.fields.begin(), info.fields.end());
  info.fields.erase(std::unique(info.fields.begin(), info.fields.end()), info.fields.end());
  const auto& record = co.at("record");
  if (record.is_object()) {
    info.record = read_fields(m.kind, record.get_object());
    if (!info.record) fail("conflict record of " + m.id + " lacks a field", r);
  } else if (!record.is_null()) {
    fail("conflict record is neither an object nor null", r);
  }
  ack.conflict = std::move(info);
  return ack;
}

// A record may come twice: paged pulls keep a superseded entry in place for a while (so a
// traversal misses nothing) and send the new state later (docs/api.md, GET /v1/sync). Only
// the latest entry of each record is its state.
void keep_latest(std::vector<PulledEntry>& entries) {
  std::map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < entries.size(); ++i) last[entries[i].id] = i;
  std::vector<PulledEntry> out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (last[entries[i].id] == i) out.push_back(std::move(entries[i]));
  }
  entries = std::move(out);
}

}  // namespace

PushAnswer ServerDriver::push(Mode mode, std::int64_t cursor,
                              const std::vector<Mutation>& mutations,
                              const std::string& idempotency_key) {
  std::string target = path_ + "?lastMutationAt=" + std::to_string(cursor);
  if (mode != Mode::kStrict) target += "&conflictMode=field";
  test::Headers h = headers_;
  h.emplace_back("Idempotency-Key", idempotency_key);
  const auto r = client_->post(target, body_of(mutations, mode), h);
  PushAnswer out;
  out.status = r.status;
  if (r.status == 409) return out;
  if (r.status != 200) fail("push", r);
  const auto doc = r.json();
  const auto& data = doc.at("data").as_object();
  out.head = as_int(data.if_contains("lastMutationAt"));
  const auto& acks = data.at("mutations").as_array();
  if (acks.size() != mutations.size()) fail("push answered a different number of acks", r);
  std::int64_t last = 0;
  for (std::size_t i = 0; i < acks.size(); ++i) {
    out.acks.push_back(read_ack(acks[i].as_object(), mutations[i], r));
    const auto ts = out.acks.back().timestamp;
    if (ts != 0) {
      if (ts <= last) fail("ack timestamps do not increase", r);
      last = ts;
    }
  }
  if (last != 0 && last != out.head) fail("the last ack's timestamp is not the new head", r);
  return out;
}

PullAnswer ServerDriver::pull(std::int64_t since) {
  PullAnswer out;
  for (;;) {
    const auto r =
        client_->get(path_ + "?mutationsSince=" + std::to_string(since) + "&limit=1000", headers_);
    ++out.requests;
    if (r.status != 200) fail("pull", r);
    const auto doc = r.json();
    const auto& data = doc.at("data").as_object();
    const auto& entries = data.at("mutations").as_array();
    for (const auto& v : entries) {
      const auto& e = v.as_object();
      PulledEntry p;
      const auto resource = e.at("resource").as_string();
      const auto kind = kind_of_resource(resource);
      if (!kind) fail("pulled a " + std::string(resource) + " nobody created", r);
      p.kind = *kind;
      p.id = std::string(e.at("resourceId").as_string());
      p.timestamp = as_int(e.if_contains("timestamp"));
      p.deleted = e.at("type").as_string() == "DELETE";
      if (!p.deleted) {
        auto fields = read_fields(p.kind, e.at("data").as_object());
        if (!fields) fail("pulled " + p.id + " lacks a field", r);
        p.fields = std::move(*fields);
      }
      if (p.timestamp <= since) fail("pulled an entry not after mutationsSince", r);
      since = p.timestamp;
      out.entries.push_back(std::move(p));
    }
    const bool more = data.at("hasMore").as_bool();
    if (!more || entries.empty()) {
      out.head = as_int(data.if_contains("lastMutationAt"));
      keep_latest(out.entries);
      return out;
    }
  }
}

}  // namespace synclog::sim
