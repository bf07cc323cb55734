#include "app/inference_wiring.hpp"

#include "api/anthropic/routes.hpp"
#include "api/call_flow.hpp"
#include "api/openai/embedding_routes.hpp"
#include "api/openai/inference_routes.hpp"
#include "app/audit_wiring.hpp"
#include "app/metering_wiring.hpp"
#include "app/platform_wiring.hpp"
#include "gateway/call.hpp"

namespace sovra::app {

Status install_inference(http::Router& router, const InferenceInputs& in) {
  auto chain = std::make_shared<gateway::CallChain>();
  api::CallFlowOptions options{.router = in.router, .chain = chain};
  if (in.platform != nullptr) {
    const AuditWiring& audit = in.platform->audit();
    SOVRA_CHECK(audit.check_deployments(in.deployments));
    if (auto hook = audit.call_hook()) chain->add(hook);
    chain->add(audit.content_hook());  // no ticket unless the project opted in
    if (in.metering) in.metering->add_hooks(*chain);
    if (auto hook = in.platform->rate_limit_hook()) chain->add(hook);
    options.router = audit.guard(in.router);
    options.constraints = audit.constraints();
    options.on_refusal = audit.refusal_recorder();
    options.retain_content = audit.retain_content();
  }
  auto flow = std::make_shared<const api::CallFlow>(std::move(options));
  const auto queue = static_cast<std::size_t>(in.config.server.sse_queue_events);
  api::openai::add_inference_routes(router, flow);
  api::anthropic::add_anthropic_routes(router, flow, {.sse_queue_events = queue});
  api::openai::add_embedding_routes(router, flow);
  return {};
}

}  // namespace sovra::app
