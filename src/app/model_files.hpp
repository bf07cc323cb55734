#pragma once
// Start-up check of the configured model files: each must exist, be readable and carry the GGUF magic.
// Loading the weights is the engine's work (src/engine, src/model); this check makes a wrong path fail at
// start-up with a clear message instead of at the first request.
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"

namespace sovra::app {

Status check_model_files(const std::vector<ModelSpec>& models);

}  // namespace sovra::app
