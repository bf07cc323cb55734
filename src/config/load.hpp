#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"

namespace sovra {

// Overrides from the command line: dotted key → raw value, applied last. `models` holds repeated --model values.
struct ConfigOverrides {
  std::vector<std::pair<std::string, std::string>> values;  // e.g. {"server.listen", "0.0.0.0:80"}
  std::vector<std::string> models;                          // NAME=PATH
};

struct ConfigSources {
  std::optional<std::string> file;                 // YAML file path
  std::map<std::string, std::string> environment;  // only SOVRA_* entries are read
  ConfigOverrides overrides;
};

// Builds the effective configuration. Errors name the file, key and line (or the variable / flag) at fault.
Result<Config> load_config(const ConfigSources& sources);

// Parses a YAML document (already read) as a config layer on top of `base`. `origin` names it in errors.
Status apply_yaml(Config& base, const std::string& yaml_text, const std::string& origin);

// Reads SOVRA_* variables from the process environment. The only getenv in Sovra lives behind this.
std::map<std::string, std::string> sovra_environment();

// Checks cross-field rules (ranges, TLS pairs, model names) after all layers are applied.
Status validate_config(const Config& config);

// The effective configuration as YAML, secrets replaced by "<redacted>".
std::string print_config_redacted(const Config& config);

// Splits "NAME=PATH" as used by --model and SOVRA_MODELS.
Result<ModelSpec> parse_model_spec(const std::string& text);

}  // namespace sovra
