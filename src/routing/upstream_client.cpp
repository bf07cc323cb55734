#include "routing/upstream_client.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/thread_name.hpp"

namespace sovra::routing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// The I/O threads every upstream client shares. Process-lifetime on purpose: exchanges and pooled sockets may
// outlive any one client or router, and a thread must never join itself.
asio::io_context& client_io(int threads) {
  struct Runtime {
    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::vector<std::thread> threads;
  };
  static Runtime* rt = [threads] {
    auto* r = new Runtime();  // NOLINT: never destroyed (see above)
    for (int i = 0; i < std::max(1, threads); ++i)
      r->threads.emplace_back([r] {
        set_thread_name("sovra-upstream");
        r->ioc.run();
      });
    for (auto& t : r->threads) t.detach();
    return r;
  }();
  return rt->ioc;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
struct Conn {
  Stream stream;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since{};
  std::atomic<std::int64_t>* open;

  template <class... Args>
  explicit Conn(std::atomic<std::int64_t>* open_count, Args&&... args)
      : stream(std::forward<Args>(args)...), open(open_count) {
    ++*open;
  }
  ~Conn() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
    --*open;
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
};

template <class Stream>
struct Pool {
  UpstreamEndpoint endpoint;
  UpstreamClientOptions options;
  asio::io_context* ioc = nullptr;
  std::optional<asio::ssl::context> tls;
  std::atomic<std::int64_t> open{0};

  std::mutex mu;
  std::deque<std::unique_ptr<Conn<Stream>>> idle;  // most recently used at the back

  std::unique_ptr<Conn<Stream>> make_conn() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      return std::make_unique<Conn<Stream>>(&open, asio::make_strand(*ioc), *tls);
    } else {
      return std::make_unique<Conn<Stream>>(&open, asio::make_strand(*ioc));
    }
  }

  std::unique_ptr<Conn<Stream>> take_idle() {
    const auto now = SteadyClock::now();
    std::unique_ptr<Conn<Stream>> stale;  // closed outside the lock
    std::lock_guard lock(mu);
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (now - c->idle_since < std::chrono::milliseconds(options.pool_idle_ms)) return c;
      stale = std::move(c);
    }
    return nullptr;
  }

  void put_idle(std::unique_ptr<Conn<Stream>> c) {
    c->idle_since = SteadyClock::now();
    std::lock_guard lock(mu);
    if (idle.size() >= options.max_idle_connections) return;  // c closes as it goes out of scope
    idle.push_back(std::move(c));
  }

  std::int64_t idle_count() {
    std::lock_guard lock(mu);
    return static_cast<std::int64_t>(idle.size());
  }

  std::string where() const { return endpoint.host + ":" + std::to_string(endpoint.port); }
};

// What an idle pooled connection keeps of its read buffer (see Exchange::read_some).
constexpr std::size_t kIdleReadBuffer = 4096;
// Bounds of the body bytes one read hands on (the body buffer follows the connection buffer between them).
constexpr std::size_t kMinBodyPiece = 1024;
constexpr std::size_t kMaxBodyPiece = 16 * 1024;

Error upstream_failure(std::string message, int status = 502) {
  return Error{ErrorCode::kUnavailable, std::move(message), {}, status};
}

