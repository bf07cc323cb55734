// `sovra quantize IN OUT TYPE`: re-quantize a model's weight matrices with Sovra's quantizer.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "app/command.hpp"
#include "app/gguf_random.hpp"

namespace sovra::app {
namespace {

const CommandRegistration kQuantize([](CLI::App& root, int& exit_code) {
  struct Args {
    std::string in, out, type;
    int threads = 0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("quantize", "Re-quantize a GGUF model's weight matrices");
  cmd->add_option("input", a->in, "input GGUF")->required();
  cmd->add_option("output", a->out, "output GGUF")->required();
  cmd->add_option("type", a->type, "q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k_m, q4_k_m, q5_k_m, q6_k, f16, bf16, f32")
      ->required();
  cmd->add_option("-t,--threads", a->threads, "threads (0: all cores)");
  cmd->callback([a, &exit_code] {
    if (auto st = quantize_model(a->in, a->out, a->type, a->threads); !st) {
      std::cerr << "sovra: " << st.error().message << "\n";
      exit_code = 1;
      return;
    }
    std::cout << "wrote " << a->out << "\n";
    exit_code = 0;
  });
});

}  // namespace
}  // namespace sovra::app
