#pragma once
// Architectures as data. Each file in src/model/arch/ describes one architecture (its GGUF name, tensor names,
// rope flavour, optional biases) and registers it; the forward pass in src/model is built from shared layers
// and reads only this description. Adding an architecture of the llama family is a new small file.
#include <string>
#include <string_view>
#include <vector>

namespace sovra::model {

enum class RopeStyle {
  kNormal,  // rotate adjacent pairs (x[2i], x[2i+1]) — llama (GGUF converters permute Q/K for this)
  kNeox,    // rotate halves (x[i], x[i + n_rot/2]) — qwen2, gpt-neox
};

struct ArchitectureSpec {
  std::string name;  // general.architecture value: "llama", "qwen2"
  RopeStyle rope = RopeStyle::kNormal;
  bool qkv_bias = false;            // attn_{q,k,v}.bias present (qwen2)
  bool tied_output_allowed = true;  // output.weight may be absent: use token_embd.weight
};

// Contract: registration happens during static initialisation (one static ArchitectureRegistration per arch
// file); lookups happen after main() starts and are thread-safe reads.
const ArchitectureSpec* find_architecture(std::string_view name);
std::vector<std::string> architecture_names();

struct ArchitectureRegistration {
  explicit ArchitectureRegistration(ArchitectureSpec spec);
};

// Forces the architecture files into a static link (their registrations are otherwise dropped).
void link_builtin_architectures();

}  // namespace sovra::model
