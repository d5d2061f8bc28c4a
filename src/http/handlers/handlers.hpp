// Route registration, one function per group of routes.
#pragma once

#include "http/app.hpp"

namespace synclog::http::handlers {

// GET and POST /v1/sync.
void add_sync_routes(Router& router, Services& services);
// /healthz, /readyz, /metrics.
void add_ops_routes(Router& router, Services& services);

}  // namespace synclog::http::handlers
