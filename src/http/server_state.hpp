#pragma once
// Internal to src/http: state shared by the listener and the connection sessions. Includes Asio; never include
// this outside src/http.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/logging.hpp"
#include "config/config.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace sovra::http {

namespace asio = boost::asio;

// One per connection. Every member is touched only on the connection's strand, except where noted.
struct SessionHandle {
  asio::any_io_executor strand;  // set once before registration
  bool alive = true;
  bool idle = false;               // waiting for the first byte of a next request
  bool force_closed = false;       // the shutdown deadline passed
  std::function<void()> close;     // closes the socket, cancelling pending operations
  std::function<void()> on_force;  // wakes a streaming response so it can stop
};

struct ServerState {
  ServerState(const ServerConfig& c, std::shared_ptr<const Router> r, ServerHooks h)
      : config(c), router(std::move(r)), hooks(std::move(h)) {}

  ServerConfig config;
  std::shared_ptr<const Router> router;
  ServerHooks hooks;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls;
  std::optional<asio::ip::tcp::acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<asio::steady_timer> grace_timer;
  std::optional<asio::signal_set> signals;

  std::atomic<bool> draining{false};
  bool stopping = false;  // on ioc, guarded by shutdown being posted

  std::mutex mu;  // guards sessions and next_id
  std::unordered_map<std::uint64_t, std::shared_ptr<SessionHandle>> sessions;
  std::uint64_t next_id = 1;

  Logger log{"http"};
  Logger access{"access"};

  std::size_t session_count() {
    std::lock_guard lock(mu);
    return sessions.size();
  }
  std::uint64_t add_session(std::shared_ptr<SessionHandle> h);
  void remove_session(std::uint64_t id);
  void begin_shutdown();     // any thread
  void force_close_all();    // on ioc
  void finish_if_drained();  // any thread
};

}  // namespace sovra::http
