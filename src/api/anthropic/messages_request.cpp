#include "api/anthropic/messages_request.hpp"

#include <fmt/format.h>

#include <limits>

#include "api/anthropic/fields.hpp"

namespace sovra::api::anthropic {
namespace {

constexpr std::size_t kMaxUserId = 256;
constexpr std::int64_t kMaxTokensLimit = std::numeric_limits<std::int32_t>::max();

Status parse_metadata(const Fields& body, ChatRequest& out) {
  SOVRA_TRY(const boost::json::object* metadata, body.object("metadata"));
  if (metadata == nullptr) return {};
  const Fields f(*metadata, "metadata");
  for (const auto& [key, value] : *metadata) {
    if (key != "user_id") return fail(field_error(f.param(key), "Extra inputs are not permitted"));
  }
  SOVRA_TRY(auto user, f.string("user_id"));
  if (user) {
    if (user->size() > kMaxUserId) {
      return fail(field_error(f.param("user_id"), fmt::format("String should have at most {} characters", kMaxUserId)));
    }
    out.user = *user;
  }
  return {};
}

Status parse_stop_sequences(const Fields& body, GenerationParams& params) {
  SOVRA_TRY(const boost::json::array* stops, body.array("stop_sequences"));
  if (stops == nullptr) return {};
  if (stops->size() > kMaxStopSequences) {
    return fail(field_error("stop_sequences", fmt::format("List should have at most {} items", kMaxStopSequences)));
  }
  for (std::size_t i = 0; i < stops->size(); ++i) {
    const boost::json::value& v = (*stops)[i];
    const std::string path = join_path("stop_sequences", i);
    if (!v.is_string()) return fail(kind_error(path, "string"));
    if (v.get_string().empty()) return fail(field_error(path, "stop sequences must be non-empty"));
    params.stop.emplace_back(v.get_string().data(), v.get_string().size());
  }
  return {};
}

Status parse_thinking(const Fields& body, ChatRequest& out) {
  SOVRA_TRY(const boost::json::object* thinking, body.object("thinking"));
  if (thinking == nullptr) return {};
  const Fields f(*thinking, "thinking");
  SOVRA_TRY(std::string_view type, f.required_string("type"));
  if (type == "disabled") {
    out.enable_thinking = false;
    return {};
  }
  if (type != "enabled") return fail(field_error(f.param("type"), "Input should be 'enabled' or 'disabled'"));
  SOVRA_TRY(auto budget, f.integer("budget_tokens", kMinThinkingBudget, kMaxTokensLimit));
  if (!budget) return fail(field_error(f.param("budget_tokens"), "Field required"));
  if (out.params.max_tokens && *budget >= *out.params.max_tokens) {
    return fail(field_error("max_tokens", "`max_tokens` must be greater than `thinking.budget_tokens`"));
  }
  out.enable_thinking = true;
  out.thinking_budget_tokens = *budget;
  return {};
}

Status parse_sampling(const Fields& body, ChatRequest& out) {
  SOVRA_TRY(auto max_tokens, body.integer("max_tokens", 1, kMaxTokensLimit));
  if (!max_tokens) return fail(field_error("max_tokens", "Field required"));
  out.params.max_tokens = *max_tokens;
  SOVRA_TRY(auto temperature, body.number("temperature", 0.0, 1.0));
  if (temperature) out.params.temperature = static_cast<float>(*temperature);
  SOVRA_TRY(auto top_p, body.number("top_p", 0.0, 1.0));
  if (top_p) out.params.top_p = static_cast<float>(*top_p);
  SOVRA_TRY(auto top_k, body.integer("top_k", 0, std::numeric_limits<std::int32_t>::max()));
  if (top_k) out.params.top_k = static_cast<std::int32_t>(*top_k);
  SOVRA_CHECK(parse_stop_sequences(body, out.params));
  SOVRA_TRY(auto stream, body.boolean("stream"));
  out.stream = stream.value_or(false);
  out.include_usage = out.stream;  // Anthropic streams always end with usage (message_delta)
  return parse_metadata(body, out);
}

}  // namespace

Result<ChatRequest> parse_messages_request(const boost::json::value& body, RequestKind kind) {
  if (!body.is_object()) return fail(Error::invalid("The request body must be a JSON object."));
  const boost::json::object& object = body.get_object();
  const Fields fields(object, "");
  ChatRequest out;
  SOVRA_TRY(std::string_view model, fields.required_string("model"));
  if (model.empty()) return fail(field_error("model", "String should have at least 1 character"));
  out.model = model;
  if (kind == RequestKind::kMessages) SOVRA_CHECK(parse_sampling(fields, out));
  SOVRA_CHECK(parse_system(object.if_contains("system"), out));
  SOVRA_CHECK(parse_messages(object.if_contains("messages"), out));
  SOVRA_CHECK(parse_tools(object, out));
  SOVRA_CHECK(parse_thinking(fields, out));
  return out;
}

}  // namespace sovra::api::anthropic
