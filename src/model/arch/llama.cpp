// Llama 2/3, Mistral, TinyLlama, SmolLM, stories: pre-norm RMSNorm, rope on adjacent pairs, GQA, SwiGLU.
#include "model/arch/architecture.hpp"

namespace sovra::model {
const ArchitectureRegistration kLlama({.name = "llama", .rope = RopeStyle::kNormal, .qkv_bias = false});
int llama_arch_anchor = 0;
}  // namespace sovra::model
