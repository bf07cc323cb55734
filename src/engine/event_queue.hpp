#pragma once
// EventQueue: a thread-safe, unbounded hand-off of GenerationEvents from the engine thread to a consumer that
// may block (CLI tools, tests). push() never blocks beyond a short lock, so it is a valid EventSink target;
// pop_until() waits for the next event up to a deadline. HTTP sessions use http::SseChannel instead.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "engine/engine_client.hpp"

namespace sovra::engine {

class EventQueue {
 public:
  void push(GenerationEvent&& e) {
    {
      std::lock_guard lock(mu_);
      q_.push_back(std::move(e));
    }
    cv_.notify_one();
  }

  std::optional<GenerationEvent> pop_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return !q_.empty(); })) return std::nullopt;
    GenerationEvent e = std::move(q_.front());
    q_.pop_front();
    return e;
  }

  EventSink sink() {
    return [this](GenerationEvent&& e) { push(std::move(e)); };
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<GenerationEvent> q_;
};

}  // namespace sovra::engine
