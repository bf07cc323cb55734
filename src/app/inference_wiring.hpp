#pragma once
// The inference path of a serving mode (`sovra serve`, `sovra gateway`, `sovra worker`), in one place:
//
//   CallChain:  audit (first: it also records refusals by the later hooks) → metering (usage ledger) → budget →
//               rate limits
//   CallFlow:   the model router behind the audit residency guard, the caller's residency constraints, and the
//               recorder of refusals before admission (unknown model, residency)
//   Routes:     /v1/chat/completions, /v1/completions (OpenAI), /v1/messages (+ count_tokens; Anthropic),
//               /v1/embeddings, /v1/rerank, /rerank, /v2/rerank
//
// Every handler goes through the same CallFlow, so no endpoint can skip a limit, the ledger or the audit trail.
#include <memory>

#include "common/error.hpp"
#include "config/config.hpp"
#include "http/router.hpp"
#include "routing/model_router.hpp"

namespace sovra::app {

class Platform;
class Metering;

struct InferenceInputs {
  const Config& config;
  const Platform* platform = nullptr;  // null (`sovra worker`): no audit, residency or admission of its own
  const Metering* metering = nullptr;  // null: metering disabled
  std::shared_ptr<const routing::ModelRouter> router;
  std::vector<routing::DeploymentInfo> deployments;  // for the residency start-up check
};

Status install_inference(http::Router& router, const InferenceInputs& in);

}  // namespace sovra::app
