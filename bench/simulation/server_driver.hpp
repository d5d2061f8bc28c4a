// The wire: one device's pushes and pulls against the real synclog server over HTTP, in the
// shapes of docs/api.md ("POST /v1/sync", "GET /v1/sync", "Genuine-only conflicts"). It
// checks the answers' shape (one ack per item, same type and id, timestamps increasing) and
// throws std::runtime_error for anything a correct server never answers, so a broken answer
// stops the run instead of skewing the figures. Not thread-safe: one device at a time.
#pragma once

#include "http_client.hpp"
#include "model.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace synclog::sim {

struct PushAnswer {
  int status = 0;         // 200 or 409 (anything else throws)
  std::int64_t head = 0;  // the answer's lastMutationAt (200)
  std::vector<Ack> acks;  // one per mutation, in order (200)
};

struct PullAnswer {
  std::vector<PulledEntry> entries;  // ascending timestamps, one per record
  std::int64_t head = 0;             // the cursor to keep
  int requests = 0;                  // GETs it took
};

class ServerDriver {
 public:
  // `client` is shared by the devices of one user and must outlive the driver; `headers`
  // authenticate as the user and name the device (x-client-id). `path` is the log's sync
  // endpoint (a space's: /v1/spaces/<id>/sync); a space's device sends each mutation's capture
  // time as clientUpdatedAt in its own UTC offset (`utc_offset_minutes`).
  ServerDriver(test::HttpClient& client, test::Headers headers, std::string path = "/v1/sync",
               int utc_offset_minutes = 0)
      : client_(&client), headers_(std::move(headers)), path_(std::move(path)),
        utc_offset_minutes_(utc_offset_minutes) {}

  // POST <path>?lastMutationAt=<cursor>[&conflictMode=field] with an Idempotency-Key, so a
  // request the client had to send again is never applied twice.
  PushAnswer push(Mode mode, std::int64_t cursor, const std::vector<Mutation>& mutations,
                  const std::string& idempotency_key);

  // Every entry after `since`, by cursor pages of 1000 (GET <path>?mutationsSince=..&limit).
  PullAnswer pull(std::int64_t since);

 private:
  std::string body_of(const std::vector<Mutation>& mutations, Mode mode) const;

  test::HttpClient* client_;
  test::Headers headers_;
  std::string path_;
  int utc_offset_minutes_;
};

}  // namespace synclog::sim
