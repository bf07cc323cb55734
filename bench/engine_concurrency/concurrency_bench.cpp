// bench_engine_concurrency: N concurrent streams against the in-process engine (continuous batching, paged KV).
// Each stream sends `rounds` requests back to back (prompt of `prompt` random tokens, `gen` generated tokens,
// greedy, EOS ignored). Stream i starts i/N of a lone request's duration after stream 0 (arrivals spread over
// time as in a steady state; --no-stagger starts all at once). Prints one JSON line per N: aggregate generated
// tokens/s while all N streams are running (`tps`: tokens stamped between the last stream's first submit and the
// first stream's last finish, over that window), the same over the whole run (`tps_run`: total tokens / wall,
// ramp-up and ramp-down included), TTFT mean/p99, ITL p50/p99 (ms). Run through bench/engine_concurrency/run.
//
// Why both: with staggered starts and one round, the whole-run figure is bounded by N / (1 + (N-1)/N) times one
// stream even for an engine whose steps cost nothing extra per sequence (4.27x at 8): the first streams run
// partly alone while the last ones start and end. The window figure is the N-way concurrent throughput the
// streams see once all of them are in flight; with several rounds it covers most of the run.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.hpp"
#include "model/model.hpp"
#include "model/paged_kv_cache.hpp"
#include "tokenizer/load.hpp"

