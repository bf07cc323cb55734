#include "api/openai/chat_request.hpp"

#include <fmt/format.h>

#include "api/openai/fields.hpp"
#include "api/openai/generation_params.hpp"

namespace sovra::api::openai {
namespace {

constexpr std::size_t kMaxMetadataKey = 64;
constexpr std::size_t kMaxMetadataValue = 512;

Status parse_metadata(const Fields& body, ChatRequest& out) {
  SOVRA_TRY(const boost::json::object* metadata, body.object("metadata"));
  if (metadata == nullptr) return {};
  if (metadata->size() > kMaxMetadataPairs) {
    return fail(Error::invalid(
        fmt::format("Invalid 'metadata': at most {} key-value pairs are allowed.", kMaxMetadataPairs), "metadata"));
  }
  for (const auto& [key, value] : *metadata) {
    const std::string param = fmt::format("metadata.{}", std::string_view(key));
    if (key.size() > kMaxMetadataKey) {
      return fail(Error::invalid(
          fmt::format("Invalid 'metadata': keys are at most {} characters long.", kMaxMetadataKey), "metadata"));
    }
    if (!value.is_string()) return fail(type_error(param, "a string", value));
    if (value.get_string().size() > kMaxMetadataValue) {
      return fail(Error::invalid(
          fmt::format("Invalid '{}': values are at most {} characters long.", param, kMaxMetadataValue), param));
    }
    out.metadata.emplace(std::string(key), std::string(value.get_string()));
  }
  return {};
}

Status parse_logprobs(const Fields& body, GenerationParams& params) {
  SOVRA_TRY(auto logprobs, body.boolean("logprobs"));
  params.logprobs = logprobs.value_or(false);
  SOVRA_TRY(auto top, body.integer("top_logprobs", 0, kMaxTopLogprobs));
  if (top) {
    if (!params.logprobs && *top > 0) {
      return fail(Error::invalid("Invalid 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
                                 "top_logprobs"));
    }
    params.top_logprobs = static_cast<std::int32_t>(*top);
  }
  return {};
}

Status parse_stream(const Fields& body, ChatRequest& out) {
  SOVRA_TRY(auto stream, body.boolean("stream"));
  out.stream = stream.value_or(false);
  SOVRA_TRY(const boost::json::object* options, body.object("stream_options"));
  if (options == nullptr) return {};
  if (!out.stream) {
    return fail(
        Error::invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"));
  }
  SOVRA_TRY(auto include_usage, Fields(*options, "stream_options").boolean("include_usage"));
  out.include_usage = include_usage.value_or(false);
  return {};
}

}  // namespace

Result<ChatRequest> parse_chat_request(const boost::json::value& body) {
  if (!body.is_object()) {
    return fail(Error::invalid(fmt::format("The request body must be a JSON object, but got {}.", json_kind(body))));
  }
  const boost::json::object& object = body.get_object();
  const Fields fields(object, "");
  ChatRequest out;
  SOVRA_TRY(std::string_view model, fields.required_string("model"));
  out.model = model;
  SOVRA_TRY(out.messages, parse_chat_messages(object.if_contains("messages")));
  SOVRA_TRY(out.params, parse_generation_params(fields, {"max_completion_tokens", "max_tokens"}));
  SOVRA_CHECK(parse_logprobs(fields, out.params));
  SOVRA_CHECK(parse_chat_tools(object, out));
  SOVRA_CHECK(parse_response_format(object, out));
  SOVRA_CHECK(parse_stream(fields, out));
  SOVRA_TRY(auto user, fields.string("user"));
  if (user) out.user = *user;
  SOVRA_CHECK(parse_metadata(fields, out));
  return out;
}

}  // namespace sovra::api::openai
