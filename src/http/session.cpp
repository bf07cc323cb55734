#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <tuple>

#include "http/deferred.hpp"
#include "http/http_metrics.hpp"
#include "http/parse.hpp"

namespace sovra::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

std::chrono::milliseconds ms(std::int64_t v) { return std::chrono::milliseconds(v); }

// Wakes a suspended streaming response from any thread (see StreamSource::poll).
struct Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  bool woken = false;
  bool disconnected = false;
  bool watching = false;
  bool watcher_done = false;  // the watch's receive has completed (or was cancelled)
  char peek = 0;              // the watch's 1-byte MSG_PEEK buffer
};

void wake_on_strand(const std::shared_ptr<Waiter>& w) {
  w->woken = true;
  w->timer.cancel();
}

// The wake-up callback handed to a producer (a deferred response's promise, an SSE channel), which may call or
// destroy it on its own thread after the connection, or the whole server, is gone. The callback holds the
// connection's executor only while this link lives (in the waiting coroutine's frame, which is destroyed before
// the io_context's services): destroying the callback later touches no asio state.
class WakeLink {
 public:
  WakeLink(asio::any_io_executor ex, std::weak_ptr<Waiter> waiter) : state_(std::make_shared<State>()) {
    state_->ex = std::move(ex);
    state_->waiter = std::move(waiter);
  }
  ~WakeLink() {
    std::lock_guard lock(state_->mu);
    state_->ex.reset();
  }
  WakeLink(const WakeLink&) = delete;
  WakeLink& operator=(const WakeLink&) = delete;

  std::function<void()> callback() const {
    return [s = state_] {
      std::lock_guard lock(s->mu);
      if (!s->ex) return;
      asio::post(*s->ex, [weak = s->waiter] {
        if (auto w = weak.lock()) wake_on_strand(w);
      });
    };
  }

 private:
  struct State {
    std::mutex mu;
    std::optional<asio::any_io_executor> ex;
    std::weak_ptr<Waiter> waiter;
  };
  std::shared_ptr<State> state_;
};

// Watches a connection for its client going away while a response waits or streams: a 1-byte MSG_PEEK receive,
// which Asio first tries at once and otherwise queues on the socket's existing registration (no epoll re-arm, which
// a socket wait costs, and no coroutine frame: this runs for every deferred and streamed response). End of stream
// or an error means the client is gone: `gone` runs and the waiter is woken. Bytes that arrive meanwhile (a
// pipelined request, a TLS record) are not a disconnect: they stay in the socket for the next read and watching
// ends there. The handler touches only the waiter, so the session may move on once it cancelled the receive.
template <class Gone>
void watch_peer(tcp::socket& socket, const asio::any_io_executor& ex, const std::shared_ptr<Waiter>& w, Gone gone) {
  w->watching = true;
  w->watcher_done = false;
  socket.async_receive(
      asio::buffer(&w->peek, 1), tcp::socket::message_peek,
      asio::bind_executor(ex, [w, gone = std::move(gone)](const boost::system::error_code& ec, std::size_t n) mutable {
        w->watcher_done = true;
        if (!w->watching || ec == asio::error::operation_aborted) return;
        if (!ec && n > 0) return;  // the client sent more: not a disconnect
        w->disconnected = true;
        gone();
        wake_on_strand(w);
      }));
}

// Ends a watch_peer watch: its receive, if still pending, is cancelled (it only peeks, so nothing of a next request
// has been taken from the socket, and its late handler touches only the waiter).
void stop_watching(tcp::socket& socket, Waiter& w) {
  w.watching = false;
  if (w.watcher_done) return;
  boost::system::error_code ignored;
  socket.cancel(ignored);
}

// One timer per connection enforces whichever deadline is current (idle, head, body, write). Setting a deadline
// is a store; the timer wakes once per tick to compare, so a busy keep-alive connection costs no timer operation
// per request. When a deadline passes, the socket's pending operations are cancelled without closing it, so a
// slow client can still be told why (408).
class Watchdog {
 public:
  enum class Phase { kNone, kIdle, kHead, kBody, kWrite };

