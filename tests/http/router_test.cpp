#include "http/router.hpp"

#include <gtest/gtest.h>

namespace sovra::http {
namespace {

Response ok(Request&) { return Response::json(200, "{}"); }

TEST(Router, MatchesExactAndParameterisedRoutes) {
  Router r;
  r.add("GET", "/v1/models", ok);
  r.add("GET", "/v1/models/{id}", ok);
  r.add("DELETE", "/v1/models/{id}", ok);
  auto m = r.match("GET", "/v1/models");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/models");
  m = r.match("GET", "/v1/models/tiny");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/models/{id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "tiny");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router r;
  r.add("GET", "/v1/models/{id}", ok);
  r.add("DELETE", "/v1/models/{id}", ok);
  auto m = r.match("GET", "/v1/nothing");
  EXPECT_EQ(m.route, nullptr);
  ASSERT_TRUE(m.error);
  EXPECT_EQ(m.error->status(), 404);
  m = r.match("POST", "/v1/models/x");
  ASSERT_TRUE(m.error);
  EXPECT_EQ(m.error->status(), 405);
  EXPECT_EQ(m.allow, "GET, DELETE");
}

TEST(Router, SegmentCountsAndTrailingSlashesMatter) {
  Router r;
  r.add("GET", "/a/{x}", ok);
  EXPECT_TRUE(r.match("GET", "/a").error);
  EXPECT_TRUE(r.match("GET", "/a/b/c").error);
  EXPECT_TRUE(r.match("GET", "/a/b/").error);
  EXPECT_EQ(r.match("GET", "/a/b").route->pattern, "/a/{x}");
}

}  // namespace
}  // namespace sovra::http
