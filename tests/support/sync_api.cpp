// SyncApi.
#include "sync_api.hpp"

#include <gtest/gtest.h>

namespace synclog::test {

std::int64_t SyncApi::head() {
  auto r = client_.get("/v1/sync?mutationsSince=0&metadataOnly=true", headers_);
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return 0;
  return r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
}

Response SyncApi::pull(std::int64_t since, const std::string& extra) {
  return client_.get("/v1/sync?mutationsSince=" + std::to_string(since) + extra, headers_);
}

Response SyncApi::push(std::int64_t last, const std::string& mutations_json) {
  return client_.post("/v1/sync?lastMutationAt=" + std::to_string(last),
                      "{\"mutations\":" + mutations_json + "}", headers_);
}

boost::json::object SyncApi::push_ok(const std::string& mutations_json) {
  auto r = push(head(), mutations_json);
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  return r.json().at("data").as_object();
}

}  // namespace synclog::test
