#pragma once
// What /v1/models tells a client about one served model: OpenAI's fields plus Sovra's facts from the GGUF file.
#include <cstdint>
#include <string>
#include <vector>

namespace sovra::api {

struct ModelCapabilities {
  bool chat = false;         // has a chat template
  bool completions = false;  // a generative model (not an encoder)
  bool tools = false;        // the chat template renders tool definitions
  bool embeddings = false;
  bool vision = false;
};

// What an operator or a deployer must be able to tell users about a model (EU AI Act transparency): from the
// GGUF file's general.* metadata, and the regions of the deployments serving it (routing fills `regions`).
struct ModelTransparency {
  std::string provider;           // general.author / general.organization
  std::string license;            // general.license
  std::string source_url;         // general.source.url / general.url: where the weights and model card come from
  std::string training_data_url;  // a training-data summary link (general.source.huggingface.repository's card)
  std::string intended_use;       // general.description
  std::string limitations;
  std::vector<std::string> regions;  // where deployments serving the model run
};

// A model's price in one currency, in force now (platform/pricing); amounts are exact decimal strings.
struct ModelPrice {
  std::string currency;
  std::string input_per_1m;
  std::string cached_input_per_1m;
  std::string output_per_1m;
  std::string audio_minute;
  std::string page;
  std::int64_t effective_from = 0;
};

struct ModelInfo {
  std::string id;
  std::int64_t created = 0;  // Unix seconds: when the model file was last modified
  std::string owned_by = "sovra";
  std::string architecture;         // general.architecture: llama, qwen2, …
  std::int64_t context_length = 0;  // <arch>.context_length; 0 when the file does not say
  std::string quantization;         // from general.file_type: Q4_K_M, Q8_0, F16, …; empty when unknown
  std::uint64_t parameters = 0;     // number of weights, from the tensor shapes
  ModelCapabilities capabilities;
  ModelTransparency transparency;
  std::vector<ModelPrice> pricing;  // empty: not priced (the field is left out)
};

}  // namespace sovra::api
