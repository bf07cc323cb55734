#pragma once
// Where store work runs: a small pool of dedicated threads with a queue, so that HTTP handlers hand over store
// reads and writes (and complete their response later, http/deferred.hpp) instead of blocking an I/O thread.
// One thread for SQLite (one writer at a time anyway), a few for PostgreSQL (one per pooled connection).
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace sovra::store {

class Executor {
 public:
  explicit Executor(int threads);
  // Runs what is queued, then joins. May run on one of its own threads (a task that held the last reference to
  // something that held the last reference to this executor): that thread is not joined but left to finish the
  // queue and end on its own; the queue outlives the executor for it.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Thread-safe; never blocks on the store. `task` must not throw.
  void post(std::function<void()> task);

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
  };
  static void run(const std::shared_ptr<Queue>& q);

  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
  std::vector<std::thread> threads_;
};

}  // namespace sovra::store
