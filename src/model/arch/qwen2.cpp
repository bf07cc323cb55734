// Qwen2 / Qwen2.5: the llama layout plus q/k/v biases, with NeoX-style rope.
#include "model/arch/architecture.hpp"

namespace sovra::model {
const ArchitectureRegistration kQwen2({.name = "qwen2", .rope = RopeStyle::kNeox, .qkv_bias = true});
int qwen2_arch_anchor = 0;
}  // namespace sovra::model
