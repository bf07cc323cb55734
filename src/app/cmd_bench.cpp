// `sovra bench`: prompt-processing and generation speed, measured like llama-bench (pp: one batch of N tokens
// from an empty context; tg: N single-token steps from an empty context), mean ± standard deviation over
// repetitions after a warm-up.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "app/command.hpp"
#include "model/model.hpp"

namespace sovra::app {
namespace {

struct BenchOptions {
  std::string model;
  int n_prompt = 128;
  int n_gen = 64;
  int threads = 0;
  int reps = 5;
  bool json = false;
};

struct Stat {
  double mean = 0, stddev = 0;
};

Stat stats(const std::vector<double>& v) {
  Stat s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.stddev += (x - s.mean) * (x - s.mean);
  s.stddev = v.size() > 1 ? std::sqrt(s.stddev / static_cast<double>(v.size() - 1)) : 0.0;
  return s;
}

int bench(const BenchOptions& o) {
  auto model = model::Model::load(o.model);
  if (!model) {
    std::cerr << "sovra: " << model.error().message << "\n";
    return 1;
  }
  const auto& hp = (*model)->hparams();
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  model::Context ctx(
      **model, {.n_ctx = std::max(o.n_prompt, o.n_gen) + 1, .n_threads = threads, .n_batch = std::max(1, o.n_prompt)});
  std::mt19937 rng(42);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(std::max(o.n_prompt, o.n_gen)));
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng() % hp.n_vocab);

  auto time_pp = [&]() -> double {
    ctx.reset();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = ctx.eval(std::span<const std::int32_t>(tokens.data(), static_cast<std::size_t>(o.n_prompt)));
    if (!r) return -1;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto time_tg = [&]() -> double {
    ctx.reset();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.n_gen; ++i) {
      if (!ctx.eval(std::span<const std::int32_t>(&tokens[static_cast<std::size_t>(i)], 1))) return -1;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<double> pp, tg;
  if (o.n_prompt > 0) {
    time_pp();  // warm-up: page in the weights
    for (int r = 0; r < o.reps; ++r) pp.push_back(o.n_prompt / time_pp());
  }
  if (o.n_gen > 0) {
    time_tg();
    for (int r = 0; r < o.reps; ++r) tg.push_back(o.n_gen / time_tg());
  }
  const double gib = static_cast<double>((*model)->weight_bytes()) / (1024.0 * 1024.0 * 1024.0);
  if (o.json) {
    std::printf("{\"model\":\"%s\",\"threads\":%d,\"weight_bytes\":%llu", o.model.c_str(), threads,
                static_cast<unsigned long long>((*model)->weight_bytes()));
    if (!pp.empty())
      std::printf(",\"pp\":{\"n\":%d,\"tps\":%.3f,\"stddev\":%.3f}", o.n_prompt, stats(pp).mean, stats(pp).stddev);
    if (!tg.empty())
      std::printf(",\"tg\":{\"n\":%d,\"tps\":%.3f,\"stddev\":%.3f}", o.n_gen, stats(tg).mean, stats(tg).stddev);
    std::printf("}\n");
  } else {
    std::printf("| model | size | threads | test | t/s |\n| --- | --- | --- | --- | --- |\n");
    if (!pp.empty())
      std::printf("| %s | %.2f GiB | %d | pp%d | %.2f ± %.2f |\n", hp.arch.c_str(), gib, threads, o.n_prompt,
                  stats(pp).mean, stats(pp).stddev);
    if (!tg.empty())
      std::printf("| %s | %.2f GiB | %d | tg%d | %.2f ± %.2f |\n", hp.arch.c_str(), gib, threads, o.n_gen,
                  stats(tg).mean, stats(tg).stddev);
  }
  return 0;
}

const CommandRegistration kBench([](CLI::App& root, int& exit_code) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = root.add_subcommand("bench", "Measure prompt-processing and generation speed (like llama-bench)");
  cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
  cmd->add_option("-p,--n-prompt", o->n_prompt, "prompt tokens (0: skip)")->capture_default_str();
  cmd->add_option("-n,--n-gen", o->n_gen, "generated tokens (0: skip)")->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "threads (0: all cores)");
  cmd->add_option("-r,--repetitions", o->reps, "repetitions")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([o, &exit_code] { exit_code = bench(*o); });
});

}  // namespace
}  // namespace sovra::app
