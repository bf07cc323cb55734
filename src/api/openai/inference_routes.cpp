#include "api/openai/inference_routes.hpp"

#include <utility>

namespace sovra::api::openai {

void add_inference_routes(http::Router& router, std::shared_ptr<const CallFlow> flow, InferenceRouteOptions options) {
  router.add("POST", "/v1/chat/completions", chat_completions_handler(flow, options),
             {.json_body = true, .summary = "Create a chat completion (OpenAI)"});
  router.add("POST", "/v1/completions", completions_handler(std::move(flow), options),
             {.json_body = true, .summary = "Create a completion (OpenAI legacy)"});
}

void install_openai_inference(http::Router& router, InferenceWiring wiring) {
  auto flow = std::make_shared<const CallFlow>(CallFlowOptions{.router = std::move(wiring.router),
                                                               .chain = std::move(wiring.chain),
                                                               .constraints = std::move(wiring.constraints)});
  add_inference_routes(router, std::move(flow), wiring.options);
}

}  // namespace sovra::api::openai
