// The seam between the Beast server and the application.
#pragma once

#include <functional>

#include "http/message.hpp"

namespace synclog::http {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Handles one request. `respond` must be called exactly once, from any thread.
  virtual void handle(HttpRequest request, std::function<void(HttpResponse)> respond) = 0;
  // The server is draining (SIGTERM): readiness should fail from now on.
  virtual void set_draining() {}
};

}  // namespace synclog::http
