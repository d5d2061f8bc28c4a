// Small readers of /v1/sync answers shared by the resource, Favorites/cascade and paging tests.
// Everything returned is a copy, so no reference outlives the parsed body it came from.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "sync_api.hpp"

namespace synclog::test::pulls {

namespace json = boost::json;

inline std::string str(const json::value& v) { return std::string(v.as_string()); }
inline std::int64_t num(const json::value& v) { return v.to_number<std::int64_t>(); }

// `ms` as "YYYY-MM-DDTHH:MM:SS.mmmZ", computed independently of the server's formatter.
inline std::string iso_utc(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

inline std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.emplace(kv.key());
  return out;
}

// The `data` object of GET /v1/sync?mutationsSince=<since><extra> (a test failure if not 200).
inline json::object pull_data(SyncApi& api, std::int64_t since, const std::string& extra = "") {
  auto r = api.pull(since, extra);
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  const auto body = r.json();
  return body.at("data").as_object();
}

// Just its mutations.
inline json::array pulled(SyncApi& api, std::int64_t since, const std::string& extra = "") {
  auto data = pull_data(api, since, extra);
  if (!data.contains("mutations")) return {};
  return data.at("mutations").as_array();
}

// The resourceId / timestamp of the i-th ack of a push_ok() answer.
inline std::string ack_id(const json::object& push_data, std::size_t i) {
  return str(push_data.at("mutations").as_array().at(i).at("resourceId"));
}
inline std::int64_t ack_ts(const json::object& push_data, std::size_t i) {
  return num(push_data.at("mutations").as_array().at(i).at("timestamp"));
}
inline std::int64_t new_head(const json::object& push_data) {
  return num(push_data.at("lastMutationAt"));
}

// The entries of `ms` for (resource, resourceId).
inline std::vector<json::object> entries_for(const json::array& ms, const std::string& resource,
                                             const std::string& id) {
  std::vector<json::object> out;
  for (const auto& m : ms) {
    const auto& o = m.as_object();
    if (o.at("resource").as_string() != resource) continue;
    const auto* rid = o.if_contains("resourceId");
    if (rid && rid->as_string() == id) out.push_back(o);
  }
  return out;
}

// The entries of `ms` of one resource type.
inline std::vector<json::object> entries_of(const json::array& ms, const std::string& resource) {
  std::vector<json::object> out;
  for (const auto& m : ms) {
    if (m.at("resource").as_string() == resource) out.push_back(m.as_object());
  }
  return out;
}

// The only entry of `ms` for (resource, id); a test failure (and an empty object) otherwise.
inline json::object only_entry(const json::array& ms, const std::string& resource,
                               const std::string& id) {
  auto found = entries_for(ms, resource, id);
  EXPECT_EQ(found.size(), 1u) << resource << " " << id << " in " << json::serialize(ms);
  return found.empty() ? json::object() : found.front();
}

// Asserts the POST /v1/sync validation envelope, {"success":false,"error":{"code":
// "ValidationError","message":...}}, whose message names `what` (e.g. "data.key") at mutation[i].
inline void expect_validation_error(const Response& r, std::size_t index, const std::string& what) {
  ASSERT_EQ(r.status, 422) << r.body;
  const auto body = r.json();
  const auto& o = body.as_object();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "error"})) << r.body;
  EXPECT_EQ(o.at("success"), json::value(false));
  EXPECT_EQ(keys_of(o.at("error")), (std::set<std::string>{"code", "message"})) << r.body;
  EXPECT_EQ(o.at("error").at("code").as_string(), "ValidationError");
  const std::string message = str(o.at("error").at("message"));
  EXPECT_NE(message.find(what + " at mutation[" + std::to_string(index) + "]"), std::string::npos)
      << message;
}

}  // namespace synclog::test::pulls
