#pragma once
// HTTP request and response as the rest of Sovra sees them: plain values, no Beast or Asio types.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace sovra::http {

struct Header {
  std::string name;
  std::string value;
};

// Case-insensitive ASCII comparison, as header names require.
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // path and query as sent
  std::string path;    // percent-decoding is left to handlers
  std::string query;   // without '?'
  int version = 11;    // 10 or 11
  std::vector<Header> headers;
  std::string body;
  std::string request_id;  // from x-request-id when sane, else generated
  std::string remote_address;
  std::vector<std::pair<std::string, std::string>> path_params;  // {id} segments of the matched route
  // Who sent the request, set by an authentication filter (gateway::auth::Principal); null when none ran.
  std::shared_ptr<const void> principal;

  // First header of that name, or empty.
  std::string_view header(std::string_view name) const;
  std::string_view path_param(std::string_view name) const;
};

// A response body produced over time (SSE, chunked). The HTTP session pulls from it only after the previous
// chunk was written to the socket, which is what gives producers back-pressure.
class StreamSource {
 public:
  enum class Poll { kData, kPending, kEnd };
  virtual ~StreamSource() = default;
  // Called on the connection's I/O strand. Either appends bytes to `out` and returns kData, returns kEnd, or
  // returns kPending after arranging that `wake` is called (from any thread, once) when data or the end is ready.
  // MUST NOT block.
  virtual Poll poll(std::string& out, const std::function<void()>& wake) = 0;
  // The client went away, or the server's shutdown deadline passed: stop producing and release resources.
  // Called at most once, on the I/O strand; poll is not called afterwards.
  virtual void cancel() = 0;
};

class ResponsePromise;  // http/deferred.hpp

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;
  std::string body;
  std::shared_ptr<StreamSource> stream;  // when set, body is ignored and the response is chunked
  // When set, everything else is ignored: the real response arrives through the promise (http/deferred.hpp).
  std::shared_ptr<ResponsePromise> deferred;

  static Response later(std::shared_ptr<ResponsePromise> promise) {
    Response r;
    r.deferred = std::move(promise);
    return r;
  }

  static Response json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
    Response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
  }
};

// Renders an Error as a response in the protocol's own error shape (OpenAI, Anthropic…).
using ErrorRenderer = std::function<Response(const Error&)>;

// Standard reason phrase for a status code.
std::string_view reason_phrase(int status);

}  // namespace sovra::http
