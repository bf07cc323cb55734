#pragma once
// Plain value types shared by the sampler's stages.
#include <cstdint>

namespace sovra::sampling {

// A vocabulary index, as the model's logits row is indexed (the same type as tokenizer::TokenId).
using TokenId = std::int32_t;

struct TokenLogprob {
  TokenId token = 0;
  float logprob = 0.0f;  // natural log
};

}  // namespace sovra::sampling
