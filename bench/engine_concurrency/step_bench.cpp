// bench_engine_step: the cost of one batched decode step (model::BatchedForward) with B sequences, each decoding
// one token at position `pos` over its own paged KV blocks, against a step with one sequence — the kernel-level
// bound of continuous batching. Batch sizes are measured interleaved (round-robin, `reps` rounds) so load from
// other processes hits them alike; prints per batch size the median, min and max step time and the median's
// ratio to the 1-sequence step, the median process CPU time per step (robust to descheduling; with -t 1 free of
// the pool's spinning), plus a prefill step of `pos` tokens for one sequence as prefill ms per token.
// Only sequence 0's KV rows are computed (by that prefill); the others' stay zero, which costs the same.
//
//   bench_engine_step -m model.gguf [-t 2] [-b 1,2,4,8,16] [--pos 192] [--reps 7] [--prefill N (default pos; 0: none)]
//                     [--kv f16|f32 (the KV cache's element type, default f16 as the engine's)]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kernels/thread_pool.hpp"
#include "model/batched_forward.hpp"
#include "model/model.hpp"
#include "model/paged_kv_cache.hpp"

namespace {

using namespace sovra;
using Clock = std::chrono::steady_clock;

std::vector<int> parse_list(const std::string& v) {
  std::vector<int> out;
  for (std::size_t p = 0; p < v.size();) {
    const std::size_t c = v.find(',', p);
    out.push_back(std::stoi(v.substr(p, c - p)));
    p = c == std::string::npos ? v.size() : c + 1;
  }
  return out;
}

// CPU time of the whole process (all threads), ms: on a machine shared with other work it counts only the time
// this process ran, where wall time also counts the time it waited for a core. Includes the pool's spinning.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  int threads = 2;
  int pos = 192;
  int reps = 7;
  int prefill = -1;  // prompt tokens of the timed prefill; -1: pos, 0: none (for profiling the decode steps alone)
  std::vector<int> batches{1, 2, 4, 8, 16};
  kernels::KvElem kv_elem = kernels::KvElem::kF16;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "-m") {
      path = next();
    } else if (k == "-t") {
      threads = std::stoi(next());
    } else if (k == "-b") {
      batches = parse_list(next());
    } else if (k == "--pos") {
      pos = std::stoi(next());
    } else if (k == "--prefill") {
      prefill = std::stoi(next());
    } else if (k == "--reps") {
      reps = std::stoi(next());
    } else if (k == "--kv") {
      kv_elem = next() == "f32" ? kernels::KvElem::kF32 : kernels::KvElem::kF16;
    }
  }
  if (prefill < 0 || prefill > pos) prefill = pos;
  if (path.empty() || pos < 1 || reps < 1 || batches.empty()) {
    std::fprintf(stderr, "usage: bench_engine_step -m model.gguf [-t 2] [-b 1,2,4,8,16] [--pos 192] [--reps 7] [--prefill N]\n");
    return 2;
  }
  auto loaded = model::Model::load(path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 1;
  }
  const model::Model& m = **loaded;
  const int max_b = *std::max_element(batches.begin(), batches.end());
  constexpr int kBlock = 16;
  const int blocks_per_seq = (pos + 1 + kBlock - 1) / kBlock;
  model::PagedKvCache kv(m.hparams(), max_b * blocks_per_seq, kBlock, kv_elem);
  kernels::ThreadPool pool(threads);
  model::BatchedForward fwd(m, pool);
  std::vector<float> logits;

  std::mt19937 rng(7);
  const auto n_vocab = static_cast<std::int32_t>(m.hparams().n_vocab);
  std::vector<std::vector<std::int32_t>> tables(static_cast<std::size_t>(max_b));
  std::vector<std::vector<std::int32_t>> prompts(1);
  for (int s = 0; s < max_b; ++s) {
    for (int b = 0; b < blocks_per_seq; ++b) tables[static_cast<std::size_t>(s)].push_back(s * blocks_per_seq + b);
  }
  for (int p = 0; p < prefill; ++p) prompts[0].push_back(3 + static_cast<std::int32_t>(rng() % (n_vocab - 3)));
  // Prefill sequence 0 (timed, as the prefill reference); the other sequences' KV rows stay zero: attention
  // costs the same whatever the values.
  double prefill_ms = 0;
  if (prefill > 0) {
    const model::BatchItem item{.tokens = prompts[0], .pos0 = 0, .block_table = tables[0], .want_logits = true};
    const auto t0 = Clock::now();
    if (auto st = fwd.forward({&item, 1}, kv, logits); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    prefill_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  }

  std::vector<std::int32_t> next_tok(static_cast<std::size_t>(max_b), 5);
  std::vector<std::vector<double>> times(batches.size());
  std::vector<std::vector<double>> cpu(batches.size());
  for (int r = 0; r < reps; ++r) {
    for (std::size_t bi = 0; bi < batches.size(); ++bi) {
      std::vector<model::BatchItem> items;
      for (int s = 0; s < batches[bi]; ++s) {
        items.push_back({.tokens = {&next_tok[static_cast<std::size_t>(s)], 1}, .pos0 = pos,
                         .block_table = tables[static_cast<std::size_t>(s)], .want_logits = true});
      }
      const auto t0 = Clock::now();
      const double c0 = cpu_ms();
      if (auto st = fwd.forward(items, kv, logits); !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
      }
      cpu[bi].push_back(cpu_ms() - c0);
      times[bi].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  std::printf("%s, %d threads, decode at position %d, %d rounds; prefill of %d tokens: %.2f ms/token\n", path.c_str(),
              threads, pos, reps, prefill, prefill > 0 ? prefill_ms / prefill : 0.0);
  std::printf(
      "| sequences | step ms (median) | min | max | vs 1 sequence | ms per token | CPU ms (median) | CPU vs 1 sequence |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
  const double base = median(times[0]);
  const double cpu_base = median(cpu[0]);
  for (std::size_t bi = 0; bi < batches.size(); ++bi) {
    const double med = median(times[bi]);
    const double c = median(cpu[bi]);
    std::printf("| %d | %.2f | %.2f | %.2f | %.2fx | %.2f | %.2f | %.2fx |\n", batches[bi], med,
                *std::min_element(times[bi].begin(), times[bi].end()),
                *std::max_element(times[bi].begin(), times[bi].end()), med / base, med / batches[bi], c, c / cpu_base);
  }
  return 0;
}
