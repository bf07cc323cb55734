// An upstream call started on an HTTP server's I/O thread runs on that server's io_context (http/io_thread.hpp):
// the relayed events arrive on the thread that started the call, the pooled connection is reused there, and when
// the server stops its pooled connections are closed before its io_context goes (no socket outlives it).
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "api/openai/error.hpp"
#include "http/deferred.hpp"
#include "http/server.hpp"
#include "routing/mock_upstream.hpp"
#include "routing/upstream_backend.hpp"
#include "support/eventually.hpp"

namespace sovra::routing {
namespace {

using test::MockConnection;
using test::MockRequest;
using test::MockUpstream;

struct Seen {
  std::mutex mu;
  std::vector<std::thread::id> handler;
  std::vector<std::thread::id> events;
};

class ServerLane : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ep = parse_base_url(mock_.base_url());
    ASSERT_TRUE(ep.has_value());
    auto client = UpstreamClient::create(*ep, {.connect_timeout_ms = 2000});
    ASSERT_TRUE(client.has_value());
    backend_ = UpstreamBackend::create(*client, {.deployment = "mock", .upstream_model = "up", .api_key = {}});

    ServerConfig cfg;
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 1;
    auto router = std::make_shared<http::Router>();
    router->add("POST", "/relay", [this](http::Request&) {
      {
        std::lock_guard lock(seen_.mu);
        seen_.handler.push_back(std::this_thread::get_id());
      }
      auto promise = std::make_shared<http::ResponsePromise>();
      auto text = std::make_shared<std::string>();
      api::ChatRequest r;
      r.model = "m";
      r.messages.push_back({.role = api::Role::kUser, .content = "hi", .has_content = true});
      auto id = backend_->start_chat(std::move(r), [this, promise, text](api::ChatEvent&& e) {
        {
          std::lock_guard lock(seen_.mu);
          seen_.events.push_back(std::this_thread::get_id());
        }
        *text += e.delta.content.value_or("");
        if (e.kind == api::ChatEvent::Kind::kFinished) {
          promise->complete(http::Response::text(e.error ? 502 : 200, e.error ? e.error->message : *text));
        }
      });
      if (!id) return http::Response::text(500, id.error().message);
      return http::Response::later(promise);
    });
    auto server = http::Server::create(cfg, router, {.render_error = api::openai::error_response, .access_log = false});
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    auto bound = server_->start();
    ASSERT_TRUE(bound.has_value());
    port_ = bound->port;
    thread_ = std::thread([this] { server_->run(false); });
  }
  void TearDown() override { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    server_->begin_shutdown();
    thread_.join();
  }

  // POST /relay from this (non-server) thread; the answer's status and body.
  std::pair<int, std::string> relay() {
    auto ep = parse_base_url("http://127.0.0.1:" + std::to_string(port_));
    EXPECT_TRUE(ep.has_value());
    auto client = UpstreamClient::create(*ep, {.connect_timeout_ms = 2000});
    EXPECT_TRUE(client.has_value());
    std::mutex mu;
    int status = 0;
    std::string body;
    bool done = false;
    (*client)->start({.method = "POST", .path = "/relay", .headers = {}, .body = "{}"},
                     {.on_head = [&](int s, const auto&) { status = s; },
                      .on_body = [&](std::string_view b) { body.append(b); },
                      .on_done = [&](Status, ExchangeFacts) {
                        std::lock_guard lock(mu);
                        done = true;
                      }});
    EXPECT_TRUE(test::eventually([&] {
      std::lock_guard lock(mu);
      return done;
    }));
    std::lock_guard lock(mu);
    return {status, body};
  }

  MockUpstream mock_{[](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("Hel")) +
            test::sse_event(test::chat_chunk("lo", "stop")) + test::sse_event(test::usage_chunk(3, 2)) +
            test::sse_event("[DONE]") + test::chunked_end());
  }};
  std::shared_ptr<UpstreamBackend> backend_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  int port_ = 0;
  Seen seen_;
};

TEST_F(ServerLane, EventsArriveOnTheServerThreadAndTheConnectionIsReused) {
  for (int i = 0; i < 3; ++i) {
    const auto [status, body] = relay();
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body, "Hello");
  }
  {
    std::lock_guard lock(seen_.mu);
    ASSERT_EQ(seen_.handler.size(), 3u);
    ASSERT_EQ(seen_.events.size(), 9u);  // two deltas and the end, per call
    for (const auto& id : seen_.events) EXPECT_EQ(id, seen_.handler.front());
  }
  EXPECT_EQ(mock_.connections(), 1);
  EXPECT_EQ(backend_->client().open_connections(), 1);
  EXPECT_EQ(backend_->client().idle_connections(), 1);
}

TEST_F(ServerLane, StoppingTheServerClosesItsPooledConnections) {
  EXPECT_EQ(relay().first, 200);
  ASSERT_EQ(backend_->client().idle_connections(), 1);
  stop();
  // The server's I/O thread stopped: its lane's pooled connection is gone (not left on a dying io_context).
  EXPECT_EQ(backend_->client().idle_connections(), 0);
  EXPECT_EQ(backend_->client().open_connections(), 0);
  EXPECT_TRUE(test::eventually([&] { return mock_.open_connections() == 0; }));
  server_.reset();
  // The client still works off any server thread (its own I/O threads), after the server is gone.
  std::mutex mu;
  std::string text;
  bool finished = false;
  api::ChatRequest r;
  r.model = "m";
  r.messages.push_back({.role = api::Role::kUser, .content = "hi", .has_content = true});
  ASSERT_TRUE(backend_->start_chat(std::move(r), [&](api::ChatEvent&& e) {
                                     std::lock_guard lock(mu);
                                     text += e.delta.content.value_or("");
                                     if (e.kind == api::ChatEvent::Kind::kFinished) finished = !e.error;
                                   }).has_value());
  EXPECT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return finished;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(text, "Hello");
}

}  // namespace
}  // namespace sovra::routing
