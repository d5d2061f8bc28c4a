// Shorthands for the direct-endpoint integration tests (bookmarks, collections, notes, reading
// sessions, preferences, ETags and their interplay with /v1/sync): one user on one device
// calling the direct routes, and readers of their two answer shapes. Everything returned is a
// copy, so no reference outlives the parsed body it came from.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test::direct {

namespace json = boost::json;

// A server without the per-user rate limit: these tests send hundreds of requests per user.
inline std::vector<std::string> server_args() { return {"--rate-limit", "0"}; }

using pulls::keys_of;
using pulls::num;
using pulls::str;

using pulls::iso_utc;

// One user on one device calling the direct endpoints.
class DirectApi {
 public:
  DirectApi(const ServerProcess& server, std::string user, std::string client_id = "test-device",
            std::string scopes = "")
      : client_(server.client()), headers_(server.auth(user, client_id, scopes)) {}

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
  Response post(const std::string& target, std::string_view body, const Headers& extra = {}) {
    return call("POST", target, body, extra);
  }
  Response patch(const std::string& target, std::string_view body, const Headers& extra = {}) {
    return call("PATCH", target, body, extra);
  }
  Response del(const std::string& target, std::string_view body = {}, const Headers& extra = {}) {
    return call("DELETE", target, body, extra);
  }

  // The whole body of a 200 answer (a test failure, and an empty object, otherwise).
  json::object ok(const Response& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    const json::value body = r.json();
    EXPECT_EQ(body.at("success"), json::value(true)) << r.body;
    return body.as_object();
  }
  // The `data` of a 200 answer.
  json::value data(const Response& r) {
    const json::object body = ok(r);
    return body.contains("data") ? body.at("data") : json::value();
  }

  // Creates the bookmark given by the JSON members `details` (e.g. R"("key":2,"verseNumber":255)")
  // and returns its id.
  std::string bookmark(const std::string& details) {
    const auto d = data(post("/v1/bookmarks", "{" + details + "}"));
    return d.is_object() ? str(d.at("id")) : std::string();
  }
  std::string collection(const std::string& name) {
    const auto d = data(post("/v1/collections", R"({"name":")" + name + R"("})"));
    return d.is_object() ? str(d.at("id")) : std::string();
  }
  std::string note(const std::string& body, const std::string& ranges_json = R"(["1:1-1:7"])") {
    const auto d = data(post("/v1/notes", R"({"body":")" + body + R"(","ranges":)" + ranges_json + "}"));
    return d.is_object() ? str(d.at("id")) : std::string();
  }
  void add_to(const std::string& collection_id, const std::string& bookmark_id) {
    ok(post("/v1/collections/" + collection_id + "/bookmarks", R"({"bookmarkId":")" + bookmark_id + R"("})"));
  }

  HttpClient& client() { return client_; }
  const Headers& headers() const { return headers_; }

 private:
  HttpClient client_;
  Headers headers_;
};

// Asserts the generic error envelope {"message":...,"type":...,"success":false} with this
// status and type, whose message contains `message_part` (all of it, when `exact`).
inline void expect_error(const Response& r, int status, const std::string& type,
                         const std::string& message_part = "", bool exact = false) {
  ASSERT_EQ(r.status, status) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"message", "type", "success"})) << r.body;
  EXPECT_EQ(body.at("success"), json::value(false));
  EXPECT_EQ(body.at("type").as_string(), type) << r.body;
  const std::string message = str(body.at("message"));
  if (exact) {
    EXPECT_EQ(message, message_part);
  } else {
    EXPECT_NE(message.find(message_part), std::string::npos) << message;
  }
}

// The generic 422 whose message is exactly `message` (the direct endpoints word field errors
// as "Missing <field>" / "Invalid <field>: <reason>", without sync's "data." and index).
inline void expect_422(const Response& r, const std::string& message) {
  expect_error(r, 422, "unprocessable_entity", message, /*exact=*/true);
}
inline void expect_404(const Response& r, const std::string& message) {
  expect_error(r, 404, "not_found", message, /*exact=*/true);
}
inline void expect_403(const Response& r) { expect_error(r, 403, "forbidden"); }

// Asserts the 409 of POST /v1/sync, exactly.
inline void expect_out_of_sync(const Response& r,
                               const std::string& message =
                                   "Invalid lastMutationAt, please re-sync your data and try again.") {
  ASSERT_EQ(r.status, 409) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(body, json::parse(R"({"success":false,"error":{"code":"OutOfSyncError","message":")" + message +
                              R"("}})"))
      << r.body;
}

// {"success":true,"data":{"message":"<message>"}}, exactly.
inline void expect_message(const Response& r, const std::string& message) {
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::parse(R"({"success":true,"data":{"message":")" + message + R"("}})")) << r.body;
}

// The ETag of an answer as the version it names ("\"123\"" -> 123); 0 if absent or not one.
inline std::int64_t etag_version(const Response& r) {
  const std::string tag = r.header("etag");
  if (tag.size() < 3 || tag.front() != '"' || tag.back() != '"') return 0;
  try {
    return std::stoll(tag.substr(1, tag.size() - 2));
  } catch (...) {
    return 0;
  }
}
inline std::int64_t mutation_at(const Response& r) {
  const std::string h = r.header("x-mutation-at");
  try {
    return h.empty() ? 0 : std::stoll(h);
  } catch (...) {
    return 0;
  }
}
inline std::string quoted(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

// The ids of a list answer's data array (each item's "id").
inline std::vector<std::string> ids_of(const json::value& array) {
  std::vector<std::string> out;
  for (const auto& item : array.as_array()) out.push_back(str(item.at("id")));
  return out;
}

// Asserts that `r` answered a single-resource write that moved the head past `before` to its
// X-Mutation-At (which `sync` now reads as the head), with that version as its ETag and the
// test device as its last writer; returns that timestamp.
inline std::int64_t expect_versioned_write(const Response& r, std::int64_t before, SyncApi& sync) {
  const auto at = mutation_at(r);
  EXPECT_GT(at, before);
  EXPECT_EQ(sync.head(), at);
  EXPECT_EQ(r.header("etag"), quoted(at));
  EXPECT_EQ(r.header("x-modified-by"), "test-device");
  return at;
}

}  // namespace synclog::test::direct
