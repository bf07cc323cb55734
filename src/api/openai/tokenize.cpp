#include "api/openai/tokenize.hpp"

#include <fmt/format.h>

#include "api/openai/error.hpp"
#include "api/openai/tokenize_request.hpp"
#include "common/json.hpp"
#include "common/json_escape.hpp"

namespace sovra::api::openai {

namespace {

using Deps = std::shared_ptr<const TokenizeRoutesDeps>;

Result<std::shared_ptr<const routing::PromptTokenizer>> find_model(const TokenizeRoutesDeps& deps,
                                                                   const std::string& requested) {
  std::string model = requested;
  if (model.empty()) {
    if (deps.models.size() != 1) {
      return fail(Error::invalid("Missing required parameter: 'model'.", "model"));
    }
    model = deps.models.front();
  }
  auto found = deps.find ? deps.find(model) : nullptr;
  if (!found) {
    Error e = Error::not_found(fmt::format("The model '{}' does not exist or you do not have access to it.", model));
    e.param = "model";
    e.api_code = "model_not_found";
    return fail(std::move(e));
  }
  return found;
}

std::string tokenize_json(const std::vector<std::int32_t>& tokens, std::int64_t max_model_len,
                          const std::vector<std::string>* strs) {
  std::string out = fmt::format(R"({{"count":{},"max_model_len":{},"tokens":[)", tokens.size(), max_model_len);
  for (std::size_t i = 0; i < tokens.size(); ++i) fmt::format_to(std::back_inserter(out), "{}{}", i ? "," : "", tokens[i]);
  out += ']';
  if (strs != nullptr) {
    out += R"(,"token_strs":[)";
    for (std::size_t i = 0; i < strs->size(); ++i) {
      out += i ? ",\"" : "\"";
      append_json_escaped(out, (*strs)[i]);
      out += '"';
    }
    out += ']';
  }
  out += '}';
  return out;
}

http::Response tokenize(const TokenizeRoutesDeps& deps, const http::Request& request) {
  auto body = parse_json(request.body);
  if (!body) return error_response(body.error());
  auto req = parse_tokenize_request(*body);
  if (!req) return error_response(req.error());
  auto model = find_model(deps, req->model);
  if (!model) return error_response(model.error());
  const routing::PromptTokenizer& t = **model;
  auto tokens = req->prompt
                    ? t.tokenize_text(*req->prompt, req->add_special_tokens.value_or(true))
                    : t.tokenize_chat(*req->chat, {.add_generation_prompt = req->add_generation_prompt,
                                                   .add_special_tokens = req->add_special_tokens});
  if (!tokens) return error_response(tokens.error());
  if (!req->return_token_strs) return http::Response::json(200, tokenize_json(*tokens, t.max_model_len(), nullptr));
  std::vector<std::string> strs;
  strs.reserve(tokens->size());
  for (const std::int32_t id : *tokens) {
    auto piece = t.detokenize(std::span<const std::int32_t>(&id, 1));
    strs.push_back(piece ? std::move(*piece) : std::string());
  }
  return http::Response::json(200, tokenize_json(*tokens, t.max_model_len(), &strs));
}

http::Response detokenize(const TokenizeRoutesDeps& deps, const http::Request& request) {
  auto body = parse_json(request.body);
  if (!body) return error_response(body.error());
  auto req = parse_detokenize_request(*body);
  if (!req) return error_response(req.error());
  auto model = find_model(deps, req->model);
  if (!model) return error_response(model.error());
  auto text = (*model)->detokenize(req->tokens);
  if (!text) return error_response(text.error());
  std::string out = R"({"prompt":")";
  append_json_escaped(out, *text);
  out += "\"}";
  return http::Response::json(200, std::move(out));
}

}  // namespace

void add_tokenize_routes(http::Router& router, TokenizeRoutesDeps deps) {
  const Deps shared = std::make_shared<const TokenizeRoutesDeps>(std::move(deps));
  for (const char* prefix : {"", "/v1"}) {
    router.add("POST", fmt::format("{}/tokenize", prefix),
               [shared](http::Request& r) { return tokenize(*shared, r); },
               {.json_body = true, .summary = "Tokenize a prompt or a conversation (vLLM's shape)"});
    router.add("POST", fmt::format("{}/detokenize", prefix),
               [shared](http::Request& r) { return detokenize(*shared, r); },
               {.json_body = true, .summary = "Token ids back to text (vLLM's shape)"});
  }
}

}  // namespace sovra::api::openai
