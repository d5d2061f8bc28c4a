// Shorthands for the shared-spaces integration tests (docs/api.md "Shared spaces"): a Device
// (a person on one device, i.e. a token's subject plus an x-client-id) calling the space
// endpoints, builders of mutations for a space's push, readers of the answers, and a team
// fixture on the worked schema (examples/inspections/schema.json): an owner, a lead, members
// and a viewer in one space with a little master data. Everything returned is a copy, so no
// reference outlives the parsed body it came from.
#pragma once

#include "http_client.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace synclog::test::spaces {

namespace json = boost::json;

inline std::string str(const json::value& v) { return std::string(v.as_string()); }
inline std::int64_t num(const json::value& v) { return v.to_number<std::int64_t>(); }

inline std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.emplace(kv.key());
  return out;
}

inline std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.push_back(str(s));
  return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string schema_v1_path() { return source_path("examples/inspections/schema.json"); }
inline std::string schema_v2_text() {
  return read_text(source_path("examples/inspections/schema-v2.json"));
}

// A server with the worked schema registered and no per-user rate limit (these tests send many
// requests per person); `extra` is appended.
inline std::vector<std::string> server_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--rate-limit", "0", "--schema", schema_v1_path()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

enum class Mode { kStrict, kField };

// ---------------------------------------------------------------------------------------------
// Mutations of a space's push, as JSON text. `data` is a JSON object's text.

inline std::string create(const std::string& type, const std::string& id, const std::string& data) {
  std::string m = R"({"type":"CREATE","resource":")" + type + "\"";
  if (!id.empty()) m += R"(,"resourceId":")" + id + "\"";
  return m + R"(,"data":)" + data + "}";
}

inline std::string update(const std::string& type, const std::string& id, const std::string& data,
                          std::int64_t base = -1) {
  std::string m = R"({"type":"UPDATE","resource":")" + type + R"(","resourceId":")" + id +
                  R"(","data":)" + data;
  if (base >= 0) m += R"(,"baseTimestamp":)" + std::to_string(base);
  return m + "}";
}

inline std::string remove(const std::string& type, const std::string& id, std::int64_t base = -1) {
  std::string m = R"({"type":"DELETE","resource":")" + type + R"(","resourceId":")" + id + "\"";
  if (base >= 0) m += R"(,"baseTimestamp":)" + std::to_string(base);
  return m + "}";
}

// "[a,b,...]"
inline std::string batch(std::initializer_list<std::string> mutations) {
  std::string out = "[";
  for (const auto& m : mutations) {
    if (out.size() > 1) out += ",";
    out += m;
  }
  return out + "]";
}

inline std::string site_data(const std::string& name, const std::string& code) {
  return R"({"name":")" + name + R"(","code":")" + code + R"("})";
}

// ---------------------------------------------------------------------------------------------
// Readers of answers.

// The i-th ack of a push answer's data (a copy).
inline json::object ack(const json::object& data, std::size_t i) {
  const auto& list = data.at("mutations").as_array();
  EXPECT_LT(i, list.size()) << json::serialize(data);
  if (i >= list.size()) return {};
  return list.at(i).as_object();
}

inline std::int64_t head_of(const json::object& push_data) {
  return num(push_data.at("lastMutationAt"));
}

// The single ack field `settled` entry (or `conflict.clashes` entry) for `field`.
inline json::object clash_for(const json::value& list, const std::string& field) {
  for (const auto& c : list.as_array()) {
    if (c.at("field") == field.c_str()) return c.as_object();
  }
  ADD_FAILURE() << "no clash for " << field << " in " << json::serialize(list);
  return {};
}

// The generic envelope's message, or the sync envelope's error.message.
inline std::string error_message(const Response& r) {
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return r.body;
  const auto& o = v.as_object();
  if (const auto* e = o.if_contains("error");
      e && e->is_object() && e->as_object().contains("message")) {
    return str(e->at("message"));
  }
  if (const auto* m = o.if_contains("message"); m && m->is_string()) return str(*m);
  return r.body;
}

