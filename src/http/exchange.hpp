// One request in flight through the application: the request, what authentication learned,
// and the single way out (respond), which also writes the request's log line and metrics.
// Handlers keep the Exchange alive (shared_ptr) across their asynchronous steps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "domain/scopes.hpp"
#include "http/message.hpp"
#include "storage/store.hpp"

namespace synclog::http {

class Logger;
class Registry;
struct RequestRecord;

struct RequestContext {
  std::string request_id;
  std::string route;  // the matched route's pattern, or "unmatched"
  std::vector<std::pair<std::string, std::string>> path_params;
  std::string subject;    // the token's sub, once authenticated
  domain::Scopes scopes;  // the token's scopes
  std::string client_id;  // x-client-id
  storage::UserKey user = 0;
  // Extra facts for the log line; negative means "not applicable".
  std::int64_t mutations = -1;
  std::int64_t entries = -1;
  std::int64_t applied = -1;  // conflictMode=field outcomes (request_log.hpp)
  std::int64_t merged = -1;
  std::int64_t conflicts = -1;
  std::int64_t soft_merged = -1;  // spaces only
  std::int64_t rejected = -1;
  std::string error;  // the message of an error response
};

// 403 unless the token has `scope` ("The access token lacks the sync scope").
Status require_scope(const RequestContext& ctx, std::string_view scope);

class Exchange {
 public:
  Exchange(HttpRequest request, std::function<void(HttpResponse)> sink,
           std::function<void(std::function<void()>)> post, Logger& log, Registry& metrics);
  // An exchange dropped without a response (a bug) answers 500 rather than hang the client.
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const HttpRequest& request() const { return request_; }
  RequestContext& ctx() { return ctx_; }
  const RequestContext& ctx() const { return ctx_; }
  std::optional<std::string_view> path_param(std::string_view name) const;

  // Runs `fn` on the request's own thread (its connection's strand). Storage completions call
  // it first thing, so handler code, logging and metrics never run on storage threads.
  void resume(std::function<void()> fn) { post_(std::move(fn)); }

  // Sends the response (once; later calls are ignored). The request's log line is written now,
  // or, for a response with a stream, when the stream ends.
  void respond(HttpResponse response);
  void fail(const Error& error);
  // This exchange will not answer: the request goes on in another one (App::answer_before_body
  // looked at its header only). Nothing is sent or logged.
  void dismiss() { responded_.store(true); }

 private:
  // The request's log line as of now; it views this exchange's strings.
  RequestRecord record(int status, std::int64_t bytes_out) const;

  HttpRequest request_;
  RequestContext ctx_;
  std::function<void(HttpResponse)> sink_;
  std::function<void(std::function<void()>)> post_;
  Logger& log_;
  Registry& metrics_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> responded_{false};
};

}  // namespace synclog::http
