#include "gateway/residency/residency_router.hpp"

#include "gateway/residency/residency_policy.hpp"

namespace sovra::gateway::residency {
namespace {

class ResidencyRouter final : public routing::ModelRouter {
 public:
  explicit ResidencyRouter(std::shared_ptr<const routing::ModelRouter> inner) : inner_(std::move(inner)) {}

  Result<routing::Route> route(const routing::RouteQuery& query) const override {
    auto r = inner_->route(query);
    if (!r || unconstrained(query.constraints)) return r;
    if (!allows(query.constraints, r->deployment)) return refusal(query.model, query.constraints);
    return r;
  }

  std::vector<api::ModelInfo> models() const override { return inner_->models(); }

 private:
  std::shared_ptr<const routing::ModelRouter> inner_;
};

}  // namespace

std::shared_ptr<const routing::ModelRouter> enforce_residency(std::shared_ptr<const routing::ModelRouter> inner) {
  return std::make_shared<ResidencyRouter>(std::move(inner));
}

}  // namespace sovra::gateway::residency
