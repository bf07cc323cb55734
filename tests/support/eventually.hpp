#pragma once
// Waiting on a condition with a deadline (never a bare sleep), for unit tests without the server helpers.
#include <chrono>
#include <thread>

namespace sovra::test {

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling interval, not synchronisation
  }
  return pred();
}

}  // namespace sovra::test
