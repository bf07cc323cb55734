#pragma once
// GET /v1/models and GET /v1/models/{id}: OpenAI's model list and model object, with Sovra's extra fields
// (context_length, architecture, quantization, parameters, capabilities) that OpenAI's SDKs pass through.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/types/model_info.hpp"
#include "http/router.hpp"

namespace sovra::api::openai {

std::string encode_model(const ModelInfo& model);
std::string encode_model_list(const std::vector<ModelInfo>& models);

// Registers both routes. The catalog is fixed for the process's life (models are configured at start-up).
// The prices in force now of a model (empty: unpriced); see platform/pricing.
using PricesOf = std::function<std::vector<ModelPrice>(std::string_view model)>;
void add_model_routes(http::Router& router, std::shared_ptr<const std::vector<ModelInfo>> catalog,
                      PricesOf prices_of = {});

}  // namespace sovra::api::openai
