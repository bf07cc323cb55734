#include "http/deferred.hpp"

namespace sovra::http {

void ResponsePromise::complete(Response response) {
  std::function<void()> wake;
  std::function<void()> gone;  // dropped outside the lock: it may hold the handler's state
  {
    std::lock_guard lock(mu_);
    if (completed_) return;
    completed_ = true;
    response.deferred.reset();
    response_ = std::move(response);
    wake = std::move(wake_);
    gone = std::move(on_gone_);
  }
  if (wake) wake();
}

std::optional<Response> ResponsePromise::take(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (response_) {
    auto r = std::move(response_);
    response_.reset();
    return r;
  }
  wake_ = std::move(wake);
  return std::nullopt;
}

void ResponsePromise::on_client_gone(std::function<void()> cb) {
  {
    std::lock_guard lock(mu_);
    if (completed_) return;
    if (!gone_) {
      on_gone_ = std::move(cb);
      return;
    }
  }
  if (cb) cb();
}

void ResponsePromise::client_gone() {
  std::function<void()> cb;
  {
    std::lock_guard lock(mu_);
    if (completed_ || gone_) return;
    gone_ = true;
    cb = std::move(on_gone_);
  }
  if (cb) cb();
}

}  // namespace sovra::http
