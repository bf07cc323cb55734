#include "routing/health_checker.hpp"

#include <algorithm>

#include "common/thread_name.hpp"

namespace sovra::routing {

HealthChecker::HealthChecker(std::weak_ptr<ConfigModelRouter> router, std::vector<Target> targets,
                             std::int64_t interval_ms)
    : router_(std::move(router)), targets_(std::move(targets)), interval_ms_(interval_ms) {
  shared_->failures.assign(targets_.size(), 0);
  thread_ = std::thread([this] {
    set_thread_name("sovra-health");
    run();
  });
}

HealthChecker::~HealthChecker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  // The last owner of the router may let go of it on this very thread (inside run()): never join oneself.
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void HealthChecker::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [&] { return stop_; })) {
    lock.unlock();
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      targets_[i].backend->probe(std::clamp<std::int64_t>(interval_ms_, 1000, 5000), [router = router_, shared = shared_, i,
                                                name = targets_[i].deployment](bool healthy) {
        int failures = 0;
        {
          std::lock_guard l(shared->mu);
          failures = shared->failures[i] = healthy ? 0 : shared->failures[i] + 1;
        }
        if (auto r = router.lock()) {
          if (healthy) r->set_healthy(name, true);
          if (failures >= 2) r->set_healthy(name, false);
        }
      });
    }
    lock.lock();
  }
}

}  // namespace sovra::routing
