#include "http/parse.hpp"

#include <gtest/gtest.h>

namespace sovra::http {
namespace {

TEST(Parse, ParsesRequestWithBody) {
  auto r = parse_request("POST /v1/x?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nX-Request-Id: abc\r\n\r\n{}", {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/v1/x");
  EXPECT_EQ(r->query, "a=1");
  EXPECT_EQ(r->body, "{}");
  EXPECT_EQ(r->header("x-request-id"), "abc");
  EXPECT_EQ(r->header("missing"), "");
}

TEST(Parse, ParsesChunkedBody) {
  auto r = parse_request(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "abcde");
}

TEST(Parse, MalformedIs400) {
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: h\r\n"}) {
    auto r = parse_request(raw, {});
    ASSERT_FALSE(r) << raw;
    EXPECT_EQ(r.error().status(), 400) << raw;
  }
}

TEST(Parse, LimitsGive431And413) {
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  auto r = parse_request(big, {.max_header_bytes = 1024});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 431);
  r = parse_request("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n", {.max_body_bytes = 10});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status(), 413);
}

TEST(RequestId, AcceptsSaneIdsOnly) {
  EXPECT_TRUE(is_acceptable_request_id("abc-123_X.y:z"));
  EXPECT_FALSE(is_acceptable_request_id(""));
  EXPECT_FALSE(is_acceptable_request_id("has space"));
  EXPECT_FALSE(is_acceptable_request_id("quote\""));
  EXPECT_FALSE(is_acceptable_request_id(std::string(129, 'a')));
  const auto a = new_request_id();
  const auto b = new_request_id();
  EXPECT_NE(a, b);
  EXPECT_TRUE(is_acceptable_request_id(a));
}

}  // namespace
}  // namespace sovra::http
