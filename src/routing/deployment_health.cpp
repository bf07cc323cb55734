#include "routing/deployment_health.hpp"

#include <algorithm>

namespace sovra::routing {

DeploymentHealth::Breaker DeploymentHealth::breaker(Clock::time_point now) const {
  if (!open_) return Breaker::kClosed;
  return now >= retry_at_ ? Breaker::kHalfOpen : Breaker::kOpen;
}

bool DeploymentHealth::available(Clock::time_point now) const {
  if (!active_healthy_ || ejected(now)) return false;
  return breaker(now) != Breaker::kOpen;
}

void DeploymentHealth::on_chosen(Clock::time_point now) {
  if (breaker(now) == Breaker::kHalfOpen) {
    // One trial per open period: until it reports (or another period passes) the breaker counts as open.
    trial_taken_ = true;
    retry_at_ = now + std::chrono::milliseconds(policy_.breaker_open_ms);
  }
}

bool DeploymentHealth::on_finish(bool success, Clock::time_point now) {
  if (outstanding_ > 0) --outstanding_;
  if (success) {
    consecutive_failures_ = 0;
    open_ = false;
    trial_taken_ = false;
  } else {
    ++consecutive_failures_;
    if ((open_ && trial_taken_) || consecutive_failures_ >= policy_.breaker_failures) {
      open_ = true;
      trial_taken_ = false;
      retry_at_ = now + std::chrono::milliseconds(policy_.breaker_open_ms);
    }
  }
  window_.push_back(!success);
  window_failures_ += success ? 0 : 1;
  while (static_cast<std::int64_t>(window_.size()) > std::max(policy_.outlier_window, policy_.outlier_min_requests)) {
    window_failures_ -= window_.front() ? 1 : 0;
    window_.pop_front();
  }
  const auto n = static_cast<std::int64_t>(window_.size());
  return n >= policy_.outlier_min_requests && window_failures_ * 100 >= policy_.outlier_failure_percent * n &&
         window_failures_ > 0;
}

void DeploymentHealth::eject(Clock::time_point now) {
  const auto factor = std::int64_t{1} << std::min<std::int64_t>(ejections_, 3);
  ejected_until_ = now + std::chrono::milliseconds(policy_.outlier_ejection_ms * factor);
  ++ejections_;
  window_.clear();
  window_failures_ = 0;
}

}  // namespace sovra::routing
