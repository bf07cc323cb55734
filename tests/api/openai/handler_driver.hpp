#pragma once
// Drives the real http::Router and handlers the way the HTTP session does, without sockets: dispatch, wait for a
// deferred response (Response::later), then pull a streamed body from its StreamSource with the same poll/wake
// protocol, or cancel it as a disconnecting client would. Every wait has a deadline.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/deferred.hpp"
#include "http/router.hpp"

namespace sovra::testing {

class Waker {
 public:
  std::function<void()> fn() {
    return [state = state_] {
      std::lock_guard lock(state->mu);
      state->woken = true;
      state->cv.notify_all();
    };
  }
  // True when woken before the deadline.
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mu);
    const bool ok = state_->cv.wait_for(lock, timeout, [&] { return state_->woken; });
    state_->woken = false;
    return ok;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// One request in flight.
class PendingExchange {
 public:
  explicit PendingExchange(http::Response first) {
    if (first.deferred) {
      promise_ = first.deferred;
    } else {
      response_ = std::move(first);
    }
  }

  // The response head (status, headers, body or stream), waiting up to `timeout` for a deferred one.
  const http::Response* response(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!response_) {
      auto r = promise_->take(waker_.fn());
      if (r) {
        response_ = std::move(*r);
        break;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !waker_.wait(left)) {
        if (auto late = promise_->take([] {})) {
          response_ = std::move(*late);
          break;
        }
        return nullptr;
      }
    }
    return &*response_;
  }
  // The response is there already (without waiting).
  bool ready() {
    if (response_) return true;
    if (auto r = promise_->take([] {})) response_ = std::move(*r);
    return response_.has_value();
  }

  // Streamed responses: pulls what is ready now; true once the stream ended.
  bool pull() {
    if (ended_ || !response_ || !response_->stream) return ended_;
    while (true) {
      const auto p = response_->stream->poll(body_, stream_waker_.fn());
      if (p == http::StreamSource::Poll::kEnd) {
        ended_ = true;
        return true;
      }
      if (p == http::StreamSource::Poll::kPending) return false;
    }
  }
  // Pulls until `needle` is in the body, the stream ended, or the deadline passed; true when found.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const bool end = pull();
      if (body_.find(needle) != std::string::npos) return true;
      if (end) return false;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      stream_waker_.wait(left);
    }
  }
  // Pulls until the stream ends; false when the deadline passed first.
  bool read_to_end(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pull()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      stream_waker_.wait(left);
    }
    return true;
  }
  // The client goes away.
  void disconnect() {
    if (response_ && response_->stream && !ended_) response_->stream->cancel();
    ended_ = true;
  }

  const std::string& streamed() const { return body_; }
  bool ended() const { return ended_; }

 private:
  std::shared_ptr<http::ResponsePromise> promise_;
  std::optional<http::Response> response_;
  Waker waker_;
  Waker stream_waker_;
  std::string body_;
  bool ended_ = false;
};

inline PendingExchange post(const http::Router& router, const std::string& path, std::string body,
                            std::string request_id = "req_test") {
  http::Request req;
  req.method = "POST";
  req.target = path;
  req.path = path;
  req.body = std::move(body);
  req.request_id = std::move(request_id);
  req.headers.push_back({"content-type", "application/json"});
  auto match = router.match("POST", path);
  if (!match.route) return PendingExchange(http::Response::json(404, "{}"));
  req.path_params = match.params;
  return PendingExchange(router.dispatch(*match.route, req));
}

}  // namespace sovra::testing
