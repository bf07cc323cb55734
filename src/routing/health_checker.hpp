#pragma once
// Active health checks: every `interval_ms` each upstream deployment is asked GET <base>/models; two failures in a
// row mark it unhealthy in the router (no calls are routed there), one success marks it healthy again. Runs on a
// thread of its own that only starts probes (they complete on the upstream clients' I/O threads).
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "routing/config_model_router.hpp"
#include "routing/upstream_backend.hpp"

namespace sovra::routing {

class HealthChecker {
 public:
  struct Target {
    std::string deployment;
    std::shared_ptr<UpstreamBackend> backend;
  };
  HealthChecker(std::weak_ptr<ConfigModelRouter> router, std::vector<Target> targets, std::int64_t interval_ms);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

 private:
  void run();

  struct Shared {
    std::mutex mu;
    std::vector<int> failures;  // consecutive, per target
  };
  std::weak_ptr<ConfigModelRouter> router_;
  std::vector<Target> targets_;
  std::int64_t interval_ms_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sovra::routing
