#pragma once
// Progress of long work (quantizing, generating, loading): a redrawn bar on a terminal, plain lines
// ("quantize: 40% (9/22)") at most every 10% otherwise, so logs and CI output stay readable. Writes to stderr.
#include <chrono>
#include <cstdint>
#include <string>

namespace sovra::app {

class Progress {
 public:
  Progress(std::string label, std::uint64_t total);
  ~Progress();
  void update(std::uint64_t done);
  void finish();

 private:
  std::string label_;
  std::uint64_t total_;
  bool tty_;
  int last_decile_ = -1;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace sovra::app
