#include "api/openai/completion_request.hpp"

#include <fmt/format.h>

#include "api/openai/fields.hpp"
#include "api/openai/generation_params.hpp"

namespace sovra::api::openai {
namespace {

constexpr std::string_view kPromptTypes =
    "a string, an array of strings, an array of integers or an array of arrays "
    "of integers";

Result<std::vector<Prompt>> parse_prompts(const Fields& body) {
  const boost::json::value* prompt = body.find("prompt");
  if (prompt == nullptr) return fail(Error::invalid("Missing required parameter: 'prompt'.", "prompt"));
  std::vector<Prompt> out;
  if (prompt->is_string()) {
    out.emplace_back(std::string(prompt->get_string()));
    return out;
  }
  if (!prompt->is_array()) return fail(type_error("prompt", kPromptTypes, *prompt));
  const boost::json::array& list = prompt->get_array();
  if (list.empty()) return fail(Error::invalid("Invalid 'prompt': empty array.", "prompt"));
  // An array of integers is one tokenized prompt; otherwise each element is a prompt.
  if (list.front().is_number()) {
    SOVRA_TRY(auto ids, parse_token_ids(list, "prompt"));
    out.emplace_back(std::move(ids));
    return out;
  }
  if (list.size() > kMaxPrompts) {
    return fail(
        Error::invalid(fmt::format("Invalid 'prompt': at most {} prompts are allowed.", kMaxPrompts), "prompt"));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = fmt::format("prompt[{}]", i);
    if (list[i].is_string()) {
      out.emplace_back(std::string(list[i].get_string()));
    } else if (list[i].is_array()) {
      SOVRA_TRY(auto ids, parse_token_ids(list[i].get_array(), path));
      out.emplace_back(std::move(ids));
    } else {
      return fail(type_error(path, "a string or an array of integers", list[i]));
    }
  }
  return out;
}

}  // namespace

Result<TextCompletionRequest> parse_completion_request(const boost::json::value& body) {
  if (!body.is_object()) {
    return fail(Error::invalid(fmt::format("The request body must be a JSON object, but got {}.", json_kind(body))));
  }
  const Fields fields(body.get_object(), "");
  TextCompletionRequest out;
  SOVRA_TRY(std::string_view model, fields.required_string("model"));
  out.model = model;
  SOVRA_TRY(out.prompts, parse_prompts(fields));
  SOVRA_TRY(out.params, parse_generation_params(fields, {"max_tokens"}));
  // The legacy default is 16 tokens, unlike chat's "until the context ends".
  if (!out.params.max_tokens) out.params.max_tokens = 16;
  SOVRA_TRY(auto logprobs, fields.integer("logprobs", 0, kMaxLegacyLogprobs));
  if (logprobs) {
    out.params.logprobs = true;
    out.params.top_logprobs = static_cast<std::int32_t>(*logprobs);
  }
  SOVRA_TRY(auto echo, fields.boolean("echo"));
  out.echo = echo.value_or(false);
  SOVRA_TRY(auto suffix, fields.string("suffix"));
  if (suffix && !suffix->empty()) {
    return fail(Error::invalid("'suffix' (fill-in-the-middle) is not supported by this server.", "suffix"));
  }
  SOVRA_TRY(auto best_of, fields.integer("best_of", 1, 20));
  if (best_of && *best_of > 1) {
    return fail(Error::invalid("'best_of' greater than 1 is not supported by this server; use 'n'.", "best_of"));
  }
  SOVRA_TRY(auto stream, fields.boolean("stream"));
  out.stream = stream.value_or(false);
  SOVRA_TRY(const boost::json::object* options, fields.object("stream_options"));
  if (options != nullptr) {
    if (!out.stream) {
      return fail(
          Error::invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"));
    }
    SOVRA_TRY(auto include_usage, Fields(*options, "stream_options").boolean("include_usage"));
    out.include_usage = include_usage.value_or(false);
  }
  SOVRA_TRY(auto user, fields.string("user"));
  if (user) out.user = *user;
  return out;
}

}  // namespace sovra::api::openai
