#include "routing/generation_request.hpp"

#include <random>

#include <fmt/format.h>

namespace sovra::routing {

namespace {

Error context_error(std::string message, std::string_view param) {
  Error e = Error::invalid(std::move(message), std::string(param));
  e.api_code = "context_length_exceeded";
  return e;
}

}  // namespace

Result<std::int32_t> completion_budget(const LocalModel& model, std::size_t prompt_tokens,
                                       const std::optional<std::int64_t>& max_tokens, std::string_view prompt_param) {
  const std::int64_t ctx = model.context_length();
  const auto prompt = static_cast<std::int64_t>(prompt_tokens);
  const char* what = prompt_param == "messages" ? "messages" : "prompt";
  if (prompt_tokens == 0) return fail(Error::invalid("the prompt is empty", std::string(prompt_param)));
  if (max_tokens) {
    if (prompt + *max_tokens > ctx) {
      return fail(context_error(
          fmt::format("This model's maximum context length is {} tokens. However, you requested {} tokens ({} in "
                      "the {}, {} in the completion). Please reduce the length of the {} or completion.",
                      ctx, prompt + *max_tokens, prompt, what, *max_tokens, what),
          prompt_param));
    }
    return static_cast<std::int32_t>(*max_tokens);
  }
  if (prompt >= ctx) {
    return fail(context_error(
        fmt::format("This model's maximum context length is {} tokens. However, your {} resulted in {} tokens. "
                    "Please reduce the length of the {}.",
                    ctx, what, prompt, what),
        prompt_param));
  }
  return static_cast<std::int32_t>(ctx - prompt);
}

Status check_logit_bias(const LocalModel& model, const api::GenerationParams& params) {
  for (const api::TokenBias& b : params.logit_bias) {
    if (b.token < 0 || b.token >= model.vocab_size()) {
      return fail(Error::invalid(fmt::format("Invalid 'logit_bias': token {} is outside the vocabulary of model '{}' "
                                             "({} tokens).",
                                             b.token, model.name(), model.vocab_size()),
                                 "logit_bias"));
    }
  }
  return {};
}

engine::GenerationRequest generation_request(const LocalModel& model, const api::GenerationParams& params,
                                             std::vector<TokenId> prompt, std::int32_t max_tokens,
                                             std::uint64_t seed, std::size_t choice) {
  engine::GenerationRequest r;
  r.prompt_tokens = std::move(prompt);
  r.max_tokens = max_tokens;
  r.stop = params.stop;
  sampling::SamplerParams& s = r.sampling;
  s.temperature = params.temperature;
  s.top_p = params.top_p;
  s.top_k = params.top_k;
  s.min_p = params.min_p;
  s.repetition_penalty = params.repetition_penalty;
  s.presence_penalty = params.presence_penalty;
  s.frequency_penalty = params.frequency_penalty;
  for (const api::TokenBias& b : params.logit_bias) s.logit_bias.push_back({.token = b.token, .bias = b.bias});
  s.seed = seed + choice;
  s.stop_token_ids = model.end_of_turn();
  s.logprobs = params.logprobs;
  s.top_logprobs = params.logprobs ? params.top_logprobs : 0;
  return r;
}

std::uint64_t random_seed() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace sovra::routing
