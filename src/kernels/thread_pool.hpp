#pragma once
// A fixed set of compute threads with low dispatch latency, for the kernels' data-parallel loops.
//
// Contract: run(job) calls job(i, n) exactly once for every i in [0, n), n = size(), and returns after every
// call has returned; writes made by any call happen-before run() returns. Index 0 runs on the calling thread;
// every other index runs on whichever thread claims it first, the caller included: when the caller has
// finished its own share it takes the indices no worker has started, so a worker that the OS has not scheduled
// yet (a busy machine) never holds run() up. Jobs therefore must not assume that distinct indices run on
// distinct threads or concurrently. One run() at a time: a pool is driven by one thread (the engine's compute
// thread); run() must not be called from inside a job. Jobs must not throw. Idle workers spin for `spin` after
// each job (a decode step issues ~150 matmuls back to back, so the next one usually finds them awake) and then
// sleep on a futex until the next run. size() may be less than asked for if the system refuses a thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace sovra::kernels {

class ThreadPool {
 public:
  struct Options {
    int threads = 1;                      // including the calling thread; values < 1 mean 1
    std::chrono::microseconds spin{200};  // how long an idle thread polls before it sleeps
  };

  explicit ThreadPool(int threads) : ThreadPool(Options{.threads = threads}) {}
  explicit ThreadPool(Options options);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  template <typename Job>
  void run(Job&& job) {
    auto* ctx = &job;
    run_impl([](void* c, int i, int n) { (*static_cast<decltype(ctx)>(c))(i, n); }, ctx);
  }

 private:
  using Trampoline = void (*)(void* ctx, int i, int n);

  void run_impl(Trampoline fn, void* ctx);
  void worker_main();
  // Claims the next unstarted index of run `generation`; -1 when none is left or that run is over.
  int claim(std::uint32_t generation);
  int run_claimed(std::uint32_t generation);  // runs indices while any can be claimed; returns how many
  std::uint32_t wait_for_generation(std::uint32_t seen);
  void wait_until_done();

  int size_ = 1;
  std::chrono::microseconds spin_;
  std::uint32_t runs_ = 0;   // caller-only count of runs
  Trampoline fn_ = nullptr;  // stable while any index of the current run is claimable or running
  void* ctx_ = nullptr;
  alignas(64) std::atomic<std::uint64_t> claim_{0};       // generation << 32 | next unclaimed index
  alignas(64) std::atomic<std::uint32_t> generation_{0};  // wakes sleeping workers
  alignas(64) std::atomic<int> done_{0};                  // indices of the current run that have returned
  std::atomic<int> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace sovra::kernels
