#include "routing/backend.hpp"

#include <utility>

namespace sovra::routing {

void InferenceBackend::embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) {
  done(fail(Error::invalid("model '" + request.model + "' does not support embeddings", "model")));
}

void InferenceBackend::rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) {
  done(fail(Error::invalid("model '" + request.model + "' does not support rerank", "model")));
}

}  // namespace sovra::routing
