// Names of error codes for logs and metrics.
#include "common/error_code.hpp"

namespace synclog {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidRequest: return "invalid_request";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kRequestTimeout: return "request_timeout";
    case ErrorCode::kOutOfSync: return "out_of_sync";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kSpaceAccessRevoked: return "space_access_revoked";
    case ErrorCode::kSchemaUpgradeRequired: return "schema_upgrade_required";
    case ErrorCode::kResyncRequired: return "resync_required";
    case ErrorCode::kPreconditionFailed: return "precondition_failed";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnprocessable: return "unprocessable_entity";
    case ErrorCode::kValidation: return "validation_error";
    case ErrorCode::kTooManyRequests: return "rate_limit_exceeded";
    case ErrorCode::kHeadersTooLarge: return "headers_too_large";
    case ErrorCode::kInternal: return "internal_server_error";
    case ErrorCode::kNotImplemented: return "not_implemented";
    case ErrorCode::kUnavailable: return "service_unavailable";
    case ErrorCode::kInsufficientStorage: return "insufficient_storage";
  }
  return "unknown";
}

}  // namespace synclog