// The sync envelope's error.code, or the generic envelope's type.
inline std::string error_code(const Response& r) {
  json::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return {};
  const auto& o = v.as_object();
  if (const auto* e = o.if_contains("error");
      e && e->is_object() && e->as_object().contains("code")) {
    return str(e->at("code"));
  }
  if (const auto* t = o.if_contains("type"); t && t->is_string()) return str(*t);
  return {};
}

// The exact body a stranger gets for space `id`: the same as for a space that does not exist.
inline std::string not_found_body(const std::string& id) {
  return R"({"message":"Space )" + id + R"( not found","type":"not_found","success":false})";
}

// The entries of a pull's mutations for (resource, id).
inline std::vector<json::object> entries_for(const json::array& ms, const std::string& resource,
                                             const std::string& id) {
  std::vector<json::object> out;
  for (const auto& m : ms) {
    const auto& o = m.as_object();
    if (o.at("resource") != resource.c_str()) continue;
    if (const auto* rid = o.if_contains("resourceId"); rid && *rid == id.c_str()) out.push_back(o);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

// A person on one device: the token's subject is `person`, x-client-id is `client_id`.
class Device {
 public:
  Device(const ServerProcess& server, std::string person, std::string client_id,
         std::string scopes = "")
      : person_(std::move(person)),
        client_id_(std::move(client_id)),
        client_(server.client()),
        headers_(server.auth(person_, client_id_, scopes)) {}

  const std::string& person() const { return person_; }
  const std::string& client_id() const { return client_id_; }
  const Headers& headers() const { return headers_; }
  HttpClient& client() { return client_; }

  // `extra` headers are sent after the authentication headers.
  Response call(std::string_view method, const std::string& target, std::string_view body = {},
                const Headers& extra = {}) {
    Headers h = headers_;
    h.insert(h.end(), extra.begin(), extra.end());
    return client_.request(method, target, body, h);
  }
  Response get(const std::string& target, const Headers& extra = {}) {
    return call("GET", target, {}, extra);
  }

  // ----- spaces and members

  Response create_space(const std::string& id, const std::string& name = "North team",
                        const std::string& schema = "inspections") {
    std::string body = R"({"name":")" + name + R"(","schema":")" + schema + "\"";
    if (!id.empty()) body += R"(,"spaceId":")" + id + "\"";
    return call("POST", "/v1/spaces", body + "}");
  }
  // create_space() expecting 201.
  void create_space_ok(const std::string& id, const std::string& name = "North team",
                       const std::string& schema = "inspections") {
    const auto r = create_space(id, name, schema);
    EXPECT_EQ(r.status, 201) << r.body;
  }
  Response info(const std::string& space) { return get("/v1/spaces/" + space); }
  Response members(const std::string& space) { return get("/v1/spaces/" + space + "/members"); }
  Response add_member(const std::string& space, const std::string& person,
                      const std::string& role) {
    return call("PUT", "/v1/spaces/" + space + "/members",
                R"({"person":")" + person + R"(","role":")" + role + R"("})");
  }
  void add_member_ok(const std::string& space, const std::string& person, const std::string& role) {
    const auto r = add_member(space, person, role);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  Response remove_member(const std::string& space, const std::string& person) {
    return call("DELETE", "/v1/spaces/" + space + "/members?person=" + person);
  }
  Response review(const std::string& space) { return get("/v1/spaces/" + space + "/review"); }
  Response feed(std::int64_t since, const std::string& extra = "") {
    return get("/v1/spaces?mutationsSince=" + std::to_string(since) + extra);
  }
  // The feed's entries since `since` (a test failure if not 200).
  json::array feed_entries(std::int64_t since) {
    const auto r = feed(since);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return r.json().at("data").at("mutations").as_array();
  }
  std::int64_t feed_head() {
    const auto r = feed(0, "&metadataOnly=true");
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return 0;
    return num(r.json().at("data").at("lastMutationAt"));
  }

  // ----- a space's sync

  static std::string push_target(const std::string& space, std::int64_t cursor, Mode mode,
                                 const std::string& query = "") {
    std::string t = "/v1/spaces/" + space + "/sync?lastMutationAt=" + std::to_string(cursor);
    if (mode == Mode::kField) t += "&conflictMode=field";
    return t + query;
  }
  // POST /v1/spaces/{space}/sync?lastMutationAt=<cursor>[&conflictMode=field]<query> with
  // {"mutations": <mutations>}; `query` starts with '&'.
  Response push(const std::string& space, std::int64_t cursor, const std::string& mutations,
                Mode mode = Mode::kField, const Headers& extra = {},
                const std::string& query = "") {
    return call("POST", push_target(space, cursor, mode, query),
                R"({"mutations":)" + mutations + "}", extra);
  }
  // push() expecting 200; the answer's data.
  json::object push_ok(const std::string& space, std::int64_t cursor, const std::string& mutations,
                       Mode mode = Mode::kField, const Headers& extra = {},
                       const std::string& query = "") {
    const auto r = push(space, cursor, mutations, mode, extra, query);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return r.json().at("data").as_object();
  }
  // push_ok() at the space's current head (strict mode by default: the writer has seen it all).
  json::object push_at_head(const std::string& space, const std::string& mutations,
                            Mode mode = Mode::kStrict, const Headers& extra = {}) {
    return push_ok(space, head(space), mutations, mode, extra);
  }

  Response pull(const std::string& space, std::int64_t since, const std::string& extra = "",
                const Headers& headers = {}) {
    return get("/v1/spaces/" + space + "/sync?mutationsSince=" + std::to_string(since) + extra,
               headers);
  }
  json::object pull_data(const std::string& space, std::int64_t since,
                         const std::string& extra = "", const Headers& headers = {}) {
    const auto r = pull(space, since, extra, headers);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return r.json().at("data").as_object();
  }
  json::array pulled(const std::string& space, std::int64_t since = 0,
                     const std::string& extra = "", const Headers& headers = {}) {
    auto d = pull_data(space, since, extra, headers);
    if (!d.contains("mutations")) return {};
    return d.at("mutations").as_array();
  }
  // The space's head by a metadataOnly pull.
  std::int64_t head(const std::string& space) {
    const auto d = pull_data(space, 0, "&metadataOnly=true");
    return d.contains("lastMutationAt") ? num(d.at("lastMutationAt")) : 0;
  }
  // The record's data in a full pull: null when deleted or absent.
  json::value pulled_record(const std::string& space, const std::string& type,
                            const std::string& id, const Headers& headers = {}) {
    json::value found;
    for (const auto& m : pulled(space, 0, "", headers)) {
      if (m.at("resource") == type.c_str() && m.at("resourceId") == id.c_str()) {
        found = m.at("type") == "DELETE" ? json::value() : m.at("data");
      }
    }
    return found;
  }

  // ----- records one by one

  static std::string record_path(const std::string& space, const std::string& type,
                                 const std::string& id = "") {
    std::string p = "/v1/spaces/" + space + "/records/" + type;
    if (!id.empty()) p += "/" + id;
    return p;
  }
  Response get_record(const std::string& space, const std::string& type, const std::string& id,
                      const Headers& extra = {}) {
    return get(record_path(space, type, id), extra);
  }
  // The record's representation from GET (null when 404).
  json::value record(const std::string& space, const std::string& type, const std::string& id) {
    const auto r = get_record(space, type, id);
    if (r.status == 404) return nullptr;
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return nullptr;
    return r.json().at("data");
  }
  Response list_records(const std::string& space, const std::string& type,
                        const std::string& query = "") {
    return get(record_path(space, type) + query);
  }
  Response post_record(const std::string& space, const std::string& type, const std::string& data,
                       const Headers& extra = {}, const std::string& query = "") {
    return call("POST", record_path(space, type) + query, data, extra);
  }
  Response put_record(const std::string& space, const std::string& type, const std::string& id,
                      const std::string& data, const Headers& extra = {},
                      const std::string& query = "") {
    return call("PUT", record_path(space, type, id) + query, data, extra);
  }
  Response patch_record(const std::string& space, const std::string& type, const std::string& id,
                        const std::string& data, const Headers& extra = {},
                        const std::string& query = "") {
    return call("PATCH", record_path(space, type, id) + query, data, extra);
  }
  Response delete_record(const std::string& space, const std::string& type, const std::string& id,
                         const Headers& extra = {}, const std::string& query = "") {
    return call("DELETE", record_path(space, type, id) + query, {}, extra);
  }

 private:
  std::string person_;
  std::string client_id_;
  HttpClient client_;
  Headers headers_;
};

// ---------------------------------------------------------------------------------------------
// Requests to a space as data, for tests that try many endpoints the same way.

// One request to a space, its path naming the space as "{space}".
struct SpaceCall {
  std::string method;
  std::string path;
  std::string body;
  Headers headers;
  bool write = false;  // kept for review when a removed member sends it
};

inline std::string with_space(const std::string& path, const std::string& space) {
  std::string out = path;
  const auto at = out.find("{space}");
  if (at != std::string::npos) out.replace(at, 7, space);
  return out;
}

inline std::string push_body(const std::string& mutations) {
  return R"({"mutations":)" + mutations + "}";
}

inline std::string describe(const SpaceCall& c) { return c.method + " " + c.path + " " + c.body; }

inline Response send(Device& d, const SpaceCall& c, const std::string& space) {
  return d.call(c.method, with_space(c.path, space), c.body, c.headers);
}

// What a space holds now, as `owner` sees it: head, members, records, review list.
struct SpaceSnapshot {
  std::int64_t head = 0;
  std::string members;
  std::string records;
  std::string review;
  bool operator==(const SpaceSnapshot&) const = default;
};
inline SpaceSnapshot snapshot(Device& owner, const std::string& space) {
  SpaceSnapshot s;
  s.head = owner.head(space);
  s.members = owner.members(space).body;
  s.records = json::serialize(owner.pulled(space, 0));
  s.review = owner.review(space).body;
  return s;
}

// ---------------------------------------------------------------------------------------------

// A team on the worked schema: space "north", owned by alice, with lee (lead), bob and dana
// (members) and vic (viewer); lee has created the master data: sites s1 and s2, asset a1 (at
// s1), checklist template t1, and alice's phone an inspection i1 at s1. `base_` is the head
// after that: every device has pulled up to it.
class SpaceTeamTest : public ::testing::Test {
 protected:
  explicit SpaceTeamTest(std::vector<std::string> extra_args = {})
      : server_(server_args(std::move(extra_args))) {
    owner_.create_space_ok(kSpace);
    owner_.add_member_ok(kSpace, "lee", "lead");
    owner_.add_member_ok(kSpace, "bob", "member");
    owner_.add_member_ok(kSpace, "dana", "member");
    owner_.add_member_ok(kSpace, "vic", "viewer");
    lead_.push_ok(
        kSpace, -1,
        batch(
            {create("site", "s1", site_data("Meridian Primary School", "MAN-0001")),
             create("site", "s2", site_data("Loop Medical Center", "CHI-0001")),
             create("asset", "a1", R"({"site":"s1","tag":"BLR-0001","category":"boiler"})"),
             create(
                 "checklistTemplate", "t1",
                 R"({"name":"Boiler weekly walkthrough","category":"boiler","items":["Check gauge"]})")}),
        Mode::kStrict);
    owner_.push_at_head(
        kSpace,
        batch({create("inspection", "i1", R"({"site":"s1","status":"draft","notes":"start"})")}));
    base_ = owner_.head(kSpace);
  }

  static constexpr const char* kSpace = "north";
  ServerProcess server_;
  Device owner_{server_, "alice", "alice-phone"};
  Device lead_{server_, "lee", "lee-laptop"};
  Device bob_{server_, "bob", "bob-phone"};
  Device dana_{server_, "dana", "dana-tablet"};
  Device viewer_{server_, "vic", "vic-phone"};
  Device stranger_{server_, "mallory", "mallory-phone"};
  std::int64_t base_ = 0;
};

}  // namespace synclog::test::spaces
