#pragma once
// Encoder models in a server process: every configured model whose GGUF is an encoder (bert, nomic-bert) is loaded
// as a routing::EncoderBackend and served on /v1/embeddings (embedding models) or /v1/rerank, /rerank, /v2/rerank
// (rerankers), through api::CallFlow. Generative models are left to the engine wiring: it should skip the models for
// which is_encoder_model() is true.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"
#include "gateway/call.hpp"
#include "http/router.hpp"
#include "routing/encoder_backend.hpp"
#include "routing/model_router.hpp"

namespace sovra::app {

// Whether the model's GGUF names an encoder architecture (reads the header only). False when unreadable.
bool is_encoder_model(const ModelSpec& spec);

using EncoderBackends = std::map<std::string, std::shared_ptr<routing::EncoderBackend>>;

struct EncoderLoadOptions {
  int threads = 0;  // compute threads per model; 0: hardware threads
};

// Loads the encoder models among `models`; errors name the model and its path.
Result<EncoderBackends> load_encoder_models(const std::vector<ModelSpec>& models, const EncoderLoadOptions& options);

// Registers the embeddings and rerank routes on `router`, routing the encoder models' names to their backends and
// every other name to `others` (may be null: unknown model, 404). `chain` (may be null) admits every call.
void install_encoder_routes(http::Router& router, const EncoderBackends& encoders,
                            std::shared_ptr<const routing::ModelRouter> others,
                            std::shared_ptr<const gateway::CallChain> chain);

}  // namespace sovra::app
