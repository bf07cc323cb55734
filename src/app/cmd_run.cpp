// `sovra run`: generate text from a prompt with the embedded engine, one sequence, on this machine.
#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "app/command.hpp"
#include "common/json_escape.hpp"
#include "engine/sampling/sampler.hpp"
#include "model/model.hpp"
#include "tokenizer/load.hpp"

namespace sovra::app {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct RunOptions {
  std::string model;
  std::string prompt;
  int n_predict = 128;
  float temperature = 0.8f;
  int top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  std::uint64_t seed = 0;
  int threads = 0;
  int ctx = 2048;
  bool json = false;
  bool no_bos = false;
};

std::uint64_t peak_rss_bytes() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string ids_json(const std::vector<std::int32_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}

int run(const RunOptions& o) {
  const auto t_load = Clock::now();
  auto model = model::Model::load(o.model);
  if (!model) {
    std::cerr << "sovra: " << model.error().message << "\n";
    return 1;
  }
  auto tok = tokenizer::load_from_gguf((*model)->gguf());
  if (!tok) {
    std::cerr << "sovra: " << tok.error().message << "\n";
    return 1;
  }
  const auto& tk = **tok;
  std::vector<std::int32_t> prompt = tk.encode(o.prompt, !o.no_bos && tk.add_bos());
  if (prompt.empty()) {
    std::cerr << "sovra: the prompt is empty and the model has no BOS token\n";
    return 2;
  }
  const int ctx = std::max<int>(o.ctx, static_cast<int>(prompt.size()) + o.n_predict);
  model::Context context(**model, {.n_ctx = ctx, .n_threads = o.threads});
  sampling::SamplerParams sp{.temperature = o.temperature,
                             .top_k = o.top_k,
                             .top_p = o.top_p,
                             .min_p = o.min_p,
                             .repetition_penalty = o.repeat_penalty,
                             .seed = o.seed};
  if (tk.eos_id() >= 0) sp.stop_token_ids.push_back(tk.eos_id());
  auto sampler = sampling::Sampler::create(sp);
  if (!sampler) {
    std::cerr << "sovra: " << sampler.error().message << "\n";
    return 2;
  }
  const double load_ms = ms_since(t_load);

  const auto t_prompt = Clock::now();
  auto logits = context.eval(prompt);
  if (!logits) {
    std::cerr << "sovra: " << logits.error().message << "\n";
    return 1;
  }
  const double prompt_ms = ms_since(t_prompt);

  std::vector<std::int32_t> all = prompt;
  std::vector<std::int32_t> generated;
  std::string printed;
  std::string finish = "length";
  const auto t_gen = Clock::now();
  for (int i = 0; i < o.n_predict; ++i) {
    auto next = sampler->sample(*logits, all);
    if (!next) {
      std::cerr << "sovra: " << next.error().message << "\n";
      return 1;
    }
    if (next->finish == sampling::FinishReason::kStopToken) {
      finish = "stop";
      break;
    }
    generated.push_back(next->token);
    all.push_back(next->token);
    if (!o.json) {
      // Print the newly completed text; decoding the whole tail keeps multi-byte characters intact.
      const std::string text = tk.decode(generated);
      if (text.size() > printed.size() && text.compare(0, printed.size(), printed) == 0) {
        std::cout << text.substr(printed.size()) << std::flush;
        printed = text;
      }
    }
    if (i + 1 == o.n_predict) break;
    const std::int32_t one[] = {next->token};
    logits = context.eval(one);
    if (!logits) {
      std::cerr << "\nsovra: " << logits.error().message << "\n";
      return 1;
    }
  }
  const double gen_ms = ms_since(t_gen);
  const double pp_tps = prompt.size() / (prompt_ms / 1000.0);
  const double tg_tps = generated.empty() ? 0.0 : generated.size() / (gen_ms / 1000.0);
  if (o.json) {
    std::string text;
    append_json_escaped(text, tk.decode(generated));
    std::cout << "{\"model\":\"";
    std::string m;
    append_json_escaped(m, o.model);
    std::cout << m << "\",\"prompt_token_ids\":" << ids_json(prompt) << ",\"token_ids\":" << ids_json(generated)
              << ",\"text\":\"" << text << "\",\"finish_reason\":\"" << finish
              << "\",\"timings\":{\"load_ms\":" << load_ms << ",\"prompt_ms\":" << prompt_ms
              << ",\"prompt_tokens_per_s\":" << pp_tps << ",\"generation_ms\":" << gen_ms
              << ",\"generation_tokens_per_s\":" << tg_tps << "},\"memory\":{\"peak_rss_bytes\":" << peak_rss_bytes()
              << ",\"kv_cache_bytes\":" << context.kv_bytes() << "}}\n";
  } else {
    std::cout << "\n";
    std::cerr << "prompt: " << prompt.size() << " tokens, " << pp_tps << " t/s; generation: " << generated.size()
              << " tokens, " << tg_tps << " t/s (" << finish << ")\n";
  }
  return 0;
}

const CommandRegistration kRun([](CLI::App& root, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = root.add_subcommand("run", "Generate text from a prompt with a GGUF model");
  cmd->add_option("-m,--model", o->model, "GGUF model file")->required();
  cmd->add_option("-p,--prompt", o->prompt, "prompt text");
  cmd->add_option("-n,--n-predict", o->n_predict, "tokens to generate")->capture_default_str();
  cmd->add_option("--temp", o->temperature, "temperature (0: greedy)")->capture_default_str();
  cmd->add_option("--top-k", o->top_k, "top-k (0: off)")->capture_default_str();
  cmd->add_option("--top-p", o->top_p, "top-p")->capture_default_str();
  cmd->add_option("--min-p", o->min_p, "min-p")->capture_default_str();
  cmd->add_option("--repeat-penalty", o->repeat_penalty, "repetition penalty (1: off)")->capture_default_str();
  cmd->add_option("-s,--seed", o->seed, "random seed")->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "compute threads (0: all cores)");
  cmd->add_option("-c,--ctx", o->ctx, "context size")->capture_default_str();
  cmd->add_flag("--no-bos", o->no_bos, "do not prepend the BOS token");
  cmd->add_flag("--json", o->json, "print prompt and generated token ids, text and timings as JSON");
  cmd->callback([o, &exit_code] { exit_code = run(*o); });
});

}  // namespace
}  // namespace sovra::app
