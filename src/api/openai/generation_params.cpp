#include "api/openai/generation_params.hpp"

#include <fmt/format.h>

#include <charconv>

namespace sovra::api::openai {
namespace {

Status parse_stop(const Fields& body, GenerationParams& out) {
  const boost::json::value* stop = body.find("stop");
  if (stop == nullptr) return {};
  const auto add = [&](const boost::json::value& v, const std::string& param) -> Status {
    if (!v.is_string()) return fail(type_error(param, "a string", v));
    const boost::json::string& s = v.get_string();
    if (s.empty())
      return fail(Error::invalid(fmt::format("Invalid '{}': a stop sequence must not be empty.", param), param));
    out.stop.emplace_back(s.data(), s.size());
    return {};
  };
  if (stop->is_string()) return add(*stop, "stop");
  if (!stop->is_array()) return fail(type_error("stop", "a string or an array of strings", *stop));
  const boost::json::array& list = stop->get_array();
  if (list.size() > kMaxStopSequences) {
    return fail(Error::invalid(
        fmt::format("Invalid 'stop': array too long. Expected an array with maximum length {}, but got an array "
                    "with length {} instead.",
                    kMaxStopSequences, list.size()),
        "stop"));
  }
  for (std::size_t i = 0; i < list.size(); ++i) SOVRA_CHECK(add(list[i], fmt::format("stop[{}]", i)));
  return {};
}

Status parse_logit_bias(const Fields& body, GenerationParams& out) {
  SOVRA_TRY(const boost::json::object* bias, body.object("logit_bias"));
  if (bias == nullptr) return {};
  if (bias->size() > kMaxLogitBias) {
    return fail(Error::invalid(fmt::format("Invalid 'logit_bias': at most {} entries are allowed.", kMaxLogitBias),
                               "logit_bias"));
  }
  for (const auto& [key, value] : *bias) {
    const std::string param = fmt::format("logit_bias.{}", std::string_view(key));
    std::int32_t token = -1;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), token);
    if (ec != std::errc() || end != key.data() + key.size() || token < 0) {
      return fail(
          Error::invalid(fmt::format("Invalid key in 'logit_bias': '{}' is not a token id (a non-negative integer).",
                                     std::string_view(key)),
                         "logit_bias"));
    }
    if (!value.is_number()) return fail(type_error(param, "a decimal", value));
    const double b = value.to_number<double>();
    if (b < -100.0 || b > 100.0) {
      return fail(Error::invalid(
          fmt::format("Invalid '{}': the bias must be between -100 and 100, but got {} instead.", param, b), param));
    }
    out.logit_bias.push_back({.token = token, .bias = static_cast<float>(b)});
  }
  return {};
}

}  // namespace

Result<GenerationParams> parse_generation_params(const Fields& body,
                                                 std::initializer_list<std::string_view> max_tokens_keys) {
  GenerationParams p;
  for (std::string_view key : max_tokens_keys) {
    SOVRA_TRY(auto max_tokens, body.integer(key, 1, INT64_MAX));
    if (max_tokens) {
      p.max_tokens = *max_tokens;
      break;
    }
  }
  SOVRA_TRY(auto n, body.integer("n", 1, kMaxChoices));
  if (n) p.n = static_cast<std::int32_t>(*n);
  SOVRA_TRY(auto temperature, body.number("temperature", 0.0, 2.0));
  if (temperature) p.temperature = static_cast<float>(*temperature);
  SOVRA_TRY(auto top_p, body.number("top_p", 0.0, 1.0));
  if (top_p) {
    // top_p 0 means "only the most likely token" to OpenAI; the sampler wants (0, 1].
    p.top_p = *top_p == 0.0 ? 1.0f : static_cast<float>(*top_p);
    if (*top_p == 0.0) p.top_k = 1;
  }
  SOVRA_TRY(auto presence, body.number("presence_penalty", -2.0, 2.0));
  if (presence) p.presence_penalty = static_cast<float>(*presence);
  SOVRA_TRY(auto frequency, body.number("frequency_penalty", -2.0, 2.0));
  if (frequency) p.frequency_penalty = static_cast<float>(*frequency);
  SOVRA_TRY(auto seed, body.integer("seed", INT64_MIN, INT64_MAX));
  if (seed) p.seed = static_cast<std::uint64_t>(*seed);
  // vLLM's extensions: top_k -1 or 0 is off.
  SOVRA_TRY(auto top_k, body.integer("top_k", -1, INT32_MAX));
  if (top_k && *top_k > 0) p.top_k = static_cast<std::int32_t>(*top_k);
  SOVRA_TRY(auto min_p, body.number("min_p", 0.0, 1.0));
  if (min_p) p.min_p = static_cast<float>(*min_p);
  SOVRA_TRY(auto repetition, body.number("repetition_penalty", 1e-3, 100.0));
  if (repetition) p.repetition_penalty = static_cast<float>(*repetition);
  SOVRA_CHECK(parse_stop(body, p));
  SOVRA_CHECK(parse_logit_bias(body, p));
  return p;
}

}  // namespace sovra::api::openai