  Watchdog(tcp::socket& socket, std::chrono::milliseconds tick) : state_(std::make_shared<State>(socket, tick)) {
    schedule(state_);
  }
  ~Watchdog() { stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void set(Phase phase, std::chrono::milliseconds limit) {
    state_->phase = phase;
    state_->deadline = Clock::now() + limit;
    state_->fired = Phase::kNone;
  }
  void clear() { state_->phase = Phase::kNone; }
  // The phase whose deadline passed since the last set(), or kNone.
  Phase fired() const { return state_->fired; }
  void stop() {
    if (state_->socket == nullptr) return;
    state_->socket = nullptr;
    state_->timer.cancel();
  }

 private:
  struct State {
    State(tcp::socket& s, std::chrono::milliseconds t) : timer(s.get_executor()), socket(&s), tick(t) {}
    asio::steady_timer timer;
    tcp::socket* socket;
    std::chrono::milliseconds tick;
    Phase phase = Phase::kNone;
    Phase fired = Phase::kNone;
    Clock::time_point deadline;
  };

  static void schedule(const std::shared_ptr<State>& st) {
    st->timer.expires_after(st->tick);
    st->timer.async_wait([st](const boost::system::error_code& ec) {
      if (ec || st->socket == nullptr) return;
      if (st->phase != Phase::kNone && Clock::now() >= st->deadline) {
        st->fired = st->phase;
        st->phase = Phase::kNone;
        boost::system::error_code ignored;
        st->socket->cancel(ignored);
      }
      schedule(st);
    });
  }

  std::shared_ptr<State> state_;
};

// How often a connection's watchdog looks at its deadline: fine enough for the shortest configured timeout.
std::chrono::milliseconds watchdog_tick(const ServerConfig& c) {
  const auto shortest = std::min({c.header_timeout_ms, c.body_timeout_ms, c.idle_timeout_ms, c.write_timeout_ms});
  return std::chrono::milliseconds(std::clamp<std::int64_t>(shortest / 8, 5, 1000));
}

Error classify_read_error(const beast::error_code& ec, bool head) {
  if (ec == beast::error::timeout) {
    return Error{ErrorCode::kRequestTimeout,
                 head ? "Timed out waiting for the request head" : "Timed out waiting for the request body",
                 {},
                 408};
  }
  if (ec == bhttp::error::header_limit || (head && ec == bhttp::error::buffer_overflow)) {
    return Error{ErrorCode::kInvalidArgument, "Request header fields too large", {}, 431};
  }
  if (ec == bhttp::error::body_limit) {
    return Error{ErrorCode::kPayloadTooLarge, "Request body too large", {}, 413};
  }
  return Error::invalid("Malformed HTTP request: " + ec.message());
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor ||
         ec == asio::ssl::error::stream_truncated;
}

bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  auto media = ct.substr(0, semi);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  return iequals(media, "application/json");
}

using TlsStream = asio::ssl::stream<tcp::socket>;

tcp::socket& raw_socket(tcp::socket& s) { return s; }
tcp::socket& raw_socket(TlsStream& s) { return s.next_layer(); }

template <class Fields>
void set_common_headers(Fields& res, const Response& r, const Request& req) {
  res.set(bhttp::field::server, "sovra");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  if (!req.request_id.empty()) res.set("x-request-id", req.request_id);
  for (const auto& h : r.headers) res.insert(h.name, h.value);
}

struct Exchange {
  Request req;
  Response resp;
  std::string_view route = "unmatched";  // a literal or a pattern owned by the immutable router
  bool keep_alive = true;
  std::uint64_t bytes_out = 0;
};

template <class Stream>
class Session {
 public:
  Session(ServerState& s, Stream& stream, std::shared_ptr<SessionHandle> h, std::string remote)
      : s_(s),
        stream_(stream),
        h_(std::move(h)),
        remote_(std::move(remote)),
        buffer_(static_cast<std::size_t>(s.config.max_header_bytes) + 64 * 1024),
        watchdog_(raw_socket(stream), watchdog_tick(s.config)) {}

