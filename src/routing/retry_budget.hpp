#pragma once
// RetryBudget: retries may add at most `percent`% to an upstream's calls, plus a small reserve so that a quiet
// upstream can still retry (Finagle's and Envoy's retry budgets). Each call deposits percent/100 of a token, each
// retry withdraws one; the balance is capped so a long quiet spell cannot bank a retry storm. Thread-safe.
#include <cstdint>
#include <mutex>

namespace sovra::routing {

class RetryBudget {
 public:
  explicit RetryBudget(std::int64_t percent, double reserve = 3.0, double cap = 20.0)
      : per_call_(static_cast<double>(percent) / 100.0), cap_(cap), balance_(reserve) {}

  void on_call() {
    std::lock_guard lock(mu_);
    balance_ = balance_ + per_call_ > cap_ ? cap_ : balance_ + per_call_;
  }
  bool try_retry() {
    std::lock_guard lock(mu_);
    if (balance_ < 1.0) return false;
    balance_ -= 1.0;
    return true;
  }

 private:
  std::mutex mu_;
  double per_call_;
  double cap_;
  double balance_;
};

}  // namespace sovra::routing
