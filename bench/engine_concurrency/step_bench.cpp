// bench_engine_step: the cost of one batched decode step (model::BatchedForward) with B sequences, each decoding
// one token at position `pos` over its own paged KV blocks, against a step with one sequence — the kernel-level
// bound of continuous batching. Batch sizes are measured interleaved (round-robin, `reps` rounds) so load from
// other processes hits them alike; prints per batch size the median, min and max step time and the median's
// ratio to the 1-sequence step, plus a prefill step of `pos` tokens for one sequence as prefill ms per token.
//
//   bench_engine_step -m model.gguf [-t 2] [-b 1,2,4,8,16] [--pos 192] [--reps 7]
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
  std::vector<int> batches{1, 2, 4, 8, 16};
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
    } else if (k == "--reps") {
      reps = std::stoi(next());
    }
  }
  if (path.empty() || pos < 1 || reps < 1 || batches.empty()) {
    std::fprintf(stderr, "usage: bench_engine_step -m model.gguf [-t 2] [-b 1,2,4,8,16] [--pos 192] [--reps 7]\n");
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
  model::PagedKvCache kv(m.hparams(), max_b * blocks_per_seq, kBlock);
  kernels::ThreadPool pool(threads);
  model::BatchedForward fwd(m, pool);
  std::vector<float> logits;

  std::mt19937 rng(7);
  const auto n_vocab = static_cast<std::int32_t>(m.hparams().n_vocab);
  std::vector<std::vector<std::int32_t>> tables(static_cast<std::size_t>(max_b));
  std::vector<std::vector<std::int32_t>> prompts(static_cast<std::size_t>(max_b));
  for (int s = 0; s < max_b; ++s) {
    for (int b = 0; b < blocks_per_seq; ++b) tables[static_cast<std::size_t>(s)].push_back(s * blocks_per_seq + b);
    for (int p = 0; p < pos; ++p) prompts[static_cast<std::size_t>(s)].push_back(3 + static_cast<std::int32_t>(rng() % (n_vocab - 3)));
  }
  // Fill each sequence's KV cache for positions [0, pos); time the first one as the prefill reference.
  double prefill_ms = 0;
  for (int s = 0; s < max_b; ++s) {
    const model::BatchItem item{.tokens = prompts[static_cast<std::size_t>(s)], .pos0 = 0,
                                .block_table = tables[static_cast<std::size_t>(s)], .want_logits = true};
    const auto t0 = Clock::now();
    if (auto st = fwd.forward({&item, 1}, kv, logits); !st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      return 1;
    }
    if (s == 0) prefill_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  }

  std::vector<std::int32_t> next_tok(static_cast<std::size_t>(max_b), 5);
  std::vector<std::vector<double>> times(batches.size());
  for (int r = 0; r < reps; ++r) {
    for (std::size_t bi = 0; bi < batches.size(); ++bi) {
      std::vector<model::BatchItem> items;
      for (int s = 0; s < batches[bi]; ++s) {
        items.push_back({.tokens = {&next_tok[static_cast<std::size_t>(s)], 1}, .pos0 = pos,
                         .block_table = tables[static_cast<std::size_t>(s)], .want_logits = true});
      }
      const auto t0 = Clock::now();
      if (auto st = fwd.forward(items, kv, logits); !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
      }
      times[bi].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  std::printf("%s, %d threads, decode at position %d, %d rounds; prefill of %d tokens: %.2f ms/token\n", path.c_str(),
              threads, pos, reps, pos, prefill_ms / pos);
  std::printf("| sequences | step ms (median) | min | max | vs 1 sequence | ms per token |\n| --- | --- | --- | --- | --- | --- |\n");
  const double base = median(times[0]);
  for (std::size_t bi = 0; bi < batches.size(); ++bi) {
    const double med = median(times[bi]);
    std::printf("| %d | %.2f | %.2f | %.2f | %.2fx | %.2f |\n", batches[bi], med,
                *std::min_element(times[bi].begin(), times[bi].end()),
                *std::max_element(times[bi].begin(), times[bi].end()), med / base, med / batches[bi]);
  }
  return 0;
}
