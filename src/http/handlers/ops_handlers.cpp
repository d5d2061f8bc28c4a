// Operational endpoints: liveness, readiness (storage healthy and not draining), metrics, and
// synclog's OpenAPI document.
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/handlers.hpp"

namespace synclog::http {
// docs/openapi.json, compiled in (cmake/EmbedFile.cmake).
extern const std::string_view kOpenApiDocument;
}  // namespace synclog::http

namespace synclog::http::handlers {

void add_ops_routes(Router& router, Services& s) {
  router.add(Route{"GET", "/healthz", false, [](const auto& ex) {
                     ex->respond(json_response(200, R"({"status":"ok"})"));
                   }});
  router.add(Route{"GET", "/readyz", false, [&s](const auto& ex) {
                     if (s.draining.load()) {
                       return ex->respond(json_response(503, R"({"status":"draining"})"));
                     }
                     if (auto st = s.store.check(); !st.ok()) {
                       ex->ctx().error = st.message();
                       return ex->respond(json_response(503, R"({"status":"storage unavailable"})"));
                     }
                     ex->respond(json_response(200, R"({"status":"ready"})"));
                   }});
  router.add(Route{"GET", "/openapi.json", false, [](const auto& ex) {
                     ex->respond(json_response(200, std::string(kOpenApiDocument)));
                   }});
  router.add(Route{"GET", "/metrics", false, [&s](const auto& ex) {
                     HttpResponse r = json_response(200, s.metrics.render());
                     r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                     ex->respond(std::move(r));
                   }});
}

}  // namespace synclog::http::handlers
