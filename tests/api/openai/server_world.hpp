#pragma once
// An in-process http::Server on 127.0.0.1:0 serving a router, run on its own thread until destruction.
#include <memory>
#include <string>
#include <thread>

#include "api/openai/error.hpp"
#include "http/server.hpp"

namespace sovra::testing {

class ServerWorld {
 public:
  explicit ServerWorld(const http::Router& router) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.threads = 2;
    config.shutdown_grace_ms = 200;
    // The router outlives the server (both belong to the test).
    std::shared_ptr<const http::Router> shared(&router, [](const http::Router*) {});
    auto server =
        http::Server::create(config, shared, {.render_error = api::openai::error_response, .access_log = false});
    if (!server) {
      error_ = server.error().message;
      return;
    }
    server_ = std::move(*server);
    auto endpoint = server_->start();
    if (!endpoint) {
      error_ = endpoint.error().message;
      return;
    }
    port_ = endpoint->port;
    thread_ = std::thread([this] { server_->run(false); });
  }
  ~ServerWorld() {
    if (thread_.joinable()) {
      server_->begin_shutdown();
      thread_.join();
    }
  }
  ServerWorld(const ServerWorld&) = delete;
  ServerWorld& operator=(const ServerWorld&) = delete;

  int port() const { return port_; }
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::string error_;
};

}  // namespace sovra::testing
