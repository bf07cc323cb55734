#pragma once
// GET /v1/models and GET /v1/models/{id} for Anthropic clients (they send `anthropic-version`): Anthropic's model
// objects {"type":"model","id","display_name","created_at"} and its paginated list
// {"data","has_more","first_id","last_id"} with `limit` (1-1000, default 20), `after_id` and `before_id`.
// api/openai/models.cpp answers OpenAI clients and hands Anthropic ones to these functions.
#include <string_view>
#include <vector>

#include "api/types/model_info.hpp"
#include "http/message.hpp"

namespace sovra::api::anthropic {

bool is_anthropic_client(const http::Request& request);

http::Response model_list_response(const http::Request& request, const std::vector<ModelInfo>& models);
http::Response model_response(const http::Request& request, const std::vector<ModelInfo>& models, std::string_view id);

}  // namespace sovra::api::anthropic
