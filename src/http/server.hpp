#pragma once
// The HTTP/1.1 server: one io_context on N threads, one coroutine per connection on its own strand.
//
// Limits enforced per connection: request head size (431) and time (408), body size (413) and time (408),
// keep-alive idle time, write stall time, and a cap on open connections (503). A slow client costs a
// suspended coroutine, never a thread. Shutdown: stop accepting, close idle connections, let in-flight
// requests and streams finish until the grace deadline, then cancel streams and close everything.
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "config/config.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace sovra::http {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

Result<Endpoint> parse_listen_address(const std::string& text);  // "HOST:PORT", "[::1]:PORT"

struct ServerHooks {
  ErrorRenderer render_error;  // protocol error shape for errors the server itself produces
  bool access_log = true;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> create(const ServerConfig& config, std::shared_ptr<const Router> router,
                                                ServerHooks hooks);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; returns the bound endpoint (the real port when 0 was asked for).
  Result<Endpoint> start();
  // Runs the I/O threads until shutdown completes. With handle_signals, SIGINT/SIGTERM begin a graceful
  // shutdown. Call once, after start().
  void run(bool handle_signals);
  // Thread-safe; idempotent.
  void begin_shutdown();
  bool tls_enabled() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sovra::http
