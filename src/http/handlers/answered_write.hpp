// Writes whose answer is made inside their transaction, so an Idempotency-Key can keep it with
// the writes (domain/idempotency.hpp). Every write endpoint runs through here: POST /v1/sync,
// the direct writes and the preference writes. With a key, a stored answer is replayed (the
// write does not run again), a different request under the key is 422, and a new answer is
// stored in the same transaction as the writes, so it exists exactly when they do.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "http/app.hpp"
#include "http/exchange.hpp"
#include "storage/store.hpp"

namespace synclog::http::handlers {

struct WriteAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // False for a refusal decided inside the transaction that must write nothing: the
  // transaction is rolled back and the answer is sent but not kept under the request's key.
  bool commit = true;
};

// Runs in the user's write transaction and returns the answer to send (and store).
using AnswerFn = std::function<Result<WriteAnswer>(storage::WriteTxn&)>;
// Called on the exchange's strand with the outcome, before the response goes out (metrics);
// `replayed` when the answer is a stored one and nothing was written.
using AnswerObserver = std::function<void(const Status&, bool replayed)>;

// A replayed answer carries `Idempotent-Replayed: true` besides its stored status, headers and
// body. A malformed Idempotency-Key is 400 before anything runs.
void run_answered_write(Services& s, const std::shared_ptr<Exchange>& ex, AnswerFn fn,
                        AnswerObserver observe = {});

// 400 for a malformed Idempotency-Key (none is fine). run_answered_write checks it too; a
// handler that looks something up first (a space) calls this before, so that the answer to a
// malformed key does not depend on what it would have found.
Status check_idempotency_key(const HttpRequest& req);

// The same in a log other than the user's own (a space's): keys are kept per person there, so
// that two members' keys never name each other's answers.
struct OtherLog {
  storage::UserKey owner = 0;
  std::string person;
};
void run_answered_write(Services& s, const std::shared_ptr<Exchange>& ex, const OtherLog& log, AnswerFn fn,
                        AnswerObserver observe = {});

}  // namespace synclog::http::handlers
