// Per-token overhead of grammar-constrained decoding (src/engine/sampling/grammar) on a real 32k vocabulary,
// against unconstrained sampling of the same logits in the same run. See bench/grammar/README.md.
//
// usage: bench_grammar [vocab.gguf]   (default: ../shared/models/vocab/ggml-vocab-llama-spm.gguf; a synthetic
//                                      32000-token vocabulary when the file is absent)
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "engine/sampling/grammar/constraint.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "engine/sampling/sampler.hpp"
#include "gguf/reader.hpp"
#include "tokenizer/load.hpp"

namespace {

using namespace sovra;
using namespace sovra::sampling;
using namespace sovra::sampling::grammar;
// Thread CPU time: the build machine is shared, so wall time would count other processes' time slices.
struct Clock {
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<Clock, duration>;
  static time_point now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec));
  }
};

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<TokenId> excluded;
  TokenId eos = kNoEos;
  std::string source;
};

Vocab load_vocab(const std::filesystem::path& path) {
  Vocab v;
  if (std::filesystem::exists(path)) {
    auto reader = gguf::Reader::open(path);
    if (reader) {
      auto tok = tokenizer::load_from_gguf(*reader);
      if (tok) {
        const tokenizer::Tokenizer& t = **tok;
        for (std::size_t i = 0; i < t.vocab_size(); ++i)
          v.tokens.emplace_back(t.token_to_piece(static_cast<TokenId>(i)));
        v.eos = t.eos_id();
        if (t.bos_id() != tokenizer::kNoToken) v.excluded.push_back(t.bos_id());
        v.source = path.filename().string();
        return v;
      }
    }
  }
  // Synthetic: the 256 bytes, then word-like pieces of 2-10 bytes.
  std::mt19937 rng(1);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;\"{}[]";
  for (int b = 0; b < 256; ++b) v.tokens.emplace_back(1, static_cast<char>(b));
  while (v.tokens.size() < 32000) {
    std::string s = (rng() % 2) ? " " : "";
    const std::size_t n = 2 + rng() % 9;
    while (s.size() < n) s += alphabet[rng() % 52];
    v.tokens.push_back(s);
  }
  v.tokens[0] = "";
  v.eos = 0;
  v.source = "synthetic";
  return v;
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

struct Totals {
  double mask_us = 0, sample_us = 0, accept_us = 0, baseline_us = 0;
  std::size_t tokens = 0, allowed = 0;
};

// Generates documents with random logits until `budget` tokens were sampled; times each part, and the
// unconstrained sampler on the same logits as the baseline.
Totals run(const std::shared_ptr<const Grammar>& g, const std::shared_ptr<const TokenTrie>& trie, std::size_t budget) {
  Totals t;
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(trie->vocab_size());
  TokenMask mask;
  std::uint64_t seed = 1;
  while (t.tokens < budget) {
    auto constrained = Sampler::create({.temperature = 1.0f, .seed = seed});
    auto baseline = Sampler::create({.temperature = 1.0f, .seed = seed});
    ++seed;
    GrammarConstraint c(g, trie);
    for (int step = 0; step < 400 && !c.finished() && t.tokens < budget; ++step) {
      for (float& x : logits) x = normal(rng);
      const auto t0 = Clock::now();
      c.fill_mask(mask);
      const auto t1 = Clock::now();
      auto tok = constrained->sample(logits, {}, &mask);
      const auto t2 = Clock::now();
      if (!tok || !c.accept(tok->token)) {
        std::fprintf(stderr, "unexpected failure\n");
        std::exit(1);
      }
      const auto t3 = Clock::now();
      auto base = baseline->sample(logits, {});
      const auto t4 = Clock::now();
      if (!base) std::exit(1);
      t.mask_us += micros(t1 - t0);
      t.sample_us += micros(t2 - t1);
      t.accept_us += micros(t3 - t2);
      t.baseline_us += micros(t4 - t3);
      t.allowed += mask.count();
      ++t.tokens;
    }
  }
  return t;
}

struct StateTiming {
  double cold_us = 0;  // a fresh constraint: every transition computed, the whole walk done
  double warm_us = 0;  // the same state again: the remembered mask
  std::size_t allowed = 0;
};

// fill_mask in one fixed state: cold (fresh constraint each time) and warm (repeated).
StateTiming mask_in_state(const std::shared_ptr<const Grammar>& g, const std::shared_ptr<const TokenTrie>& trie,
                          std::string_view prefix) {
  StateTiming t;
  TokenMask mask;
  constexpr int kReps = 50;
  for (int i = 0; i < kReps; ++i) {
    GrammarConstraint c(g, trie);
    if (!c.accept_text(prefix)) std::exit(1);
    const auto t0 = Clock::now();
    c.fill_mask(mask);
    t.cold_us += micros(Clock::now() - t0) / kReps;
    const auto t1 = Clock::now();
    c.fill_mask(mask);
    t.warm_us += micros(Clock::now() - t1) / kReps;
  }
  t.allowed = mask.count();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path path =
      argc > 1 ? std::filesystem::path(argv[1])
               : std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "vocab" / "ggml-vocab-llama-spm.gguf";
  const Vocab v = load_vocab(path);
  auto trie_r = TokenTrie::create({.tokens = v.tokens, .eos = v.eos, .excluded = v.excluded});
  if (!trie_r) return 1;
  const auto trie = std::make_shared<const TokenTrie>(std::move(trie_r).value());
  std::printf("vocabulary: %s, %zu tokens, trie %zu nodes, longest token %zu bytes\n", v.source.c_str(),
              v.tokens.size(), trie->nodes().size(), trie->max_depth());

  const char* person = R"({"type":"object","properties":{"name":{"type":"string","maxLength":40},
      "age":{"type":"integer","minimum":0,"maximum":120},"email":{"type":"string","format":"email"},
      "tags":{"type":"array","items":{"enum":["red","green","blue"]},"maxItems":4},
      "address":{"type":"object","properties":{"street":{"type":"string"},"zip":{"type":["string","null"]}},
        "required":["street","zip"],"additionalProperties":false}},
    "required":["name","age","email","tags","address"],"additionalProperties":false})";
  auto schema = parse_json(person);
  auto g_person = compile_json_schema(*schema);
  auto g_object = json_object_grammar();
  if (!g_person || !g_object) return 1;

  std::printf("\nper token, averaged over random-logit generations (thread CPU time):\n");
  std::printf("%-20s %9s %9s %11s %9s %13s %9s %9s %8s\n", "grammar", "mask", "accept", "masked smp", "total",
              "unconstrained", "overhead", "ratio", "allowed");
  for (const auto& [name, g] : {std::pair{"json_schema person", *g_person}, std::pair{"json_object", *g_object}}) {
    const Totals t = run(g, trie, 3000);
    const double n = static_cast<double>(t.tokens);
    const double total = (t.mask_us + t.sample_us + t.accept_us) / n;
    const double base = t.baseline_us / n;
    // overhead: what the grammar adds (mask + accept) over unconstrained sampling; ratio: whole step vs it.
    std::printf("%-20s %7.1fus %7.1fus %9.1fus %7.1fus %11.1fus %8.2fx %8.2fx %8.0f\n", name, t.mask_us / n,
                t.accept_us / n, t.sample_us / n, total, base, (t.mask_us + t.accept_us) / n / base, total / base,
                static_cast<double>(t.allowed) / n);
  }

  std::printf("\nfill_mask in fixed states (json_schema person): cold = first walk, warm = state seen before\n");
  for (const char* prefix : {"", "{\"name\":\"", "{\"name\":\"Ada Lovelace",
                             "{\"name\":\"A\",\"age\":", "{\"name\":\"A\",\"age\":3,\"email\":\"ada@"}) {
    const StateTiming t = mask_in_state(*g_person, trie, prefix);
    std::printf("  after %-40s cold %8.1f us  warm %6.1f us  (%zu tokens allowed)\n",
                ("'" + std::string(prefix) + "'").c_str(), t.cold_us, t.warm_us, t.allowed);
  }
  return 0;
}
