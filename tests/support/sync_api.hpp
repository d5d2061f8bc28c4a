// Shorthands for the sync endpoints in integration tests: one user on one device.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>

#include "http_client.hpp"
#include "server_process.hpp"

namespace synclog::test {

class SyncApi {
 public:
  SyncApi(const ServerProcess& server, std::string user, std::string client_id = "test-device",
          std::string scopes = "")
      : client_(server.client()), headers_(server.auth(user, client_id, scopes)) {}

  // The head from GET /v1/sync?metadataOnly=true.
  std::int64_t head();
  // GET /v1/sync?mutationsSince=<since><extra>; `extra` starts with '&'.
  Response pull(std::int64_t since, const std::string& extra = "");
  // POST /v1/sync?lastMutationAt=<last> with {"mutations": <mutations_json>}.
  Response push(std::int64_t last, const std::string& mutations_json);
  // push() at the current head, expecting 200; returns the response's data object.
  boost::json::object push_ok(const std::string& mutations_json);

  HttpClient& client() { return client_; }
  const Headers& headers() const { return headers_; }

 private:
  HttpClient client_;
  Headers headers_;
};

}  // namespace synclog::test
