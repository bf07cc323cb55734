#include "kernels/thread_pool.hpp"

#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "common/thread_name.hpp"

namespace sovra::kernels {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Polls `done` until it returns true or `budget` has passed; the clock is read every 64 polls.
template <typename Done>
bool spin_until(Done done, std::chrono::microseconds budget) {
  if (budget.count() <= 0) return done();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int k = 0; k < 64; ++k) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

}  // namespace

ThreadPool::ThreadPool(Options options) : spin_(options.spin) {
  const int wanted = options.threads < 1 ? 1 : options.threads;
  threads_.reserve(static_cast<std::size_t>(wanted - 1));
  size_ = wanted;  // read by workers only once a run has published it
  for (int i = 1; i < wanted; ++i) {
    try {
      threads_.emplace_back([this] {
        set_thread_name("sovra-compute");
        worker_main();
      });
    } catch (const std::system_error&) {
      break;  // run with the threads we have; the caller claims the indices nobody else does
    }
  }
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  generation_.notify_all();
  for (std::thread& t : threads_) t.join();
}

int ThreadPool::claim(std::uint32_t generation) {
  std::uint64_t s = claim_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::uint32_t>(s >> 32) != generation) return -1;
    const auto index = static_cast<int>(s & 0xFFFFFFFFu);
    if (index >= size_) return -1;
    // acquire: fn_ and ctx_ of this generation were written before its claim word was published.
    if (claim_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return index;
  }
}

int ThreadPool::run_claimed(std::uint32_t generation) {
  int ran = 0;
  for (int i; (i = claim(generation)) >= 0; ++ran) fn_(ctx_, i, size_);
  return ran;
}

void ThreadPool::run_impl(Trampoline fn, void* ctx) {
  if (size_ == 1) {
    fn(ctx, 0, 1);
    return;
  }
  const std::uint32_t generation = ++runs_;
  fn_ = fn;
  ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  claim_.store(static_cast<std::uint64_t>(generation) << 32 | 1u, std::memory_order_release);  // 0 is ours
  // seq_cst pairs with a worker's increment of sleeping_workers_: either it sees the new generation before it
  // sleeps, or we see it sleeping and wake it.
  generation_.store(generation, std::memory_order_seq_cst);
  if (sleeping_workers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();
  fn(ctx, 0, size_);
  const int ran = 1 + run_claimed(generation);
  if (done_.fetch_add(ran, std::memory_order_acq_rel) + ran != size_) wait_until_done();
}

void ThreadPool::wait_until_done() {
  // Only indices that a worker has claimed and is running are left.
  if (spin_until([this] { return done_.load(std::memory_order_acquire) == size_; }, spin_)) return;
  for (;;) {
    caller_sleeping_.store(true, std::memory_order_seq_cst);
    const int done = done_.load(std::memory_order_seq_cst);
    if (done == size_) break;
    done_.wait(done, std::memory_order_acquire);
  }
  caller_sleeping_.store(false, std::memory_order_relaxed);
  (void)done_.load(std::memory_order_acquire);  // synchronise with the last worker's release
}

std::uint32_t ThreadPool::wait_for_generation(std::uint32_t seen) {
  std::uint32_t now = seen;
  const auto changed = [&] {
    now = generation_.load(std::memory_order_acquire);
    return now != seen;
  };
  if (spin_until(changed, spin_)) return now;
  sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
  while ((now = generation_.load(std::memory_order_seq_cst)) == seen) generation_.wait(seen, std::memory_order_acquire);
  sleeping_workers_.fetch_sub(1, std::memory_order_relaxed);
  return now;
}

void ThreadPool::worker_main() {
  std::uint32_t seen = 0;
  for (;;) {
    seen = wait_for_generation(seen);
    if (stop_.load(std::memory_order_relaxed)) return;
    const int ran = run_claimed(seen);
    // seq_cst pairs with the caller's store to caller_sleeping_ (see wait_until_done).
    if (ran > 0 && done_.fetch_add(ran, std::memory_order_seq_cst) + ran == size_ &&
        caller_sleeping_.load(std::memory_order_seq_cst)) {
      done_.notify_one();
    }
  }
}

}  // namespace sovra::kernels
