#include "api/anthropic/error.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"

namespace sovra::api::anthropic {
namespace {

TEST(AnthropicError, EveryStatusHasAnthropicsType) {
  struct Case {
    Error error;
    int status;
    const char* type;
  };
  const std::vector<Case> cases{
      {Error::invalid("bad"), 400, "invalid_request_error"},
      {Error{ErrorCode::kUnauthenticated, "no key", {}, 0}, 401, "authentication_error"},
      {Error{ErrorCode::kInvalidArgument, "pay", {}, 402}, 402, "billing_error"},
      {Error{ErrorCode::kPermissionDenied, "no", {}, 0}, 403, "permission_error"},
      {Error::not_found("gone"), 404, "not_found_error"},
      {Error{ErrorCode::kPayloadTooLarge, "big", {}, 0}, 413, "request_too_large"},
      {Error{ErrorCode::kRateLimited, "slow down", {}, 0}, 429, "rate_limit_error"},
      {Error::internal("bug"), 500, "api_error"},
      {Error::unavailable("overloaded"), 529, "overloaded_error"},
      {Error{ErrorCode::kInternal, "busy", {}, 503}, 529, "overloaded_error"},
      {Error{ErrorCode::kInternal, "slow upstream", {}, 504}, 504, "timeout_error"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(error_status(c.error), c.status) << c.error.message;
    EXPECT_STREQ(error_type(c.error), c.type) << c.error.message;
  }
}

TEST(AnthropicError, ShapeAndEscaping) {
  auto r = error_response(Error::invalid("messages.0: \"quoted\"\n", "messages.0"), "req_1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"type":"error","error":{"type":"invalid_request_error","message":"messages.0: \"quoted\"\n"},)"
                    R"("request_id":"req_1"})");
  ASSERT_TRUE(parse_json(r.body));
  EXPECT_EQ(error_json(Error::internal("x"), ""),
            R"({"type":"error","error":{"type":"api_error","message":"x"},"request_id":null})");
}

TEST(AnthropicError, WhoGetsAnthropicErrors) {
  http::Request plain;
  EXPECT_TRUE(wants_anthropic_errors(plain, "/v1/messages"));
  EXPECT_TRUE(wants_anthropic_errors(plain, "/v1/messages/count_tokens"));
  EXPECT_FALSE(wants_anthropic_errors(plain, "/v1/models"));
  http::Request sdk;
  sdk.headers.push_back({"Anthropic-Version", "2023-06-01"});
  EXPECT_TRUE(wants_anthropic_errors(sdk, "/v1/models"));
}

}  // namespace
}  // namespace sovra::api::anthropic
