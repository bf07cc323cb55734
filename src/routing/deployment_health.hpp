#pragma once
// DeploymentHealth: what the router knows about one deployment's fitness, as plain state it updates under its own
// lock: calls in flight (for least-outstanding balancing and max_concurrency), the circuit breaker, passive outlier
// detection over a window of recent outcomes, and the verdict of the active health check.
//
// Circuit breaker: `breaker_failures` consecutive failures open it; while open no call is routed there; after
// `breaker_open_ms` one trial call is let through (half-open) — its success closes the breaker, its failure opens
// it again (another trial after another `breaker_open_ms` if the trial never reports).
// Outlier detection: over the last `window` outcomes (at least `min_requests` of them), a failure share of
// `failure_percent` or more ejects the deployment for `ejection_ms × 2^(ejections so far)` (capped at 8×); the
// router decides whether the model may lose another deployment (max ejection percent). The window restarts after
// an ejection.
#include <chrono>
#include <cstdint>
#include <deque>

namespace sovra::routing {

using Clock = std::chrono::steady_clock;

struct HealthPolicy {
  std::int64_t breaker_failures = 5;
  std::int64_t breaker_open_ms = 10000;
  std::int64_t outlier_min_requests = 10;
  std::int64_t outlier_failure_percent = 50;
  std::int64_t outlier_ejection_ms = 30000;
  std::int64_t outlier_window = 20;
};

class DeploymentHealth {
 public:
  enum class Breaker { kClosed, kOpen, kHalfOpen };

  explicit DeploymentHealth(HealthPolicy policy) : policy_(policy) {}

  // May a new call go there now? (breaker, ejection, active check; not concurrency.)
  bool available(Clock::time_point now) const;
  // The router chose this deployment: in half-open this takes the one trial.
  void on_chosen(Clock::time_point now);
  void on_start() { ++outstanding_; }
  // A call ended. Returns true when the outcome window now asks for an ejection (the router decides).
  bool on_finish(bool success, Clock::time_point now);
  void eject(Clock::time_point now);
  void set_active_healthy(bool healthy) { active_healthy_ = healthy; }

  std::int64_t outstanding() const { return outstanding_; }
  Breaker breaker(Clock::time_point now) const;
  bool ejected(Clock::time_point now) const { return now < ejected_until_; }
  bool active_healthy() const { return active_healthy_; }

 private:
  HealthPolicy policy_;
  std::int64_t outstanding_ = 0;
  // Breaker.
  bool open_ = false;
  bool trial_taken_ = false;
  Clock::time_point retry_at_{};
  std::int64_t consecutive_failures_ = 0;
  // Outliers.
  std::deque<bool> window_;  // true: failure
  std::int64_t window_failures_ = 0;
  std::int64_t ejections_ = 0;
  Clock::time_point ejected_until_{};
  bool active_healthy_ = true;
};

}  // namespace sovra::routing
