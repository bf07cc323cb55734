#pragma once
// Where store work runs: a small pool of dedicated threads with a queue, so that HTTP handlers hand over store
// reads and writes (and complete their response later, http/deferred.hpp) instead of blocking an I/O thread.
// One thread for SQLite (one writer at a time anyway), a few for PostgreSQL (one per pooled connection).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sovra::store {

class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();  // runs what is queued, then joins
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Thread-safe; never blocks on the store. `task` must not throw.
  void post(std::function<void()> task);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sovra::store
