#include "model/arch/architecture.hpp"

namespace sovra::model {
// Referencing one symbol of each architecture file keeps its registration in a static link.
extern int llama_arch_anchor;
extern int qwen2_arch_anchor;
void link_builtin_architectures() {
  static volatile int sink = llama_arch_anchor + qwen2_arch_anchor;
  (void)sink;
}
}  // namespace sovra::model
