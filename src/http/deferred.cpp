#include "http/deferred.hpp"

namespace sovra::http {

void ResponsePromise::complete(Response response) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (completed_) return;
    completed_ = true;
    response.deferred.reset();
    response_ = std::move(response);
    wake = std::move(wake_);
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

}  // namespace sovra::http
