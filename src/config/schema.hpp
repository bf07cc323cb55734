#pragma once
// The config schema: one row per scalar setting. Adding a setting = a member in config.hpp + a row here.
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "config/config.hpp"

namespace sovra::config_schema {

using FieldRef = std::variant<std::string*, std::int64_t*, bool*>;

struct Field {
  const char* path;  // dotted key, e.g. "server.listen"; environment name is SOVRA_SERVER_LISTEN
  FieldRef (*ref)(Config&);
  bool secret;
  const char* help;
};

std::span<const Field> fields();
const Field* find(std::string_view path);
// True when some field lives below `prefix` ("server", "server.tls").
bool is_section(std::string_view prefix);
// "server.max_body_bytes" → "SOVRA_SERVER_MAX_BODY_BYTES"
std::string env_name(std::string_view path);

}  // namespace sovra::config_schema
