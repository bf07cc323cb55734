#include "api/openai/tokenize_request.hpp"

#include <fmt/format.h>

#include "api/openai/chat_request.hpp"
#include "api/openai/fields.hpp"

namespace sovra::api::openai {

namespace {

Result<const boost::json::object*> body_object(const boost::json::value& body) {
  if (!body.is_object()) return fail(type_error("", "an object", body));
  return &body.get_object();
}

Result<std::string> optional_model(const Fields& fields) {
  SOVRA_TRY(auto model, fields.string("model"));
  return std::string(model.value_or(std::string_view{}));
}

}  // namespace

Result<TokenizeRequest> parse_tokenize_request(const boost::json::value& body) {
  SOVRA_TRY(const boost::json::object* object, body_object(body));
  const Fields fields(*object, "");
  TokenizeRequest out;
  SOVRA_TRY(out.model, optional_model(fields));
  SOVRA_TRY(auto special, fields.boolean("add_special_tokens"));
  out.add_special_tokens = special;
  SOVRA_TRY(auto strs, fields.boolean("return_token_strs"));
  out.return_token_strs = strs.value_or(false);
  const boost::json::value* messages = fields.find("messages");
  SOVRA_TRY(auto prompt, fields.string("prompt"));
  if ((messages != nullptr) == prompt.has_value()) {
    return fail(Error::invalid("Either 'prompt' or 'messages' must be given, not both.",
                               messages != nullptr ? "prompt" : "messages"));
  }
  if (prompt) {
    out.prompt = std::string(*prompt);
    return out;
  }
  ChatRequest chat;
  chat.model = out.model;
  SOVRA_TRY(chat.messages, parse_chat_messages(messages));
  SOVRA_CHECK(parse_chat_tools(*object, chat));
  SOVRA_TRY(auto gen, fields.boolean("add_generation_prompt"));
  out.add_generation_prompt = gen.value_or(true);
  out.chat = std::move(chat);
  return out;
}

Result<DetokenizeRequest> parse_detokenize_request(const boost::json::value& body) {
  SOVRA_TRY(const boost::json::object* object, body_object(body));
  const Fields fields(*object, "");
  DetokenizeRequest out;
  SOVRA_TRY(out.model, optional_model(fields));
  SOVRA_TRY(const boost::json::array* tokens, fields.array("tokens"));
  if (tokens == nullptr) return fail(Error::invalid("Missing required parameter: 'tokens'.", "tokens"));
  if (tokens->size() > kMaxDetokenizeTokens) {
    return fail(Error::invalid(fmt::format("Invalid 'tokens': at most {} tokens are allowed.", kMaxDetokenizeTokens),
                               "tokens"));
  }
  // An empty list detokenizes to the empty string.
  if (!tokens->empty()) {
    SOVRA_TRY(out.tokens, parse_token_ids(*tokens, "tokens"));
  }
  return out;
}

}  // namespace sovra::api::openai
