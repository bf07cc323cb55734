#include "store/executor.hpp"

#include <algorithm>

#include "common/thread_name.hpp"

namespace sovra::store {

Executor::Executor(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([q = queue_] {
      set_thread_name("sovra-store");
      run(q);
    });
}

Executor::~Executor() {
  {
    std::lock_guard lock(queue_->mu);
    queue_->stopping = true;
  }
  queue_->cv.notify_all();
  for (auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // this very thread: it returns from its task to run(), which ends once the queue is empty
    } else {
      t.join();
    }
  }
}

void Executor::post(std::function<void()> task) {
  // Once the task is queued it may run, and drop the last reference to this executor, before post() returns: from
  // then on only the queue is touched, through a reference of this call's own (ThreadSanitizer found the read of
  // queue_ after the push racing with ~Executor in Executor.CanBeDestroyedFromOneOfItsOwnThreads).
  const std::shared_ptr<Queue> q = queue_;
  {
    std::lock_guard lock(q->mu);
    q->tasks.push_back(std::move(task));
  }
  q->cv.notify_one();
}

void Executor::run(const std::shared_ptr<Queue>& q) {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(q->mu);
      q->cv.wait(lock, [&q] { return q->stopping || !q->tasks.empty(); });
      if (q->tasks.empty()) return;
      task = std::move(q->tasks.front());
      q->tasks.pop_front();
    }
    task();
  }
}

}  // namespace sovra::store
