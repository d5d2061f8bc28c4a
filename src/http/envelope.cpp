// Error envelopes.
#include "http/envelope.hpp"

#include "common/json_text.hpp"

namespace synclog::http {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidRequest: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kRequestTimeout: return 408;
    case ErrorCode::kOutOfSync: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kSpaceAccessRevoked: return 403;
    case ErrorCode::kSchemaUpgradeRequired: return 426;
    case ErrorCode::kResyncRequired: return 410;
    case ErrorCode::kPreconditionFailed: return 412;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnprocessable: return 422;
    case ErrorCode::kValidation: return 422;
    case ErrorCode::kTooManyRequests: return 429;
    case ErrorCode::kHeadersTooLarge: return 431;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kNotImplemented: return 501;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInsufficientStorage: return 507;
  }
  return 500;
}

std::string_view error_type(int status) {
  switch (status) {
    case 400: return "invalid_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 410: return "gone";
    case 412: return "precondition_failed";
    case 413: return "payload_too_large";
    case 422: return "unprocessable_entity";
    case 426: return "upgrade_required";
    case 429: return "rate_limit_exceeded";
    case 431: return "request_header_fields_too_large";
    case 500: return "internal_server_error";
    case 501: return "not_implemented";
    case 503: return "service_unavailable";
    case 507: return "insufficient_storage";
    default: return "error";
  }
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse error_response(const Error& error) {
  const int status = http_status(error.code);
  const char* sync_code = error.code == ErrorCode::kOutOfSync               ? "OutOfSyncError"
                          : error.code == ErrorCode::kValidation            ? "ValidationError"
                          : error.code == ErrorCode::kResyncRequired        ? "ResyncRequired"
                          : error.code == ErrorCode::kSpaceAccessRevoked    ? "SpaceAccessRevoked"
                          : error.code == ErrorCode::kSchemaUpgradeRequired ? "SchemaUpgradeRequired"
                                                                            : nullptr;
  if (sync_code) {
    JsonObjectWriter inner;
    inner.str("code", sync_code).str("message", error.message);
    JsonObjectWriter w;
    w.boolean("success", false).raw("error", std::move(inner).finish());
    return json_response(status, std::move(w).finish());
  }
  JsonObjectWriter w;
  w.str("message", error.message).str("type", error_type(status)).boolean("success", false);
  HttpResponse r = json_response(status, std::move(w).finish());
  // Unavailable is transient (the database unreachable or restarting, the store stopping).
  if (status == 503) r.set_header("Retry-After", "1");
  return r;
}

}  // namespace synclog::http
