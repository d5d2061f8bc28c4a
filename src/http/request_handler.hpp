// The seam between the Beast server and the application.
#pragma once

#include <functional>

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
  // The server is draining (SIGTERM): readiness should fail from now on.
  virtual void set_draining() {}
};

}  // namespace synclog::http
