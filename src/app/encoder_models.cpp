#include "app/encoder_models.hpp"

#include <fmt/format.h>

#include "api/call_flow.hpp"
#include "api/openai/embedding_routes.hpp"
#include "gguf/reader.hpp"
#include "model/arch/encoder_hparams.hpp"

namespace sovra::app {
namespace {

// Encoder names first, then `others`.
class EncoderRouter final : public routing::ModelRouter {
 public:
  EncoderRouter(const EncoderBackends& encoders, std::shared_ptr<const routing::ModelRouter> others)
      : others_(std::move(others)) {
    for (const auto& [name, backend] : encoders) {
      backends_[name] = {.backend = backend,
                         .deployment = {.name = name,
                                        .model = name,
                                        .local = true,
                                        .context_length = backend->model().hparams().n_ctx}};
    }
  }

  Result<routing::Route> route(const routing::RouteQuery& query) const override {
    if (auto it = backends_.find(query.model); it != backends_.end()) return it->second;
    if (others_) return others_->route(query);
    Error e = Error::not_found(fmt::format("The model '{}' does not exist.", query.model));
    e.param = "model";
    e.api_code = "model_not_found";
    return fail(std::move(e));
  }

  std::vector<api::ModelInfo> models() const override { return others_ ? others_->models() : std::vector<api::ModelInfo>{}; }

 private:
  std::map<std::string, routing::Route> backends_;
  std::shared_ptr<const routing::ModelRouter> others_;
};

}  // namespace

bool is_encoder_model(const ModelSpec& spec) {
  auto reader = gguf::Reader::open(spec.path);
  if (!reader) return false;
  auto arch = reader->get_string("general.architecture");
  return arch && model::is_encoder_architecture(*arch);
}

Result<EncoderBackends> load_encoder_models(const std::vector<ModelSpec>& models, const EncoderLoadOptions& options) {
  EncoderBackends out;
  for (const auto& spec : models) {
    if (!is_encoder_model(spec)) continue;
    auto backend = routing::EncoderBackend::open(spec.path, {.model_name = spec.name, .threads = options.threads});
    if (!backend) {
      Error e = backend.error();
      e.message = fmt::format("model '{}' ({}): {}", spec.name, spec.path, e.message);
      return fail(std::move(e));
    }
    out[spec.name] = std::move(*backend);
  }
  return out;
}

void install_encoder_routes(http::Router& router, const EncoderBackends& encoders,
                            std::shared_ptr<const routing::ModelRouter> others,
                            std::shared_ptr<const gateway::CallChain> chain) {
  auto flow = std::make_shared<const api::CallFlow>(api::CallFlowOptions{
      .router = std::make_shared<EncoderRouter>(encoders, std::move(others)), .chain = std::move(chain)});
  api::openai::add_embedding_routes(router, std::move(flow));
}

}  // namespace sovra::app
