// TLS to upstreams: certificates are verified (chain and host name); a self-signed certificate is refused unless
// the deployment's ca_file trusts it. The upstream here is Sovra's own HTTP server with TLS on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "api/openai/error.hpp"
#include "http/server.hpp"
#include "routing/upstream_client.hpp"
#include "support/eventually.hpp"

namespace sovra::routing {
namespace {

namespace fs = std::filesystem;

class UpstreamTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sovra-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                            "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout '" +
                            (dir_ / "key.pem").string() + "' -out '" + (dir_ / "cert.pem").string() +
                            "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl CLI not available to make a test certificate";
    ServerConfig cfg;
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 1;
    cfg.tls.cert_file = (dir_ / "cert.pem").string();
    cfg.tls.key_file = (dir_ / "key.pem").string();
    auto router = std::make_shared<http::Router>();
    router->add("GET", "/v1/models", [](http::Request&) { return http::Response::json(200, R"({"data":[]})"); });
    auto server = http::Server::create(cfg, router, {.render_error = api::openai::error_response, .access_log = false});
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    auto bound = server_->start();
    ASSERT_TRUE(bound.has_value());
    port_ = bound->port;
    thread_ = std::thread([this] { server_->run(false); });
  }
  void TearDown() override {
    if (server_) {
      server_->begin_shutdown();
      thread_.join();
    }
    fs::remove_all(dir_);
  }

  // GET /v1/models through a fresh client; returns the HTTP status or the error message.
  std::string get(const std::string& host, const std::string& ca_file) {
    auto ep = parse_base_url("https://" + host + ":" + std::to_string(port_) + "/v1");
    EXPECT_TRUE(ep.has_value());
    auto client = UpstreamClient::create(*ep, {.connect_timeout_ms = 3000, .ca_file = ca_file});
    EXPECT_TRUE(client.has_value());
    std::mutex mu;
    std::optional<std::string> result;
    int status = 0;
    (*client)->start({.method = "GET", .path = "/models", .headers = {}, .body = {}},
                     {.on_head = [&](int s, const auto&) { status = s; },
                      .on_body = {},
                      .on_done = [&](Status st, ExchangeFacts) {
                        std::lock_guard lock(mu);
                        result = st ? std::to_string(status) : st.error().message;
                      }});
    EXPECT_TRUE(test::eventually([&] {
      std::lock_guard lock(mu);
      return result.has_value();
    }));
    std::lock_guard lock(mu);
    return result.value_or("no answer");
  }

  fs::path dir_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(UpstreamTls, SelfSignedCertificateIsRefused) {
  const auto r = get("localhost", "");
  EXPECT_NE(r.find("TLS handshake"), std::string::npos) << r;
  EXPECT_NE(r.find("certificate verify failed"), std::string::npos) << r;
}

TEST_F(UpstreamTls, TrustedThroughCaFileAndHostNameChecked) {
  EXPECT_EQ(get("localhost", (dir_ / "cert.pem").string()), "200");
  // Same trusted certificate, but it is not for 127.0.0.1: refused.
  const auto r = get("127.0.0.1", (dir_ / "cert.pem").string());
  EXPECT_NE(r.find("TLS handshake"), std::string::npos) << r;
}

TEST_F(UpstreamTls, MissingCaFileIsAClearError) {
  auto ep = parse_base_url("https://localhost:1/v1");
  ASSERT_TRUE(ep.has_value());
  auto client = UpstreamClient::create(*ep, {.ca_file = (dir_ / "missing.pem").string()});
  ASSERT_FALSE(client.has_value());
  EXPECT_NE(client.error().message.find("missing.pem"), std::string::npos);
}

TEST(UpstreamUrl, ParsesAndRefuses) {
  auto a = parse_base_url("https://api.example.com/v1/");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->base_path, "/v1");
  auto b = parse_base_url("http://10.0.0.2:8000");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->port, 8000);
  EXPECT_EQ(b->base_path, "");
  EXPECT_FALSE(parse_base_url("ftp://x/v1").has_value());
  EXPECT_FALSE(parse_base_url("http://x/v1?a=b").has_value());
  EXPECT_FALSE(parse_base_url("not a url").has_value());
}

}  // namespace
}  // namespace sovra::routing
