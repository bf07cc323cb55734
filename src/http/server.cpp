#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <csignal>
#include <thread>
#include <vector>

#include "common/thread_name.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"

namespace sovra::http {
namespace {

using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> accept_loop(ServerState& s) {
  auto& acceptor = *s.acceptor;
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(s.ioc), kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of file descriptors and the like: back off briefly instead of spinning.
      s.log.warn("accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(s.ioc, std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    if (s.draining) continue;  // the socket closes as it goes out of scope
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto ex = socket.get_executor();
    if (s.session_count() >= static_cast<std::size_t>(s.config.max_connections)) {
      asio::co_spawn(ex, reject_session(s, std::move(socket)), asio::detached);
      continue;
    }
    asio::co_spawn(ex, run_session(s, std::move(socket)), asio::detached);
  }
}

void wait_for_signal(ServerState& s) {
  s.signals->async_wait([&s](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (!s.draining) {
      s.log.info("shutdown requested", {{"signal", signo}, {"grace_ms", s.config.shutdown_grace_ms}});
      // Re-arm before shutting down: another thread may finish the shutdown (and cancel the signal wait) at once.
      wait_for_signal(s);  // a second signal skips the grace period
      s.begin_shutdown();
    } else {
      s.log.warn("second signal: closing all connections now", {{"signal", signo}});
      asio::post(s.ioc, [&s] { s.force_close_all(); });
    }
  });
}

}  // namespace

std::uint64_t ServerState::add_session(std::shared_ptr<SessionHandle> h) {
  std::lock_guard lock(mu);
  const auto id = next_id++;
  sessions.emplace(id, std::move(h));
  return id;
}

void ServerState::remove_session(std::uint64_t id) {
  {
    std::lock_guard lock(mu);
    sessions.erase(id);
  }
  if (draining) finish_if_drained();
}

void ServerState::begin_shutdown() {
  asio::post(ioc, [this] {
    if (stopping) return;
    stopping = true;
    draining = true;
    boost::system::error_code ignored;
    if (acceptor) acceptor->close(ignored);
    std::vector<std::shared_ptr<SessionHandle>> all;
    {
      std::lock_guard lock(mu);
      for (auto& [id, h] : sessions) all.push_back(h);
    }
    for (auto& h : all) {
      asio::post(h->strand, [h] {
        if (h->alive && h->idle && h->close) h->close();
      });
    }
    grace_timer.emplace(ioc, std::chrono::milliseconds(config.shutdown_grace_ms));
    grace_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      log.warn("shutdown grace period over: closing remaining connections", {{"open", session_count()}});
      force_close_all();
    });
    work.reset();
    finish_if_drained();
  });
}

void ServerState::force_close_all() {
  std::vector<std::shared_ptr<SessionHandle>> all;
  {
    std::lock_guard lock(mu);
    for (auto& [id, h] : sessions) all.push_back(h);
  }
  for (auto& h : all) {
    asio::post(h->strand, [h] {
      if (!h->alive) return;
      h->force_closed = true;
      if (h->on_force) h->on_force();
      if (h->close) h->close();
    });
  }
}

void ServerState::finish_if_drained() {
  asio::post(ioc, [this] {
    if (!stopping || session_count() != 0) return;
    if (grace_timer) grace_timer->cancel();
    if (signals) {
      boost::system::error_code ignored;
      signals->cancel(ignored);
    }
    // No work is left once timers and signal waits are gone; run() returns.
  });
}

Result<Endpoint> parse_listen_address(const std::string& text) {
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error::invalid("listen address must be HOST:PORT or [IPv6]:PORT, got '" + text + "'", "server.listen");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Error::invalid("listen address must be HOST:PORT, got '" + text + "'", "server.listen");
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return Error::invalid("listen port must be 0-65535, got '" + port_text + "'", "server.listen");
  }
  boost::system::error_code aec;
  asio::ip::make_address(host, aec);
  if (aec && host != "localhost") {
    return Error::invalid("listen host must be an IP address or localhost, got '" + host + "'", "server.listen");
  }
  return Endpoint{host, static_cast<std::uint16_t>(port)};
}

struct Server::Impl {
  Impl(const ServerConfig& c, std::shared_ptr<const Router> r, ServerHooks h) : state(c, std::move(r), std::move(h)) {}
  ServerState state;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::create(const ServerConfig& config, std::shared_ptr<const Router> router,
                                               ServerHooks hooks) {
  if (!hooks.render_error) return Error::internal("server needs an error renderer");
  auto impl = std::make_unique<Impl>(config, std::move(router), std::move(hooks));
  auto& s = impl->state;
  if (!config.tls.cert_file.empty()) {
    s.tls.emplace(asio::ssl::context::tls_server);
    s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                       asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    s.tls->use_certificate_chain_file(config.tls.cert_file, ec);
    if (ec)
      return Error::invalid("cannot load TLS certificate '" + config.tls.cert_file + "': " + ec.message(),
                            "server.tls.cert_file");
    s.tls->use_private_key_file(config.tls.key_file, asio::ssl::context::pem, ec);
    if (ec)
      return Error::invalid("cannot load TLS key '" + config.tls.key_file + "': " + ec.message(),
                            "server.tls.key_file");
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

bool Server::tls_enabled() const { return impl_->state.tls.has_value(); }

Result<Endpoint> Server::start() {
  auto& s = impl_->state;
  SOVRA_TRY(Endpoint want, parse_listen_address(s.config.listen));
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(want.host == "localhost" ? "127.0.0.1" : want.host, ec);
  const tcp::endpoint ep(address, want.port);
  s.acceptor.emplace(s.ioc);
  s.acceptor->open(ep.protocol(), ec);
  if (!ec) s.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(ep, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error::io("cannot listen on " + s.config.listen + ": " + ec.message());
  const auto bound = s.acceptor->local_endpoint(ec);
  s.work.emplace(s.ioc.get_executor());
  asio::co_spawn(s.ioc, accept_loop(s), asio::detached);
  return Endpoint{bound.address().to_string(), bound.port()};
}

void Server::run(bool handle_signals) {
  auto& s = impl_->state;
  if (handle_signals) {
    s.signals.emplace(s.ioc, SIGINT, SIGTERM);
    wait_for_signal(s);
  }
  auto n = static_cast<std::size_t>(s.config.threads);
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  threads.reserve(n - 1);
  for (std::size_t i = 1; i < n; ++i)
    threads.emplace_back([&s] {
      set_thread_name("sovra-http");
      s.ioc.run();
    });
  s.ioc.run();
  for (auto& t : threads) t.join();
}

void Server::begin_shutdown() { impl_->state.begin_shutdown(); }

}  // namespace sovra::http
