#pragma once
// Reads what /v1/models reports about each configured model from its GGUF header (architecture, context length,
// quantization, size, whether its chat template exists and renders tools). Only metadata and tensor infos are
// read: the file is memory-mapped and its weights are never touched here.
#include <vector>

#include "api/types/model_info.hpp"
#include "common/error.hpp"
#include "config/config.hpp"

namespace sovra::app {

Result<std::vector<api::ModelInfo>> describe_models(const std::vector<ModelSpec>& models);

// llama.cpp's name for a general.file_type value ("Q4_K_M"); empty when unknown.
const char* file_type_name(std::uint32_t file_type);

}  // namespace sovra::app
