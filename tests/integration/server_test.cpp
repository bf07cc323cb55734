// The real binary on port 0: system endpoints, error shapes, keep-alive, request ids, metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "common/json.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--set", "server.debug_routes=true", "--threads", "2"});
    ASSERT_TRUE(server_->started()) << server_->log();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->port(); }
  static ServerProcess* server_;
};
ServerProcess* ServerTest::server_ = nullptr;

void expect_openai_error(const HttpReply& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto v = parse_json(r.body);
  ASSERT_TRUE(v) << r.body;
  const auto& e = v->as_object().at("error").as_object();
  EXPECT_FALSE(e.at("message").as_string().empty());
  EXPECT_TRUE(e.contains("type"));
  EXPECT_TRUE(e.contains("param"));
  EXPECT_EQ(e.at("code").as_string(), code) << r.body;
}

TEST_F(ServerTest, HealthAndReadiness) {
  auto h = http_request(port(), "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, R"({"status":"ok"})");
  auto r = http_request(port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->as_object().at("status").as_string(), "ready");
  EXPECT_TRUE(v->as_object().at("components").as_object().contains("store"));
}

TEST_F(ServerTest, ErrorsHaveOpenAiShapeAndStatus) {
  expect_openai_error(http_request(port(), "GET", "/v1/nope"), 404, "not_found");
  auto m = http_request(port(), "DELETE", "/healthz");
  expect_openai_error(m, 405, "method_not_allowed");
  EXPECT_EQ(m.header("allow"), "GET");
  auto bad = http_request(port(), "POST", "/debug/echo", R"({"model": "x",)");
  expect_openai_error(bad, 400, "invalid_argument");
  EXPECT_NE(bad.body.find("byte 14"), std::string::npos) << bad.body;
  expect_openai_error(http_request(port(), "POST", "/debug/echo", "{}", "text/plain"), 415, "unsupported_media_type");
}

TEST_F(ServerTest, EchoesJsonAndAcceptsCharsetParameter) {
  auto r = http_request(port(), "POST", "/debug/echo", R"({"a":[1,"é"]})", "application/json; charset=utf-8");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"a":[1,"é"]})");
}

TEST_F(ServerTest, RequestIdIsEchoedOrGenerated) {
  auto r = http_request(port(), "GET", "/healthz", {}, {}, {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(r.header("x-request-id"), "trace-abc.123");
  auto g = http_request(port(), "GET", "/healthz", {}, {}, {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_TRUE(g.header("x-request-id").starts_with("req_")) << g.header("x-request-id");
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  RawConnection c(port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_reply();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(ServerTest, Http10ClosesAfterResponse) {
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.0\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(5)));
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  RawConnection c(port());
  ASSERT_TRUE(
      c.send("POST /debug/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 7\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(c.read_until("100 Continue", std::chrono::seconds(5)));
  auto cont = c.read_reply();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("[1,2,3]"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[1,2,3]");
}

// The value of one exposition line (`name{labels} value`), or -1 when the series is absent.
double metric_value(const std::string& body, const std::string& series) {
  const auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::atof(body.c_str() + at + series.size() + 2);
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndStatus) {
  // The server is shared by the suite, so counts are compared with what it showed before this test.
  const std::string missing = R"(sovra_http_requests_total{method="GET",route="unmatched",status="404"})";
  const std::string healthz = R"(sovra_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"})";
  const auto before = http_request(port(), "GET", "/metrics");
  ASSERT_EQ(before.status, 200);
  const double missing_before = std::max(0.0, metric_value(before.body, missing));
  const double healthz_before = std::max(0.0, metric_value(before.body, healthz));
  for (int i = 0; i < 3; ++i) http_request(port(), "GET", "/v1/definitely-missing");
  ASSERT_EQ(http_request(port(), "GET", "/healthz").status, 200);
  // A request is recorded after its last byte is written, so the client may see the reply first.
  HttpReply m;
  EXPECT_TRUE(eventually([&] {
    m = http_request(port(), "GET", "/metrics");
    return metric_value(m.body, missing) == missing_before + 3 && metric_value(m.body, healthz) >= healthz_before + 1;
  })) << m.body;
  EXPECT_NE(m.body.find(R"(sovra_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="0.001"})"),
            std::string::npos);
  EXPECT_EQ(m.status, 200);
  EXPECT_TRUE(m.header("content-type").starts_with("text/plain; version=0.0.4"));
  EXPECT_NE(m.body.find("# HELP sovra_http_requests_total"), std::string::npos);
  const auto at = m.body.find("\nsovra_http_in_flight_requests ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::atof(m.body.c_str() + at + 31), 1.0);  // at least this very request
  EXPECT_NE(m.body.find("sovra_build_info{"), std::string::npos);
  // Raw paths never become labels.
  EXPECT_EQ(m.body.find("definitely-missing"), std::string::npos);
}

TEST_F(ServerTest, OpenApiDescribesServedRoutes) {
  auto r = http_request(port(), "GET", "/openapi.json");
  EXPECT_EQ(r.status, 200);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v) << r.body;
  const auto& doc = v->as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  const auto& paths = doc.at("paths").as_object();
  EXPECT_TRUE(paths.contains("/healthz"));
  EXPECT_TRUE(paths.contains("/readyz"));
  EXPECT_TRUE(paths.contains("/metrics"));
  EXPECT_FALSE(paths.contains("/debug/echo"));  // hidden
}

TEST_F(ServerTest, AccessLogHasRequestIdAndNoBodies) {
  http_request(port(), "POST", "/debug/echo", R"({"secret_prompt":"do not log me"})", "application/json",
               {{"X-Request-Id", "access-log-check"}});
  ASSERT_TRUE(eventually([] { return server_->log().find("access-log-check") != std::string::npos; }));
  const auto log = server_->log();
  EXPECT_EQ(log.find("do not log me"), std::string::npos);
  // Every line is one JSON object.
  std::size_t start = 0;
  while (start < log.size()) {
    const auto nl = log.find('\n', start);
    const auto line = log.substr(start, nl - start);
    if (!line.empty()) {
      EXPECT_TRUE(parse_json(line)) << line;
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

}  // namespace
}  // namespace sovra::test