  asio::awaitable<void> run() {
    while (true) {
      h_->idle = true;
      if (s_.draining) break;
      if (buffer_.size() == 0) {
        watchdog_.set(Watchdog::Phase::kIdle, ms(s_.config.idle_timeout_ms));
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kNoThrow);
        if (ec) break;  // idle timeout, peer closed, or shutdown closed an idle connection
        buffer_.commit(n);
      }
      h_->idle = false;
      const bool keep = co_await serve_one();
      if (!keep) break;
    }
  }

 private:
  // Reads, answers and logs one request. Returns whether the connection stays open.
  asio::awaitable<bool> serve_one() {
    const auto started = Clock::now();
    Exchange x;
    x.req.remote_address = remote_;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(s_.config.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(s_.config.max_body_bytes));

    watchdog_.set(Watchdog::Phase::kHead, ms(s_.config.header_timeout_ms));
    auto [hec, hn] = co_await bhttp::async_read_header(stream_, buffer_, parser, kNoThrow);
    if (watchdog_.fired() == Watchdog::Phase::kHead) hec = beast::error::timeout;
    if (hec) {
      if (is_disconnect(hec)) co_return false;
      x.req.request_id = new_request_id();
      x.resp = s_.hooks.render_error(classify_read_error(hec, true));
      x.keep_alive = false;
      co_await finish(x, started, false);
      co_return false;
    }
    add_in_flight(1);
    const bool ok = co_await handle(parser, x);
    if (ok) co_await finish(x, started, true);
    add_in_flight(-1);
    co_return ok&& x.keep_alive;
  }

  asio::awaitable<bool> handle(bhttp::request_parser<bhttp::string_body>& parser, Exchange& x) {
    auto& head = parser.get();
    x.req.method = std::string(head.method_string());
    x.req.target = std::string(head.target());
    x.req.version = static_cast<int>(head.version());
    split_target(x.req.target, x.req.path, x.req.query);
    for (const auto& f : head) x.req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    const auto rid = x.req.header("x-request-id");
    x.req.request_id = is_acceptable_request_id(rid) ? std::string(rid) : new_request_id();
    x.keep_alive = head.keep_alive() && !s_.draining;

    auto match = s_.router->match(x.req.method, x.req.path);
    const bool has_body = !parser.is_done();
    if (match.error) {
      x.resp = s_.hooks.render_error(*match.error);
      if (!match.allow.empty()) x.resp.headers.push_back({"allow", match.allow});
      if (has_body) x.keep_alive = false;  // do not read a body nobody wants
      co_return true;
    }
    x.route = match.route->pattern;
    x.req.path_params = std::move(match.params);
    if (has_body && match.route->options.json_body && !is_json_content_type(x.req.header("content-type"))) {
      x.resp = s_.hooks.render_error(
          Error{ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json", "content-type", 415});
      x.keep_alive = false;
      co_return true;
    }
    if (has_body) {
      if (iequals(x.req.header("expect"), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        watchdog_.set(Watchdog::Phase::kWrite, ms(s_.config.write_timeout_ms));
        auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), kNoThrow);
        if (wec) co_return false;
      }
      watchdog_.set(Watchdog::Phase::kBody, ms(s_.config.body_timeout_ms));
      auto [bec, bn] = co_await bhttp::async_read(stream_, buffer_, parser, kNoThrow);
      if (watchdog_.fired() == Watchdog::Phase::kBody) bec = beast::error::timeout;
      if (bec) {
        if (is_disconnect(bec)) co_return false;
        x.resp = s_.hooks.render_error(classify_read_error(bec, false));
        x.keep_alive = false;
        co_return true;
      }
    }
    x.req.body = std::move(parser.get().body());
    try {
      x.resp = s_.router->dispatch(*match.route, x.req);
    } catch (const std::exception& e) {
      s_.log.error("handler threw", {{"request_id", x.req.request_id}, {"route", x.route}, {"what", e.what()}});
      x.resp = s_.hooks.render_error(Error::internal("Internal error while handling the request"));
    }
    if (x.resp.deferred) co_await await_deferred(x);
    co_return true;
  }

  // Suspends this request (not the thread) until the handler's promise is completed from another thread. The
  // connection is watched meanwhile (watch_peer): a client that disconnects is reported to the promise, the
  // response is still awaited (the handler finishes its bookkeeping) and the connection is closed after it.
  asio::awaitable<void> await_deferred(Exchange& x) {
    auto promise = std::move(x.resp.deferred);
    watchdog_.clear();  // waiting for the handler is not a stalled read (and must not cancel the watcher)
    auto ex = co_await asio::this_coro::executor;
    auto waiter = std::make_shared<Waiter>(ex);
    const WakeLink link(ex, waiter);
    while (true) {
      auto r = promise->take(link.callback());
      if (r) {
        x.resp = std::move(*r);
        break;
      }
      if (!waiter->watching) {  // the response is not there at once: watch the client meanwhile
        watch_peer(raw_socket(stream_), ex, waiter, [promise] { promise->client_gone(); });
      }
      co_await sleep_until_woken(*waiter);
    }
    if (!waiter->watching) co_return;  // answered at once: nothing was watched
    stop_watching(raw_socket(stream_), *waiter);
    if (waiter->disconnected) {
      x.keep_alive = false;
      count_request_abandoned();
    }
  }

  static asio::awaitable<void> sleep_until_woken(Waiter& w) {
    if (!w.woken) {
      w.timer.expires_at(asio::steady_timer::time_point::max());
      co_await w.timer.async_wait(kNoThrow);
    }
    w.woken = false;
  }

  // Writes the response, records metrics and the access log line.
  asio::awaitable<void> finish(Exchange& x, Clock::time_point started, bool counted) {
    bool written = x.resp.stream ? co_await write_stream(x) : co_await write_full(x);
    if (!written) x.keep_alive = false;
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    record_request(x.route, x.req.method.empty() ? "-" : x.req.method, x.resp.status, seconds);
    if (s_.hooks.access_log) {
      s_.access.info("request", {{"request_id", x.req.request_id},
                                 {"remote", remote_},
                                 {"method", x.req.method},
                                 {"path", std::string_view(x.req.path).substr(0, 256)},
                                 {"route", x.route},
                                 {"status", x.resp.status},
                                 {"bytes", x.bytes_out},
                                 {"latency_ms", seconds * 1000.0},
                                 {"completed", written}});
    }
    (void)counted;
  }

  asio::awaitable<bool> write_full(Exchange& x) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(x.resp.status), x.req.version == 10 ? 10 : 11};
    set_common_headers(res, x.resp, x.req);
    res.keep_alive(x.keep_alive);
    res.body() = std::move(x.resp.body);
    res.prepare_payload();
    watchdog_.set(Watchdog::Phase::kWrite, ms(s_.config.write_timeout_ms));
    auto [ec, n] = co_await bhttp::async_write(stream_, res, kNoThrow);
    x.bytes_out = n;
    co_return !ec;
  }

  asio::awaitable<bool> write_stream(Exchange& x) {
    auto source = x.resp.stream;
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(x.resp.status), 11};
    set_common_headers(res, x.resp, x.req);
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("x-accel-buffering", "no");
    res.keep_alive(x.keep_alive);
    res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    watchdog_.set(Watchdog::Phase::kWrite, ms(s_.config.write_timeout_ms));
    auto [hec, hn] = co_await bhttp::async_write_header(stream_, sr, kNoThrow);
    watchdog_.clear();
    x.bytes_out += hn;
    if (hec) {
      source->cancel();
      co_return false;
    }

    auto ex = co_await asio::this_coro::executor;
    auto waiter = std::make_shared<Waiter>(ex);
    watch_peer(raw_socket(stream_), ex, waiter, [] {});
    h_->on_force = [waiter] { wake_on_strand(waiter); };
    const WakeLink link(ex, waiter);
    const std::function<void()> wake = link.callback();

    bool ok = true;
    bool ended = false;  // the terminating chunk is written
    std::string chunk;
    while (true) {
      if (waiter->disconnected || h_->force_closed) {
        ok = false;
        break;
      }
      chunk.clear();
      const auto p = source->poll(chunk, wake);
      if (p == StreamSource::Poll::kEnd) break;
      if (p == StreamSource::Poll::kPending) {
        if (!waiter->woken) {
          waiter->timer.expires_at(asio::steady_timer::time_point::max());
          co_await waiter->timer.async_wait(kNoThrow);
        }
        waiter->woken = false;
        continue;
      }
      // What came meanwhile, or the end: the last frames and the terminating chunk then go out in one write.
      const bool last = source->poll(chunk, wake) == StreamSource::Poll::kEnd;
      if (chunk.empty()) {
        if (last) break;  // the terminating chunk alone, below
        continue;
      }
      watchdog_.set(Watchdog::Phase::kWrite, ms(s_.config.write_timeout_ms));
      std::size_t wn = 0;
      beast::error_code wec;
      if (last) {
        std::tie(wec, wn) = co_await asio::async_write(
            stream_, beast::buffers_cat(bhttp::make_chunk(asio::buffer(chunk)), bhttp::make_chunk_last()), kNoThrow);
      } else {
        std::tie(wec, wn) = co_await asio::async_write(stream_, bhttp::make_chunk(asio::buffer(chunk)), kNoThrow);
      }
      watchdog_.clear();  // waiting for the producer is not a stalled write
      x.bytes_out += wn;
      if (wec) {
        ok = false;
        break;
      }
      if (last) {
        ended = true;
        break;
      }
    }
    stop_watching(raw_socket(stream_), *waiter);
    h_->on_force = nullptr;
    if (!ok) {
      source->cancel();
      count_stream_cancelled();
      co_return false;
    }
    if (ended) co_return true;
    watchdog_.set(Watchdog::Phase::kWrite, ms(s_.config.write_timeout_ms));
    auto [lec, ln] = co_await asio::async_write(stream_, bhttp::make_chunk_last(), kNoThrow);
    x.bytes_out += ln;
    co_return !lec;
  }

  ServerState& s_;
  Stream& stream_;
  std::shared_ptr<SessionHandle> h_;
  std::string remote_;
  beast::flat_buffer buffer_;
  Watchdog watchdog_;
};