template <class Stream>
class Exchange final : public ExchangeHandle, public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  Exchange(std::shared_ptr<Pool<Stream>> pool, HttpExchangeRequest request, ExchangeCallbacks callbacks)
      : pool_(std::move(pool)), callbacks_(std::move(callbacks)) {
    const auto& ep = pool_->endpoint;
    request_.method_string(request.method);
    request_.target(ep.base_path + request.path);
    request_.version(11);
    const bool default_port = ep.port == (ep.tls ? 443 : 80);
    request_.set(bhttp::field::host, default_port ? ep.host : ep.host + ":" + std::to_string(ep.port));
    request_.set(bhttp::field::user_agent, "sovra");
    for (const auto& h : request.headers) request_.set(h.name, h.value);
    request_.body() = std::move(request.body);
    first_byte_timeout_ms_ =
        request.first_byte_timeout_ms > 0 ? request.first_byte_timeout_ms : pool_->options.first_byte_timeout_ms;
    request_.keep_alive(true);
    request_.prepare_payload();
  }

  void begin() {
    if (auto c = pool_->take_idle()) {
      std::unique_lock lock(mu_);
      conn_ = std::move(c);
      reused_ = true;
      facts_.connected = true;
      auto ex = executor();
      lock.unlock();
      asio::dispatch(ex, [self = this->shared_from_this()] { self->write(); });
      return;
    }
    fresh();
  }

  void cancel() override {
    std::lock_guard lock(mu_);
    if (cancelled_.exchange(true)) return;
    if (!conn_) return;
    asio::post(executor(), [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  asio::any_io_executor executor() { return beast::get_lowest_layer(conn_->stream).get_executor(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(conn_->stream); }

  void close_now() {
    if (resolver_) resolver_->cancel();
    if (conn_) {
      boost::system::error_code ignored;
      lowest().socket().close(ignored);
    }
  }

  // Runs on the caller's thread for the first try, on the old connection's strand for a stale-connection retry.
  void fresh() {
    std::unique_lock lock(mu_);
    reused_ = false;
    conn_ = pool_->make_conn();
    auto ex = executor();
    lock.unlock();
    asio::dispatch(ex, [self = this->shared_from_this()] { self->resolve(); });
  }

  bool stop_if_cancelled() {
    if (!cancelled_) return false;
    finish(Error{ErrorCode::kUnavailable, "cancelled", {}, 499});
    return true;
  }

  void resolve() {
    if (stop_if_cancelled()) return;
    resolver_.emplace(executor());
    const auto& ep = pool_->endpoint;
    resolver_->async_resolve(ep.host, std::to_string(ep.port),
                             [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                               const tcp::resolver::results_type& results) {
                               self->on_resolve(ec, results);
                             });
  }

  void on_resolve(const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
    if (stop_if_cancelled()) return;
    if (ec) return finish(upstream_failure("cannot resolve upstream host '" + pool_->endpoint.host + "': " + ec.message()));
    lowest().expires_after(std::chrono::milliseconds(pool_->options.connect_timeout_ms));
    lowest().async_connect(results, [self = this->shared_from_this()](const boost::system::error_code& e,
                                                                     const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(const boost::system::error_code& ec) {
    if (stop_if_cancelled()) return;
    if (ec == beast::error::timeout) {
      return finish(upstream_failure("connecting to upstream " + pool_->where() + " timed out after " +
                                         std::to_string(pool_->options.connect_timeout_ms) + " ms",
                                     504));
    }
    if (ec) return finish(upstream_failure("cannot connect to upstream " + pool_->where() + ": " + ec.message()));
    boost::system::error_code ignored;
    lowest().socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      const auto& host = pool_->endpoint.host;
      // SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.
      if (SSL_ctrl(conn_->stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(host.c_str())) != 1) {
        return finish(upstream_failure("TLS: cannot set the server name for " + pool_->where()));
      }
      conn_->stream.set_verify_mode(asio::ssl::verify_peer);
      conn_->stream.set_verify_callback(asio::ssl::host_name_verification(host));
      conn_->stream.async_handshake(asio::ssl::stream_base::client,
                                    [self = this->shared_from_this()](const boost::system::error_code& e) {
                                      self->on_handshake(e);
                                    });
    } else {
      facts_.connected = true;
      write();
    }
  }

  void on_handshake(const boost::system::error_code& ec) {
    if (stop_if_cancelled()) return;
    if (ec == beast::error::timeout) {
      return finish(upstream_failure("TLS handshake with upstream " + pool_->where() + " timed out", 504));
    }
    if (ec) {
      std::string why = ec.message();
      if (ec.category() == asio::error::get_ssl_category()) {
        char buf[256];
        ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);  // NOLINT
        why = buf;
      }
      return finish(upstream_failure("TLS handshake with upstream " + pool_->where() +
                                     " failed (certificate not trusted or not for this host?): " + why));
    }
    facts_.connected = true;
    write();
  }

  void write() {
    if (stop_if_cancelled()) return;
    // The first-byte deadline covers writing the request and receiving the response head.
    lowest().expires_after(std::chrono::milliseconds(first_byte_timeout_ms_));
    bhttp::async_write(conn_->stream, request_,
                       [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

  // A reused keep-alive connection may have been closed by the server while idle: try once more, new connection.
  bool retry_stale(const boost::system::error_code& ec) {
    if (!reused_ || facts_.received_head || cancelled_ || ec == beast::error::timeout) return false;
    fresh();
    return true;
  }

  void on_write(const boost::system::error_code& ec) {
    if (stop_if_cancelled()) return;
    if (ec) {
      if (retry_stale(ec)) return;
      if (ec == beast::error::timeout) return finish(first_byte_timeout());
      return finish(upstream_failure("sending the request to upstream " + pool_->where() + " failed: " + ec.message()));
    }
    parser_.emplace();
    parser_->body_limit(boost::none);  // a stream may be long; each piece is handed on at once
    parser_->header_limit(64 * 1024);
    bhttp::async_read_header(conn_->stream, conn_->buffer, *parser_,
                             [self = this->shared_from_this()](const boost::system::error_code& e, std::size_t) {
                               self->on_head(e);
                             });
  }

  Error first_byte_timeout() const {
    return upstream_failure("upstream " + pool_->where() + " sent no response within " +
                                std::to_string(first_byte_timeout_ms_) + " ms",
                            504);
  }

  void on_head(const boost::system::error_code& ec) {
    if (stop_if_cancelled()) return;
    if (ec) {
      if (retry_stale(ec)) return;
      if (ec == beast::error::timeout) return finish(first_byte_timeout());
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) {
        return finish(upstream_failure("upstream " + pool_->where() + " closed the connection without answering"));
      }
      return finish(upstream_failure("upstream " + pool_->where() + " sent an invalid response head: " + ec.message()));
    }
    facts_.received_head = true;
    std::vector<http::Header> headers;
    for (const auto& f : parser_->get()) headers.push_back({std::string(f.name_string()), std::string(f.value())});
    if (callbacks_.on_head) callbacks_.on_head(static_cast<int>(parser_->get().result_int()), headers);
    read_some();
  }

  void read_some() {
    if (stop_if_cancelled()) return;
    if (parser_->is_done()) return complete();
    // Beast reads at most the connection buffer's free capacity (512 bytes at least) per call: a whole answer
    // arriving at once took ~20 reads of 512 bytes, each handed on as its own piece (and an SSE relay wrote one
    // event per piece). A read that filled at least half the buffer doubles it, up to kMaxBodyPiece; a stream
    // that trickles small events keeps it small (memory per open stream), and an idle connection gives it back
    // all but kIdleReadBuffer. The body buffer grows with the connection buffer (it is the exchange's, so it
    // never shrinks within one answer), so a slow stream holds ~1 KiB for its pending read instead of a fixed
    // 16 KiB (1 000 open streams: ~15 MiB less).
    const std::size_t capacity = conn_->buffer.capacity();
    if (last_read_ * 2 >= capacity && capacity < kMaxBodyPiece) {
      conn_->buffer.reserve(std::min(std::max(capacity * 2, kMinBodyPiece), kMaxBodyPiece));
    }
    const std::size_t want = std::clamp(conn_->buffer.capacity(), kMinBodyPiece, kMaxBodyPiece);
    if (body_capacity_ < want) {
      body_ = std::make_unique_for_overwrite<char[]>(want);
      body_capacity_ = want;
    }
    parser_->get().body().data = body_.get();
    parser_->get().body().size = body_capacity_;
    lowest().expires_after(std::chrono::milliseconds(pool_->options.idle_timeout_ms));
    bhttp::async_read_some(conn_->stream, conn_->buffer, *parser_,
                           [self = this->shared_from_this()](boost::system::error_code e, std::size_t) {
                             self->on_read(e);
                           });
  }

  void on_read(boost::system::error_code ec) {
    if (ec == bhttp::error::need_buffer) ec = {};
    const std::size_t got = body_capacity_ - parser_->get().body().size;
    last_read_ = got;
    if (got > 0 && !cancelled_ && callbacks_.on_body) callbacks_.on_body(std::string_view(body_.get(), got));
    if (stop_if_cancelled()) return;
    if (ec == beast::error::timeout) {
      return finish(upstream_failure("upstream " + pool_->where() + " stalled for more than " +
                                         std::to_string(pool_->options.idle_timeout_ms) + " ms mid-response",
                                     504));
    }
    if (ec) {
      return finish(upstream_failure("upstream " + pool_->where() + " broke off the response: " + ec.message()));
    }
    read_some();
  }

  void complete() {
    if (parser_->keep_alive()) {
      lowest().expires_never();
      std::unique_lock lock(mu_);
      auto c = std::move(conn_);
      lock.unlock();
      if (c->buffer.capacity() > kIdleReadBuffer && c->buffer.size() == 0) {
        c->buffer.shrink_to_fit();
        c->buffer.reserve(kIdleReadBuffer);
      }
      pool_->put_idle(std::move(c));
    }
    finish({});
  }

  void finish(Status status) {
    if (done_) return;
    done_ = true;
    if (resolver_) resolver_.reset();
    if (!status) {
      // A connection that did not complete its exchange is never reused.
      std::unique_lock lock(mu_);
      auto c = std::move(conn_);
      lock.unlock();
    }
    auto cb = std::move(callbacks_.on_done);
    callbacks_ = {};
    if (cb) cb(std::move(status), facts_);
  }

  std::shared_ptr<Pool<Stream>> pool_;
  ExchangeCallbacks callbacks_;
  bhttp::request<bhttp::string_body> request_;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser_;
  std::optional<tcp::resolver> resolver_;
  std::unique_ptr<char[]> body_;  // where a read puts the body's bytes: body_capacity_ bytes
  std::size_t body_capacity_ = 0;
  std::size_t last_read_ = 0;  // body bytes the last read delivered
  std::int64_t first_byte_timeout_ms_ = 0;

  std::mutex mu_;  // guards conn_ against cancel() from other threads
  std::unique_ptr<Conn<Stream>> conn_;
  std::atomic<bool> cancelled_{false};
  bool reused_ = false;
  bool done_ = false;
  ExchangeFacts facts_;
};

template <class Stream>
class ClientImpl final : public UpstreamClient {
 public:
  explicit ClientImpl(std::shared_ptr<Pool<Stream>> pool) : pool_(std::move(pool)) {}

  std::shared_ptr<ExchangeHandle> start(HttpExchangeRequest request, ExchangeCallbacks callbacks) override {
    auto ex = std::make_shared<Exchange<Stream>>(pool_, std::move(request), std::move(callbacks));
    ex->begin();
    return ex;
  }
  std::int64_t open_connections() const override { return pool_->open.load(); }
  std::int64_t idle_connections() const override { return pool_->idle_count(); }
  const UpstreamEndpoint& endpoint() const override { return pool_->endpoint; }

 private:
  std::shared_ptr<Pool<Stream>> pool_;
};

}  // namespace

Result<UpstreamEndpoint> parse_base_url(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return Error::invalid("invalid upstream URL '" + url + "': " + u.error().message());
  UpstreamEndpoint ep;
  const auto scheme = u->scheme();
  if (scheme == "https") {
    ep.tls = true;
  } else if (scheme != "http") {
    return Error::invalid("upstream URL '" + url + "' must start with http:// or https://");
  }
  ep.host = std::string(u->host_address());
  if (ep.host.empty()) return Error::invalid("upstream URL '" + url + "' has no host");
  if (u->has_port()) {
    if (u->port_number() == 0) return Error::invalid("upstream URL '" + url + "' has an invalid port");
    ep.port = u->port_number();
  } else {
    ep.port = ep.tls ? 443 : 80;
  }
  if (u->has_query() || u->has_fragment() || u->has_userinfo()) {
    return Error::invalid("upstream URL '" + url + "' must not carry a query, fragment or user info");
  }
  ep.base_path = std::string(u->encoded_path());
  while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  return ep;
}

Result<std::shared_ptr<UpstreamClient>> UpstreamClient::create(UpstreamEndpoint endpoint,
                                                               UpstreamClientOptions options) {
  auto& ioc = client_io(options.threads);
  if (!endpoint.tls) {
    auto pool = std::make_shared<Pool<beast::tcp_stream>>();
    pool->endpoint = std::move(endpoint);
    pool->options = std::move(options);
    pool->ioc = &ioc;
    return std::shared_ptr<UpstreamClient>(std::make_shared<ClientImpl<beast::tcp_stream>>(std::move(pool)));
  }
  auto pool = std::make_shared<Pool<TlsStream>>();
  pool->ioc = &ioc;
  pool->tls.emplace(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  pool->tls->set_default_verify_paths(ec);
  if (ec) return Error::io("TLS: cannot load the system's trusted certificates: " + ec.message());
  if (!options.ca_file.empty()) {
    pool->tls->load_verify_file(options.ca_file, ec);
    if (ec) return Error::invalid("TLS: cannot load ca_file '" + options.ca_file + "': " + ec.message());
  }
  pool->tls->set_verify_mode(asio::ssl::verify_peer);
  pool->endpoint = std::move(endpoint);
  pool->options = std::move(options);
  return std::shared_ptr<UpstreamClient>(std::make_shared<ClientImpl<TlsStream>>(std::move(pool)));
}

}  // namespace sovra::routing
