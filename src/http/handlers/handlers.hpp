// Route registration, one function per group of routes.
#pragma once

#include "http/app.hpp"

namespace synclog::http::handlers {

// GET and POST /v1/sync, GET /v1/sync/events.
void add_sync_routes(Router& router, Services& services);
// /healthz, /readyz, /metrics, /openapi.json.
void add_ops_routes(Router& router, Services& services);
// The direct endpoints of the upstream contract (section 3) and their reads.
void add_bookmark_routes(Router& router, Services& services);
void add_collection_routes(Router& router, Services& services);
void add_note_routes(Router& router, Services& services);
void add_reading_session_routes(Router& router, Services& services);
void add_preference_routes(Router& router, Services& services);

}  // namespace synclog::http::handlers