// Registers the connection with the server for shutdown, runs it, and unregisters it.
template <class Stream>
asio::awaitable<void> run_registered(ServerState& s, Stream& stream, std::string remote, bool tls) {
  auto handle = std::make_shared<SessionHandle>();
  handle->strand = co_await asio::this_coro::executor;
  handle->close = [&stream] {
    beast::error_code ec;
    raw_socket(stream).shutdown(tcp::socket::shutdown_both, ec);
    raw_socket(stream).close(ec);
  };
  const auto id = s.add_session(handle);
  add_open_connections(1);
  if (tls) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Watchdog watchdog(raw_socket(stream), watchdog_tick(s.config));
      watchdog.set(Watchdog::Phase::kHead, ms(s.config.header_timeout_ms));
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
      watchdog.clear();
      if (!ec) {
        {
          Session<Stream> session(s, stream, handle, remote);
          co_await session.run();
        }
        watchdog.set(Watchdog::Phase::kWrite, std::chrono::seconds(2));
        co_await stream.async_shutdown(kNoThrow);
      }
    }
  } else {
    Session<Stream> session(s, stream, handle, remote);
    co_await session.run();
    beast::error_code ec;
    raw_socket(stream).shutdown(tcp::socket::shutdown_send, ec);
  }
  handle->alive = false;
  handle->close = nullptr;
  handle->on_force = nullptr;
  add_open_connections(-1);
  s.remove_session(id);
}

std::string remote_of(const tcp::socket& socket) {
  beast::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

asio::awaitable<void> run_session(ServerState& s, tcp::socket socket) {
  std::string remote = remote_of(socket);
  if (s.tls) {
    TlsStream stream(std::move(socket), *s.tls);
    co_await run_registered(s, stream, std::move(remote), true);
  } else {
    co_await run_registered(s, socket, std::move(remote), false);
  }
}

asio::awaitable<void> reject_session(ServerState& s, tcp::socket socket) {
  Request req;
  req.request_id = new_request_id();
  Response r = s.hooks.render_error(Error::unavailable("Server is at its connection limit; retry later"));
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
  set_common_headers(res, r, req);
  res.set(bhttp::field::retry_after, "1");
  res.keep_alive(false);
  res.body() = std::move(r.body);
  res.prepare_payload();
  {
    Watchdog watchdog(socket, std::chrono::milliseconds(500));
    watchdog.set(Watchdog::Phase::kWrite, std::chrono::seconds(2));
    co_await bhttp::async_write(socket, res, kNoThrow);
  }
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  record_request("unmatched", "-", r.status, 0.0);
}

}  // namespace sovra::http
