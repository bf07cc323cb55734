#pragma once
// Defence in depth around any ModelRouter: whatever the inner router answers, a deployment outside the query's
// residency constraints is never returned — the call is refused with 403 `residency_violation` instead. A router
// that applies constraints itself (the contract) never trips it; one that forgets cannot leak a call.
// Refusals are audited where CallFlow reports pre-admission refusals (CallFlowOptions::on_refusal).
#include <functional>
#include <memory>

#include "routing/model_router.hpp"

namespace sovra::gateway::residency {

std::shared_ptr<const routing::ModelRouter> enforce_residency(std::shared_ptr<const routing::ModelRouter> inner);

}  // namespace sovra::gateway::residency
