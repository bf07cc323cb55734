#include "common/error.hpp"

#include <gtest/gtest.h>

namespace sovra {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error::invalid("must be positive", "v");
  return v;
}

Result<int> doubled(int v) {
  SOVRA_TRY(int x, parse_positive(v));
  return x * 2;
}

TEST(Result, CarriesValueOrError) {
  auto ok = doubled(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().param, "v");
  EXPECT_EQ(bad.error().status(), 400);
}

TEST(Error, StatusMapping) {
  EXPECT_EQ(default_http_status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(default_http_status(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(default_http_status(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(default_http_status(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(default_http_status(ErrorCode::kInternal), 500);
  Error e{ErrorCode::kInvalidArgument, "x", {}, 431};
  EXPECT_EQ(e.status(), 431);
  EXPECT_STREQ(error_code_name(ErrorCode::kRequestTimeout), "request_timeout");
}

}  // namespace
}  // namespace sovra
