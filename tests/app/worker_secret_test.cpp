#include "app/worker_secret.hpp"

#include <gtest/gtest.h>

namespace sovra::app {
namespace {

std::optional<http::Response> check(const http::Filter& f, std::string authorization) {
  http::Request r;
  r.method = "GET";
  r.path = "/v1/models";
  if (!authorization.empty()) r.headers.push_back({"Authorization", std::move(authorization)});
  http::Route route{.method = "GET", .pattern = "/v1/models", .handler = {}, .options = {}};
  return f(r, route);
}

TEST(WorkerSecret, OnlyTheExactSecretPasses) {
  const auto f = make_worker_secret_filter("s3cret-s3cret-s3cret");
  EXPECT_FALSE(check(f, "Bearer s3cret-s3cret-s3cret").has_value());
  EXPECT_FALSE(check(f, "bearer s3cret-s3cret-s3cret").has_value());
  for (const auto* bad : {"", "Bearer", "Bearer ", "Bearer s3cret-s3cret-s3cre", "Bearer s3cret-s3cret-s3cret!",
                          "Basic s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret"}) {
    auto r = check(f, bad);
    ASSERT_TRUE(r.has_value()) << bad;
    EXPECT_EQ(r->status, 401) << bad;
    EXPECT_NE(r->body.find("invalid_api_key"), std::string::npos);
    EXPECT_EQ(r->body.find("s3cret"), std::string::npos);
  }
}

}  // namespace
}  // namespace sovra::app
