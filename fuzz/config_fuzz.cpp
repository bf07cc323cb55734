// Fuzzes configuration parsing: YAML text → typed config → validation → redacted printing → parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  sovra::Config config;
  if (!sovra::apply_yaml(config, text, "fuzz.yaml")) return 0;
  if (!sovra::validate_config(config)) return 0;
  // A valid configuration prints as YAML that loads back.
  sovra::Config again;
  if (!sovra::apply_yaml(again, sovra::print_config_redacted(config), "printed")) std::abort();
  return 0;
}
