#pragma once
// Readiness of the components a server needs before it takes traffic (models loaded, store open, …).
// GET /readyz answers 200 when every registered component is ready, 503 with the reasons otherwise.
#include <map>
#include <mutex>
#include <string>

namespace sovra::observability {

class Readiness {
 public:
  struct State {
    bool ready = false;
    std::string detail;
  };
  // Thread-safe. A component registers by setting its state the first time.
  void set(const std::string& component, bool ready, std::string detail = {});
  bool all_ready() const;
  // {"status":"ready"|"not_ready","components":{"name":{"ready":true,"detail":"…"}}}
  std::string to_json() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, State> components_;
};

}  // namespace sovra::observability
