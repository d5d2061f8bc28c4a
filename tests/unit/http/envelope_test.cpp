// Error responses: every ErrorCode's HTTP status, the generic envelope
// {message, type, success:false}, and the sync envelope {success:false, error:{code, message}}
// used only for 409 OutOfSyncError and POST /v1/sync's 422 ValidationError.
#include "http/envelope.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace synclog::http {
namespace {

namespace json = boost::json;

TEST(EnvelopeTest, EveryErrorCodeMapsToItsStatus) {
  EXPECT_EQ(http_status(ErrorCode::kInvalidRequest), 400);
  EXPECT_EQ(http_status(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(http_status(ErrorCode::kForbidden), 403);
  EXPECT_EQ(http_status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(http_status(ErrorCode::kMethodNotAllowed), 405);
  EXPECT_EQ(http_status(ErrorCode::kRequestTimeout), 408);
  EXPECT_EQ(http_status(ErrorCode::kOutOfSync), 409);
  EXPECT_EQ(http_status(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(http_status(ErrorCode::kUnprocessable), 422);
  EXPECT_EQ(http_status(ErrorCode::kValidation), 422);
  EXPECT_EQ(http_status(ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(http_status(ErrorCode::kHeadersTooLarge), 431);
  EXPECT_EQ(http_status(ErrorCode::kInternal), 500);
  EXPECT_EQ(http_status(ErrorCode::kUnavailable), 503);
}

TEST(EnvelopeTest, GenericTypesFollowTheUpstreamTable) {
  EXPECT_EQ(error_type(400), "invalid_request");
  EXPECT_EQ(error_type(401), "unauthorized");
  EXPECT_EQ(error_type(403), "forbidden");
  EXPECT_EQ(error_type(404), "not_found");
  EXPECT_EQ(error_type(422), "unprocessable_entity");
  EXPECT_EQ(error_type(429), "rate_limit_exceeded");
  EXPECT_EQ(error_type(500), "internal_server_error");
  EXPECT_EQ(error_type(503), "service_unavailable");
}

TEST(EnvelopeTest, OutOfSyncUsesTheSyncEnvelope) {
  const auto r = error_response(
      make_error(ErrorCode::kOutOfSync, "Invalid lastMutationAt, please re-sync your data and try again."));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body,
            R"({"success":false,"error":{"code":"OutOfSyncError","message":"Invalid lastMutationAt, please re-sync your data and try again."}})");
}

TEST(EnvelopeTest, SyncValidationUsesTheSyncEnvelope) {
  const auto r = error_response(make_error(ErrorCode::kValidation, R"(Invalid resource: "X" at mutation[0])"));
  EXPECT_EQ(r.status, 422);
  const auto v = json::parse(r.body).as_object();
  EXPECT_EQ(v.size(), 2u);
  EXPECT_FALSE(v.at("success").as_bool());
  const auto& e = v.at("error").as_object();
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(e.at("code").as_string(), "ValidationError");
  EXPECT_EQ(e.at("message").as_string(), R"(Invalid resource: "X" at mutation[0])");
}

TEST(EnvelopeTest, OtherErrorsUseTheGenericEnvelope) {
  const auto r = error_response(make_error(ErrorCode::kUnprocessable, "limit must be an integer from 1 to 1000"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body,
            R"({"message":"limit must be an integer from 1 to 1000","type":"unprocessable_entity","success":false})");

  for (auto code : {ErrorCode::kInvalidRequest, ErrorCode::kUnauthorized, ErrorCode::kForbidden,
                    ErrorCode::kNotFound, ErrorCode::kTooManyRequests, ErrorCode::kInternal,
                    ErrorCode::kUnavailable, ErrorCode::kPayloadTooLarge}) {
    const auto e = error_response(make_error(code, "m"));
    const auto v = json::parse(e.body).as_object();
    EXPECT_EQ(v.size(), 3u);
    EXPECT_EQ(v.at("message").as_string(), "m");
    EXPECT_EQ(v.at("type").as_string(), error_type(http_status(code)));
    EXPECT_FALSE(v.at("success").as_bool());
    EXPECT_FALSE(v.contains("error"));
  }
}

TEST(EnvelopeTest, UnavailableSaysWhenToTryAgain) {
  const auto retry_after = [](const HttpResponse& r) {
    std::string out;
    for (const auto& [name, value] : r.headers) {
      if (name == "Retry-After") out += value;
    }
    return out;
  };
  const auto r = error_response(make_error(ErrorCode::kUnavailable, "The database is unavailable"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(retry_after(r), "1");
  EXPECT_EQ(retry_after(error_response(make_error(ErrorCode::kInternal, "x"))), "");
}

TEST(EnvelopeTest, MessagesAreEscapedIntoValidJson) {
  const std::string nasty = "quote \" backslash \\ newline \n tab \t";
  for (auto code : {ErrorCode::kNotFound, ErrorCode::kValidation}) {
    const auto r = error_response(make_error(code, nasty));
    const auto v = json::parse(r.body).as_object();
    const auto& msg = code == ErrorCode::kNotFound ? v.at("message") : v.at("error").at("message");
    EXPECT_EQ(msg.as_string(), nasty);
  }
}

TEST(EnvelopeTest, ResponsesAreJson) {
  const auto ok = json_response(200, R"({"success":true})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"success":true})");
  EXPECT_NE(ok.content_type.find("application/json"), std::string::npos);
  EXPECT_NE(error_response(make_error(ErrorCode::kNotFound, "x")).content_type.find("application/json"),
            std::string::npos);
}

}  // namespace
}  // namespace synclog::http
