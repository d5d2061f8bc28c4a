// The web app under /app/ (docs/api.md, "The web app"), public like the app shell must be:
//   GET|HEAD /app          301 to /app/
//   GET|HEAD /app/         index.html
//   GET|HEAD /app/{path}   the file (app_files.hpp decides which paths name one; 404 otherwise)
// Every answer, errors and 405s included, carries the app's Content-Security-Policy, nosniff and
// no-referrer; content-hashed assets are cached for a year, everything else is revalidated
// (ETag, 304 on If-None-Match). Logged and counted as route "app".
#include <memory>

#include "domain/preconditions.hpp"
#include "http/app_files.hpp"
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/handlers.hpp"

namespace synclog::http::handlers {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

HttpResponse with_app_headers(HttpResponse r, std::string_view cache_control = kRevalidate) {
  r.set_header("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.set_header("X-Content-Type-Options", "nosniff");
  r.set_header("Referrer-Policy", "no-referrer");
  r.set_header("Cache-Control", std::string(cache_control));
  return r;
}

// Answers `error` in the generic envelope; `why` (which the client is not told) goes to the log.
void refuse(const std::shared_ptr<Exchange>& ex, const Error& error, std::string why) {
  HttpResponse r = with_app_headers(error_response(error));
  if (error.code == ErrorCode::kMethodNotAllowed) r.set_header("Allow", "GET, HEAD");
  ex->ctx().error = std::move(why);
  ex->respond(std::move(r));
}

// Other methods than GET and HEAD: 405.
bool readable(const std::shared_ptr<Exchange>& ex) {
  const std::string& method = ex->request().method;
  if (method == "GET" || method == "HEAD") return true;
  refuse(ex, make_error(ErrorCode::kMethodNotAllowed, "Method " + method + " is not allowed here"),
         "method not allowed");
  return false;
}

// /app is /app/, where the app's relative links and its service worker's scope start.
void redirect_to_index(const std::shared_ptr<Exchange>& ex) {
  if (!readable(ex)) return;
  const std::string& target = ex->request().target;
  const auto query = target.find('?');
  HttpResponse r = with_app_headers(json_response(301, {}));
  r.set_header("Location", "/app/" + (query == std::string::npos ? "" : target.substr(query)));
  ex->respond(std::move(r));
}

void serve_file(const AppFiles& files, const std::shared_ptr<Exchange>& ex) {
  if (!readable(ex)) return;
  auto file = files.read(ex->path_param("path").value_or(""));
  if (!file.ok()) {
    return refuse(ex, make_error(ErrorCode::kNotFound, "The requested resource could not be found"),
                  file.error().message);
  }
  const auto conditions = domain::Preconditions::parse(std::nullopt, ex->request().header("if-none-match"));
  // A malformed If-None-Match is ignored: the file is simply sent.
  const bool not_modified = conditions.ok() && conditions->not_modified(file->tag);
  HttpResponse r = with_app_headers(json_response(not_modified ? 304 : 200, {}),
                                    file->immutable ? kImmutable : kRevalidate);
  r.content_type = std::string(file->content_type);
  r.set_header("ETag", "\"" + file->tag + "\"");
  if (!not_modified) r.body = std::move(file->body);
  ex->respond(std::move(r));
}

}  // namespace

void add_app_routes(Router& router, Services& s) {
  auto files = std::make_shared<const AppFiles>(s.options.app_dir);
  router.add(Route{std::string(kAnyMethod), "/app", false, redirect_to_index, "app"});
  router.add(Route{std::string(kAnyMethod), "/app/{path...}", false,
                   [files](const std::shared_ptr<Exchange>& ex) { serve_file(*files, ex); }, "app"});
}

}  // namespace synclog::http::handlers
