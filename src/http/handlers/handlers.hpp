// Route registration, one function per group of routes.
#pragma once

#include "http/app.hpp"

namespace synclog::http::handlers {

// GET and POST /v1/sync, GET /v1/sync/events.
void add_sync_routes(Router& router, Services& services);
// /healthz, /readyz, /metrics, /openapi.json.
void add_ops_routes(Router& router, Services& services);
// The web app's files under /app/ (AppOptions::app_dir), public.
void add_app_routes(Router& router, Services& services);
// The direct endpoints of the upstream contract (section 3) and their reads.
void add_bookmark_routes(Router& router, Services& services);
void add_collection_routes(Router& router, Services& services);
void add_note_routes(Router& router, Services& services);
void add_reading_session_routes(Router& router, Services& services);
void add_preference_routes(Router& router, Services& services);
// Shared spaces: the spaces themselves (create, the feed, members, the review list), their
// sync (GET/POST /v1/spaces/{id}/sync and the change stream GET /v1/spaces/events), their
// records one by one, and the schemas they use.
void add_space_routes(Router& router, Services& services);
void add_space_sync_routes(Router& router, Services& services);
void add_space_record_routes(Router& router, Services& services);
void add_schema_routes(Router& router, Services& services);

}  // namespace synclog::http::handlers
