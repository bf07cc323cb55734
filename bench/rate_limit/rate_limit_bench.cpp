// Admission cost of the rate limiter per call: admit + finish (settle) through gateway::CallChain, single-threaded
// latency (µs, p50/p99) and multi-threaded throughput, for
//   baseline  a chain with one hook that does nothing (admits, no ticket)
//   memory    RateLimitHook on MemoryCounters, 5 counters per call (key RPM+TPM, project RPM+TPM+concurrency)
//   redis     the same on RedisCounters (argv[1] = redis://…; skipped without it)
// Ratios are printed against the baseline measured in the same run.
// Usage: bench_rate_limit [redis://127.0.0.1:6379] [calls (default 200000)] [threads (default 4)]
//                         [redis connections (default 2, as rate_limits.redis_connections)]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "gateway/call.hpp"
#include "gateway/rate_limit/memory_counters.hpp"
#include "gateway/rate_limit/rate_limit_hook.hpp"
#include "gateway/rate_limit/redis_counters.hpp"

using namespace sovra;
using namespace sovra::gateway;
using Clock = std::chrono::steady_clock;

namespace {

class EmptyHook final : public CallHook {
 public:
  const char* name() const override { return "empty"; }
  void admit(const CallInfo&, std::vector<http::Header>&, AdmitDone done) override { done(Admission{}); }
};

std::shared_ptr<const platform::Principal> principal(int i) {
  auto p = std::make_shared<platform::Principal>();
  p->key_id = "key" + std::to_string(i);
  p->org_id = "org1";
  p->project_id = "proj" + std::to_string(i % 4);
  return p;
}

// One call: admit, then finish with usage; waits for both (they may complete on another thread).
bool one_call(const CallChain& chain, const CallInfo& info) {
  std::promise<AdmitOutcome> admitted;
  auto f = admitted.get_future();
  chain.admit(info, [&](AdmitOutcome o) { admitted.set_value(std::move(o)); });
  auto o = f.get();
  if (o.refusal) return false;
  CallResult r;
  r.usage.prompt_tokens = info.prompt_tokens;
  r.usage.completion_tokens = 20;
  std::promise<void> finished;
  o.tickets.finish(r, [&] { finished.set_value(); });
  finished.get_future().get();
  return true;
}

struct Figures {
  double p50_us = 0, p99_us = 0, calls_per_s = 0;
  bool ok = true;
};

Figures measure(const CallChain& chain, int calls, int threads) {
  Figures fig;
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(calls));
  std::vector<CallInfo> infos(16);
  for (int i = 0; i < 16; ++i) {
    infos[i].principal = principal(i);
    infos[i].model = "m";
    infos[i].prompt_tokens = 100;
    infos[i].max_output_tokens = 200;
  }
  for (int i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    fig.ok &= one_call(chain, infos[static_cast<std::size_t>(i) % infos.size()]);
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(lat.begin(), lat.end());
  fig.p50_us = lat[lat.size() / 2];
  fig.p99_us = lat[lat.size() * 99 / 100];
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  const auto t0 = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      int i;
      while ((i = next.fetch_add(1)) < calls) one_call(chain, infos[static_cast<std::size_t>(i) % infos.size()]);
    });
  }
  for (auto& t : pool) t.join();
  fig.calls_per_s = calls / std::chrono::duration<double>(Clock::now() - t0).count();
  return fig;
}

CallChain limited_chain(std::shared_ptr<rate_limit::CounterStore> counters) {
  auto table = std::make_shared<rate_limit::LimitTable>(rate_limit::LimitDefaults{
      .project = {.requests_per_minute = 1'000'000'000, .tokens_per_minute = 100'000'000'000, .concurrent_requests = 1000},
      .key = {.requests_per_minute = 1'000'000'000, .tokens_per_minute = 100'000'000'000}});
  CallChain chain;
  chain.add(std::make_shared<rate_limit::RateLimitHook>(rate_limit::RateLimitHookOptions{.table = table, .counters = counters}));
  return chain;
}

void print(const char* name, const Figures& f, const Figures& base, int threads) {
  std::printf("%-9s p50 %8.2f us  p99 %8.2f us  (x%.2f / x%.2f of baseline)  %d threads: %10.0f calls/s (x%.3f)%s\n",
              name, f.p50_us, f.p99_us, f.p50_us / base.p50_us, f.p99_us / base.p99_us, threads, f.calls_per_s,
              f.calls_per_s / base.calls_per_s, f.ok ? "" : "  [some calls refused!]");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string redis_url = argc > 1 ? argv[1] : "";
  const int calls = argc > 2 ? std::stoi(argv[2]) : 200'000;
  const int threads = argc > 3 ? std::stoi(argv[3]) : 4;
  const int connections = argc > 4 ? std::stoi(argv[4]) : 2;
  std::printf("admit + finish per call, %d calls; throughput with %d threads\n", calls, threads);

  CallChain base_chain;
  base_chain.add(std::make_shared<EmptyHook>());
  const auto base = measure(base_chain, calls, threads);
  print("baseline", base, base, threads);

  const auto memory = measure(limited_chain(std::make_shared<rate_limit::MemoryCounters>()), calls, threads);
  print("memory", memory, base, threads);
  std::printf("          memory: +%.2f us per call at p50 over the baseline\n", memory.p50_us - base.p50_us);

  if (redis_url.empty()) {
    std::printf("redis     skipped (pass redis://host:port as the first argument; bench/rate_limit/run starts one)\n");
    return 0;
  }
  auto address = rate_limit::parse_redis_url(redis_url);
  if (!address) {
    std::fprintf(stderr, "%s\n", address.error().message.c_str());
    return 2;
  }
  const int redis_calls = std::min(calls, 50'000);
  auto redis = std::make_shared<rate_limit::RedisCounters>(rate_limit::RedisCountersOptions{
      .address = *address, .connections = connections, .timeout_ms = 1000,
      .key_prefix = "sovra-bench:" + std::to_string(Clock::now().time_since_epoch().count()) + ":"});
  const auto base_small = measure(base_chain, redis_calls, threads);
  const auto r = measure(limited_chain(redis), redis_calls, threads);
  print("redis", r, base_small, threads);
  std::printf("          (%d Redis connections; scripts queued on a connection go out in one pipeline)\n", connections);
  std::printf("          redis: +%.2f us per call at p50 over the baseline (two round trips: acquire, settle)\n",
              r.p50_us - base_small.p50_us);
  return 0;
}