namespace {

using namespace sovra;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string model;
  int threads = 2;
  std::vector<int> streams{1, 4, 8, 16};
  int prompt = 128;
  int gen = 128;
  int rounds = 1;
  bool stagger = true;
  // Prompt tokens per step on top of one decode token per stream; -1: the engine's own step budget
  // (EngineOptions::max_batched_tokens, 256 tokens, what `sovra serve` runs with by default).
  int budget = -1;
  int group = -1;  // -1: the engine's default prefill_group_tokens
  kernels::KvElem kv_elem = kernels::KvElem::kF16;
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct StreamResult {
  std::vector<double> ttft_ms, itl_ms;
  std::vector<Clock::time_point> token_at;  // every generated token's arrival
  Clock::time_point first_submit, last_end;
  int tokens = 0;
};

// One request, blocking until it finishes.
void run_request(engine::Engine& e, std::vector<std::int32_t> prompt, int gen, StreamResult& out) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  const auto start = Clock::now();
  auto last = start;
  bool first = true;
  engine::GenerationRequest r;
  r.prompt_tokens = std::move(prompt);
  r.sampling.temperature = 0.0f;
  r.max_tokens = gen;
  r.ignore_eos = true;
  auto id = e.submit(std::move(r), [&](engine::GenerationEvent&& ev) {
    const auto now = Clock::now();
    std::lock_guard lock(mu);
    if (ev.kind == engine::GenerationEvent::Kind::kToken) {
      const double ms = std::chrono::duration<double, std::milli>(now - (first ? start : last)).count();
      (first ? out.ttft_ms : out.itl_ms).push_back(ms);
      first = false;
      last = now;
      out.token_at.push_back(now);
      ++out.tokens;
    } else {
      done = true;
      cv.notify_all();
    }
  });
  if (!id) {
    std::fprintf(stderr, "submit failed: %s\n", id.error().message.c_str());
    std::exit(1);
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  out.last_end = Clock::now();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "-m")
      a.model = next();
    else if (k == "-t")
      a.threads = std::stoi(next());
    else if (k == "-p")
      a.prompt = std::stoi(next());
    else if (k == "-n")
      a.gen = std::stoi(next());
    else if (k == "--rounds")
      a.rounds = std::stoi(next());
    else if (k == "-b")
      a.budget = std::stoi(next());
    else if (k == "-g")
      a.group = std::stoi(next());
    else if (k == "--no-stagger")
      a.stagger = false;
    else if (k == "--kv")
      a.kv_elem = next() == "f32" ? kernels::KvElem::kF32 : kernels::KvElem::kF16;
    else if (k == "-s") {
      a.streams.clear();
      std::string v = next();
      for (std::size_t p = 0; p < v.size();) {
        const std::size_t c = v.find(',', p);
        a.streams.push_back(std::stoi(v.substr(p, c - p)));
        p = c == std::string::npos ? v.size() : c + 1;
      }
    }
  }
  if (a.model.empty()) {
    std::fprintf(stderr, "usage: bench_engine_concurrency -m model.gguf [-t 2] [-s 1,4,8,16] [-p 128] [-n 128]\n");
    return 2;
  }
  auto model = model::Model::load(a.model);
  if (!model) {
    std::fprintf(stderr, "%s\n", model.error().message.c_str());
    return 1;
  }
  auto tok = tokenizer::load_from_gguf((*model)->gguf());
  if (!tok) {
    std::fprintf(stderr, "%s\n", tok.error().message.c_str());
    return 1;
  }
  std::shared_ptr<const model::Model> m(std::move(*model));
  std::shared_ptr<const tokenizer::Tokenizer> t(std::move(*tok));
  const int max_streams = *std::max_element(a.streams.begin(), a.streams.end());
  const std::uint64_t kv_bytes = model::PagedKvCache::block_bytes(m->hparams(), 16, a.kv_elem) *
                                 static_cast<std::uint64_t>(max_streams) * ((a.prompt + a.gen) / 16 + 2) * a.rounds;
  double lone_request_s = 0;
  for (const int n : a.streams) {
    auto e = engine::Engine::create(
        m, t,
        {.model_name = "bench",
         .kv_budget_bytes = std::max<std::uint64_t>(kv_bytes, 64ull << 20),
         .max_num_seqs = std::max(n, 1),
         .max_batched_tokens = a.budget < 0 ? engine::EngineOptions{}.max_batched_tokens : a.budget + n,
         .prefill_group_tokens = a.group < 0 ? engine::EngineOptions{}.prefill_group_tokens : a.group,
         .max_waiting = 4 * n + 16,
         .max_seq_len = a.prompt + a.gen + 16,
         .n_threads = a.threads,
         .prefix_caching = false,
         .kv_elem = a.kv_elem});
    if (!e) {
      std::fprintf(stderr, "%s\n", e.error().message.c_str());
      return 1;
    }
    std::vector<StreamResult> res(static_cast<std::size_t>(n));
    std::vector<std::thread> th;
    const auto start = Clock::now();
    for (int s = 0; s < n; ++s) {
      th.emplace_back([&, s] {
        if (a.stagger && lone_request_s > 0) {
          std::this_thread::sleep_until(start + std::chrono::duration<double>(lone_request_s * s / n));
        }
        std::mt19937 rng(static_cast<std::uint32_t>(1000 + s));
        res[static_cast<std::size_t>(s)].first_submit = Clock::now();
        for (int r = 0; r < a.rounds; ++r) {
          std::vector<std::int32_t> prompt{1};
          while (static_cast<int>(prompt.size()) < a.prompt)
            prompt.push_back(static_cast<std::int32_t>(3 + rng() % (m->hparams().n_vocab - 3)));
          run_request(**e, std::move(prompt), a.gen, res[static_cast<std::size_t>(s)]);
        }
      });
    }
    for (auto& x : th) x.join();
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> ttft, itl;
    int tokens = 0;
    for (const auto& r : res) {
      ttft.insert(ttft.end(), r.ttft_ms.begin(), r.ttft_ms.end());
      itl.insert(itl.end(), r.itl_ms.begin(), r.itl_ms.end());
      tokens += r.tokens;
    }
    // The window in which all n streams have a request in flight (closed loop: a stream submits its next request
    // as soon as one ends, so from its first submit to its last end it always has one).
    Clock::time_point w0 = start, w1 = Clock::time_point::max();
    for (const auto& r : res) {
      w0 = std::max(w0, r.first_submit);
      w1 = std::min(w1, r.last_end);
    }
    int window_tokens = 0;
    for (const auto& r : res)
      for (const auto at : r.token_at) window_tokens += at >= w0 && at <= w1 ? 1 : 0;
    const double window = w1 > w0 ? std::chrono::duration<double>(w1 - w0).count() : 0.0;
    double mean = 0;
    for (double x : ttft) mean += x;
    mean /= static_cast<double>(std::max<std::size_t>(1, ttft.size()));
    if (n == 1) lone_request_s = wall / a.rounds;
    std::printf(
        "{\"streams\": %d, \"tokens\": %d, \"wall_s\": %.3f, \"tps\": %.3f, \"tps_run\": %.3f, \"window_s\": %.3f, "
        "\"window_tokens\": %d, \"ttft_mean_ms\": %.1f, \"ttft_p99_ms\": %.1f, \"itl_p50_ms\": %.1f, "
        "\"itl_p99_ms\": %.1f, \"preemptions\": %llu}\n",
        n, tokens, wall, window > 0 ? window_tokens / window : tokens / wall, tokens / wall, window, window_tokens,
        mean, pct(ttft, 0.99), pct(itl, 0.5), pct(itl, 0.99),
        static_cast<unsigned long long>((*e)->stats().preemptions));
    std::fflush(stdout);
  }
  return 0;
}
