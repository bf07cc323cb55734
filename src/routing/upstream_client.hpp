#pragma once
// UpstreamClient: HTTP/1.1 client for one upstream (scheme, host, port): a pool of keep-alive connections, TLS
// with certificate and host-name verification, and three deadlines — connect (TCP + TLS handshake), first byte
// (request written → response head), idle (gap between two body reads). The response body is delivered piece by
// piece as it arrives (chunked transfer decoded), which is what streaming relays need.
//
// Contract:
// - start() never blocks; callbacks run on one of the client's I/O threads, never concurrently for one exchange;
//   on_head at most once, then on_body zero or more times, then on_done exactly once (also after cancel()).
// - ExchangeHandle::cancel() may be called from any thread, any number of times; it closes the connection (an
//   unfinished exchange's connection is never returned to the pool) and on_done follows promptly.
// - A failure on a reused keep-alive connection before any response byte is retried once on a new connection
//   (the server may have closed it while idle); no other retry happens here.
// - Beast and Asio stay inside the .cpp.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "http/message.hpp"

namespace sovra::routing {

struct UpstreamEndpoint {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string base_path;  // without a trailing '/', e.g. "/v1"; may be empty
};

// "https://host[:port][/base]" → endpoint; default ports 80 and 443.
Result<UpstreamEndpoint> parse_base_url(const std::string& url);

struct UpstreamClientOptions {
  std::int64_t connect_timeout_ms = 5000;
  std::int64_t first_byte_timeout_ms = 60000;
  std::int64_t idle_timeout_ms = 60000;
  std::int64_t pool_idle_ms = 30000;  // an idle pooled connection older than this is closed, not reused
  std::size_t max_idle_connections = 256;
  std::string ca_file;  // PEM trust anchors added to the system's (private CAs); empty: system only
  int threads = 1;      // I/O threads of this client
};

struct HttpExchangeRequest {
  std::string method = "POST";
  std::string path;  // appended to the endpoint's base_path, e.g. "/chat/completions"
  std::vector<http::Header> headers;
  std::string body;
  std::int64_t first_byte_timeout_ms = 0;  // 0: the client's; health probes ask for less
};

struct ExchangeFacts {
  bool connected = false;      // a connection was established (or reused)
  bool received_head = false;  // the response head arrived: from here on a retry is never safe for streams
};

struct ExchangeCallbacks {
  std::function<void(int status, const std::vector<http::Header>& headers)> on_head;
  std::function<void(std::string_view bytes)> on_body;
  std::function<void(Status status, ExchangeFacts facts)> on_done;
};

class ExchangeHandle {
 public:
  virtual ~ExchangeHandle() = default;
  virtual void cancel() = 0;
};

class UpstreamClient {
 public:
  static Result<std::shared_ptr<UpstreamClient>> create(UpstreamEndpoint endpoint, UpstreamClientOptions options);
  virtual ~UpstreamClient() = default;

  virtual std::shared_ptr<ExchangeHandle> start(HttpExchangeRequest request, ExchangeCallbacks callbacks) = 0;
  // Connections currently open (in use or idle) and idle in the pool: for tests that count leaks, and metrics.
  virtual std::int64_t open_connections() const = 0;
  virtual std::int64_t idle_connections() const = 0;
  virtual const UpstreamEndpoint& endpoint() const = 0;
};

}  // namespace sovra::routing
