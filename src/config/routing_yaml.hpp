#pragma once
// The list-valued parts of the routing section (routing.deployments, routing.aliases, routing.fallbacks): YAML
// parsing, cross-checks against the local models, and redacted printing. Scalar routing.* settings are schema rows.
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "common/error.hpp"
#include "config/config.hpp"

namespace sovra {

// True for the dotted keys handled here.
bool is_routing_list(std::string_view path);
// Replaces the list at `path` with the one in `node`. Errors name the origin, line and key.
Status apply_routing_list_yaml(Config& c, std::string_view path, const YAML::Node& node, const std::string& origin);
// Names unique, each deployment either local (naming a configured model) or an upstream with an http(s) URL,
// positive weights and timeouts, aliases and fallbacks pointing at served models, no alias cycles.
Status validate_routing(const Config& c);
// YAML of the lists with api_key replaced by "<redacted>".
std::string print_routing_lists_redacted(const RoutingConfig& r);

}  // namespace sovra
