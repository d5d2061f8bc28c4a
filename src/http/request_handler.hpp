// The seam between the Beast server and the application.
#pragma once

#include <functional>
#include <optional>

#include "http/message.hpp"

namespace synclog::http {

// Runs a function later on the thread that owns the request (its connection's strand). The
// application uses it to leave storage threads as soon as their work is done.
using Post = std::function<void(std::function<void()>)>;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Handles one request. `respond` must be called exactly once, from any thread.
  virtual void handle(HttpRequest request, std::function<void(HttpResponse)> respond,
                      Post post) = 0;
  // Called when a request's header has arrived and its body has not: an answer that depends
  // on the header alone (a bad token: 401; a client over its rate: 429) is returned, and the
  // server sends it at once instead of reading a body it would refuse anyway. Nothing: read the
  // body and call handle() as usual, which checks everything again. Must not block; runs on the
  // connection's thread. `head` has no body.
  virtual std::optional<HttpResponse> answer_before_body(const HttpRequest& /*head*/) {
    return std::nullopt;
  }
  // The server is draining (SIGTERM): readiness should fail from now on.
  virtual void set_draining() {}
};

}  // namespace synclog::http
