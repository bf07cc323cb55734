// The Anthropic routes behind the real HTTP server (in-process, port 0) over a scripted backend: the deferred
// response, SSE bytes on the wire, and a client that hangs up cancelling the backend call.
#include <gtest/gtest.h>

#include <thread>

#include "api/anthropic/routes.hpp"
#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "http/server.hpp"
#include "support/eventually.hpp"
#include "support/raw_http.hpp"
#include "support/scripted_backend.hpp"

namespace sovra::api::anthropic {
namespace {

class AnthropicServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<http::Router>();
    add_anthropic_routes(
        *router, std::make_shared<const CallFlow>(CallFlowOptions{.router = std::make_shared<testing::ScriptedRouter>(
                                                                      backend_, std::vector<std::string>{"stories"})}));
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.threads = 1;
    auto server = http::Server::create(config, router, {.render_error = openai::error_response, .access_log = false});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    auto endpoint = server_->start();
    ASSERT_TRUE(endpoint) << endpoint.error().message;
    port_ = endpoint->port;
    thread_ = std::thread([this] { server_->run(false); });
  }
  void TearDown() override {
    if (server_) server_->begin_shutdown();
    if (thread_.joinable()) thread_.join();
  }

  static std::string post(std::string_view body) {
    return "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nanthropic-version: "
           "2023-06-01\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  }

  std::shared_ptr<testing::ScriptedBackend> backend_ = std::make_shared<testing::ScriptedBackend>();
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(AnthropicServer, MessageOverHttp) {
  ChatEvent hi;
  hi.delta.role = true;
  hi.delta.content = "Hello";
  ChatEvent end;
  end.delta.finish_reason = FinishReason::kStop;
  ChatEvent done;
  done.kind = ChatEvent::Kind::kFinished;
  done.usage = {.prompt_tokens = 5, .completion_tokens = 1};
  backend_->chat_script = {hi, end, done};
  auto reply = test::http_request(port_, "POST", "/v1/messages",
                                  R"({"model":"stories","max_tokens":8,"messages":[{"role":"user","content":"Hi"}]})",
                                  "application/json", {{"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_FALSE(reply.header("request-id").empty());
  auto v = parse_json(reply.body);
  ASSERT_TRUE(v) << reply.body;
  EXPECT_EQ(v->at("content").at(0).at("text").as_string(), "Hello");
  auto bad = test::http_request(port_, "POST", "/v1/messages", R"({"model":"stories"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find(R"("type":"invalid_request_error")"), std::string::npos) << bad.body;
}

TEST_F(AnthropicServer, HangingUpCancelsTheStream) {
  backend_->manual = true;
  ChatEvent once;
  once.delta.role = true;
  once.delta.content = "Once";
  ChatEvent done;
  done.kind = ChatEvent::Kind::kFinished;
  done.usage = {.prompt_tokens = 5, .completion_tokens = 1};
  backend_->chat_script = {once, done};
  test::RawConnection conn(port_);
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send(post(R"({"model":"stories","max_tokens":8,"stream":true,)"
                             R"("messages":[{"role":"user","content":"Hi"}]})")));
  ASSERT_TRUE(conn.read_until("event: ping", std::chrono::seconds(10))) << conn.received();
  EXPECT_NE(conn.received().find("Content-Type: text/event-stream"), std::string::npos) << conn.received();
  ASSERT_TRUE(backend_->release_next());
  ASSERT_TRUE(conn.read_until("\"text\":\"Once\"", std::chrono::seconds(10))) << conn.received();
  conn.close();
  EXPECT_TRUE(test::eventually([&] { return backend_->cancel_count() > 0; }))
      << "the backend call was not cancelled after the client hung up";
  backend_->release_all();  // the backend's kFinished after the cancel ends the call
}

}  // namespace
}  // namespace sovra::api::anthropic
