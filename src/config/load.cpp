#include "config/load.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/json_escape.hpp"
#include "common/logging.hpp"
#include "config/routing_yaml.hpp"
#include "config/schema.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace sovra {
namespace {

namespace schema = config_schema;

std::string where(const std::string& origin, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.line < 0) return origin;
  return origin + ":" + std::to_string(mark.line + 1);
}

Result<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return Error::invalid("expected an integer, got '" + std::string(text) + "'");
  }
  return v;
}

Result<bool> parse_bool(std::string_view t) {
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return Error::invalid("expected true or false, got '" + std::string(t) + "'");
}

// Sets one scalar field from text; `origin` says where the text came from.
// Settings are text: valid UTF-8 without control characters (they are printed back as YAML and logged).
Status check_text(std::string_view text) {
  if (!is_valid_utf8(text)) return Error::invalid("must be valid UTF-8");
  for (unsigned char ch : text) {
    if (ch < 0x20 || ch == 0x7f) return Error::invalid("must not contain control characters");
  }
  return {};
}

Status set_field(Config& c, const schema::Field& f, const std::string& text, const std::string& origin) {
  auto wrap = [&](const Error& e) { return Error::invalid(origin + ": '" + f.path + "': " + e.message, f.path); };
  return std::visit(
      [&](auto* p) -> Status {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (auto st = check_text(text); !st) return wrap(st.error());
          *p = text;
        } else if constexpr (std::is_same_v<T, bool>) {
          auto v = parse_bool(text);
          if (!v) return wrap(v.error());
          *p = *v;
        } else {
          auto v = parse_int(text);
          if (!v) return wrap(v.error());
          *p = *v;
        }
        return {};
      },
      f.ref(c));
}

Status apply_models_yaml(Config& c, const YAML::Node& node, const std::string& origin) {
  if (!node.IsSequence()) {
    return Error::invalid(where(origin, node) + ": 'models' must be a list of {name, path}", "models");
  }
  std::vector<ModelSpec> models;
  for (const auto& item : node) {
    if (!item.IsMap())
      return Error::invalid(where(origin, item) + ": each model must be a map with name and path", "models");
    ModelSpec m;
    for (const auto& kv : item) {
      const auto key = kv.first.as<std::string>();
      if (!kv.second.IsScalar())
        return Error::invalid(where(origin, kv.second) + ": 'models." + key + "' must be a string", "models");
      if (auto st = check_text(kv.second.Scalar()); !st) {
        return Error::invalid(where(origin, kv.second) + ": 'models." + key + "' " + st.error().message, "models");
      }
      if (key == "name")
        m.name = kv.second.Scalar();
      else if (key == "path")
        m.path = kv.second.Scalar();
      else
        return Error::invalid(where(origin, kv.first) + ": unknown key 'models." + key + "' (expected name, path)",
                              "models");
    }
    models.push_back(std::move(m));
  }
  c.models = std::move(models);
  return {};
}

Status apply_map(Config& c, const YAML::Node& map, const std::string& prefix, const std::string& origin) {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return Error::invalid(where(origin, kv.first) + ": keys must be strings");
    const std::string key = kv.first.Scalar();
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (path == "models") {
      SOVRA_CHECK(apply_models_yaml(c, kv.second, origin));
      continue;
    }
    if (is_routing_list(path)) {
      SOVRA_CHECK(apply_routing_list_yaml(c, path, kv.second, origin));
      continue;
    }
    if (const auto* f = schema::find(path)) {
      if (!kv.second.IsScalar()) {
        return Error::invalid(where(origin, kv.second) + ": '" + path + "' must be a single value", path);
      }
      SOVRA_CHECK(set_field(c, *f, kv.second.Scalar(), where(origin, kv.second)));
      continue;
    }
    if (schema::is_section(path)) {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap()) return Error::invalid(where(origin, kv.second) + ": '" + path + "' must be a map", path);
      SOVRA_CHECK(apply_map(c, kv.second, path, origin));
      continue;
    }
    return Error::invalid(where(origin, kv.first) + ": unknown key '" + path + "'", path);
  }
  return {};
}

std::string redact(const schema::Field& f, Config& c) {
  return std::visit(
      [&](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (f.secret && !p->empty()) return "\"<redacted>\"";
          return YAML::Dump(YAML::Node(*p));
        } else if constexpr (std::is_same_v<T, bool>) {
          return *p ? "true" : "false";
        } else {
          return std::to_string(*p);
        }
      },
      f.ref(c));
}

}  // namespace

Result<ModelSpec> parse_model_spec(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return Error::invalid("model must be given as NAME=PATH.gguf, got '" + text + "'", "model");
  }
  return ModelSpec{text.substr(0, eq), text.substr(eq + 1)};
}

Status apply_yaml(Config& base, const std::string& yaml_text, const std::string& origin) {
  // YAML is Unicode text; a NUL would cut values short where they are handed on as C strings.
  if (!is_valid_utf8(yaml_text)) return Error::invalid(origin + ": the configuration is not valid UTF-8");
  if (yaml_text.find('\0') != std::string::npos) return Error::invalid(origin + ": the configuration contains a NUL byte");
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Error::invalid(origin + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) return Error::invalid(origin + ": the configuration must be a YAML map");
  try {
    return apply_map(base, root, "", origin);
  } catch (const YAML::Exception& e) {
    return Error::invalid(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::map<std::string, std::string> sovra_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("SOVRA_")) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

Result<Config> load_config(const ConfigSources& sources) {
  Config config;
  if (sources.file) {
    std::ifstream in(*sources.file, std::ios::binary);
    if (!in) return Error::invalid("cannot read config file '" + *sources.file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    SOVRA_CHECK(apply_yaml(config, ss.str(), *sources.file));
  }

  // Environment: every schema field has a SOVRA_* name; SOVRA_MODELS holds NAME=PATH[,NAME=PATH…].
  std::set<std::string> known = {"SOVRA_MODELS", "SOVRA_CONFIG", "SOVRA_API_KEY"};
  // SOVRA_API_KEY: the short name scripts know for auth.api_key (SOVRA_AUTH_API_KEY wins when both are set).
  if (auto it = sources.environment.find("SOVRA_API_KEY"); it != sources.environment.end()) {
    config.auth.api_key = it->second;
  }
  for (const auto& f : config_schema::fields()) {
    const auto name = config_schema::env_name(f.path);
    known.insert(name);
    if (auto it = sources.environment.find(name); it != sources.environment.end()) {
      SOVRA_CHECK(set_field(config, f, it->second, "environment " + name));
    }
  }
  for (const auto& [name, value] : sources.environment) {
    if (!name.starts_with("SOVRA_") || name.starts_with("SOVRA_TEST_"))
      continue;  // test harness variables, not settings
    if (!known.contains(name)) return Error::invalid("unknown environment variable " + name + " (no such setting)");
  }
  if (auto it = sources.environment.find("SOVRA_MODELS"); it != sources.environment.end() && !it->second.empty()) {
    config.models.clear();
    std::stringstream list(it->second);
    std::string item;
    while (std::getline(list, item, ',')) {
      auto m = parse_model_spec(item);
      if (!m) return Error::invalid("environment SOVRA_MODELS: " + m.error().message, "models");
      config.models.push_back(*m);
    }
  }

  for (const auto& [key, value] : sources.overrides.values) {
    const auto* f = config_schema::find(key);
    if (f == nullptr) return Error::invalid("unknown setting '" + key + "'", key);
    SOVRA_CHECK(set_field(config, *f, value, "command line"));
  }
  if (!sources.overrides.models.empty()) {
    config.models.clear();
    for (const auto& text : sources.overrides.models) {
      SOVRA_TRY(auto m, parse_model_spec(text));
      config.models.push_back(std::move(m));
    }
  }
  SOVRA_CHECK(validate_config(config));
  return config;
}

Status validate_config(const Config& c) {
  auto positive = [](std::int64_t v, const char* key) -> Status {
    if (v <= 0)
      return Error::invalid(std::string("'") + key + "' must be greater than 0, got " + std::to_string(v), key);
    return {};
  };
  SOVRA_CHECK(positive(c.server.max_connections, "server.max_connections"));
  SOVRA_CHECK(positive(c.store.pool_size, "store.pool_size"));
  SOVRA_CHECK(positive(c.auth.last_used_flush_ms, "auth.last_used_flush_ms"));
  if (c.auth.invite_lifetime_s <= 0)
    return Error::invalid("'auth.invite_lifetime_s' must be positive", "auth.invite_lifetime_s");
  if (c.auth.rotation_grace_s < 0)
    return Error::invalid("'auth.rotation_grace_s' must not be negative", "auth.rotation_grace_s");
  SOVRA_CHECK(positive(c.server.max_header_bytes, "server.max_header_bytes"));
  SOVRA_CHECK(positive(c.server.max_body_bytes, "server.max_body_bytes"));
  SOVRA_CHECK(positive(c.server.header_timeout_ms, "server.header_timeout_ms"));
  SOVRA_CHECK(positive(c.server.body_timeout_ms, "server.body_timeout_ms"));
  SOVRA_CHECK(positive(c.server.idle_timeout_ms, "server.idle_timeout_ms"));
  SOVRA_CHECK(positive(c.server.write_timeout_ms, "server.write_timeout_ms"));
  SOVRA_CHECK(positive(c.server.sse_queue_events, "server.sse_queue_events"));
  if (c.server.threads < 0 || c.server.threads > 1024) {
    return Error::invalid("'server.threads' must be between 0 and 1024", "server.threads");
  }
  if (c.server.shutdown_grace_ms < 0)
    return Error::invalid("'server.shutdown_grace_ms' must be >= 0", "server.shutdown_grace_ms");
  if (c.server.tls.cert_file.empty() != c.server.tls.key_file.empty()) {
    return Error::invalid("'server.tls.cert_file' and 'server.tls.key_file' must be set together", "server.tls");
  }
  SOVRA_CHECK(positive(c.metering.max_batch, "metering.max_batch"));
  SOVRA_CHECK(positive(c.metering.refresh_ms, "metering.refresh_ms"));
  if (c.metering.default_currency.size() != 3 ||
      c.metering.default_currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
    return Error::invalid("'metering.default_currency' must be a three-letter code such as EUR or SEK, got '" +
                              c.metering.default_currency + "'",
                          "metering.default_currency");
  }
  if (c.data_dir.empty()) return Error::invalid("'data_dir' must not be empty", "data_dir");
  if (c.engine.kv_cache_mib < 0)
    return Error::invalid("'engine.kv_cache_mib' must be >= 0 (0: sized from the model)", "engine.kv_cache_mib");
  if (c.engine.kv_cache_type != "f16" && c.engine.kv_cache_type != "f32") {
    return Error::invalid("'engine.kv_cache_type' must be f16 or f32, got '" + c.engine.kv_cache_type + "'",
                          "engine.kv_cache_type");
  }
  SOVRA_CHECK(positive(c.engine.max_batched_tokens, "engine.max_batched_tokens"));
  if (c.engine.prefill_group_tokens < 0 || c.engine.prefill_group_tokens > (1 << 20)) {
    return Error::invalid("'engine.prefill_group_tokens' must be between 0 (no limit) and 1048576",
                          "engine.prefill_group_tokens");
  }
  SOVRA_CHECK(positive(c.engine.max_running_sequences, "engine.max_running_sequences"));
  SOVRA_CHECK(positive(c.engine.max_waiting, "engine.max_waiting"));
  if (c.engine.memory_budget_mib < 0)
    return Error::invalid("'engine.memory_budget_mib' must be >= 0 (0: automatic)", "engine.memory_budget_mib");
  if (c.engine.context_length < 0 || c.engine.context_length > (1 << 20))
    return Error::invalid("'engine.context_length' must be between 0 (the model's) and 1048576", "engine.context_length");
  if (c.engine.threads < 0 || c.engine.threads > 1024)
    return Error::invalid("'engine.threads' must be between 0 and 1024", "engine.threads");
  SOVRA_CHECK(positive(c.audit.checkpoint_every, "audit.checkpoint_every"));
  SOVRA_CHECK(positive(c.audit.checkpoint_interval_s, "audit.checkpoint_interval_s"));
  if (c.audit.retention_days < 0)
    return Error::invalid("'audit.retention_days' must not be negative (0 keeps everything)", "audit.retention_days");
  if (!c.audit.content_key.empty() &&
      (c.audit.content_key.size() != 64 ||
       c.audit.content_key.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)) {
    return Error::invalid("'audit.content_key' must be 64 hex digits (a 256-bit key)", "audit.content_key");
  }
  SOVRA_CHECK(parse_log_level(c.log.level));
  if (c.log.format != "json" && c.log.format != "text") {
    return Error::invalid("'log.format' must be json or text, got '" + c.log.format + "'", "log.format");
  }
  if (c.rate_limits.redis_failure != "open" && c.rate_limits.redis_failure != "closed") {
    return Error::invalid("'rate_limits.redis_failure' must be open or closed, got '" + c.rate_limits.redis_failure + "'",
                          "rate_limits.redis_failure");
  }
  SOVRA_CHECK(positive(c.rate_limits.replicas, "rate_limits.replicas"));
  SOVRA_CHECK(positive(c.rate_limits.redis_timeout_ms, "rate_limits.redis_timeout_ms"));
  SOVRA_CHECK(positive(c.rate_limits.redis_connections, "rate_limits.redis_connections"));
  for (const auto* d : {&c.rate_limits.organization, &c.rate_limits.project, &c.rate_limits.key}) {
    for (auto v : {d->requests_per_minute, d->requests_per_day, d->tokens_per_minute, d->tokens_per_day,
                   d->concurrent_requests}) {
      if (v < 0 || v > 100'000'000'000) {
        return Error::invalid("rate_limits defaults must be between 0 (no limit) and 1e11", "rate_limits");
      }
    }
  }
  std::set<std::string> names;
  for (const auto& m : c.models) {
    if (m.name.empty() || m.path.empty()) return Error::invalid("every model needs a name and a path", "models");
    for (char ch : m.name) {
      if (std::isalnum(static_cast<unsigned char>(ch)) == 0 &&
          std::string_view("._-:/").find(ch) == std::string_view::npos) {
        return Error::invalid("model name '" + m.name + "' may contain only letters, digits and . _ - : /", "models");
      }
    }
    if (!names.insert(m.name).second) return Error::invalid("model name '" + m.name + "' is listed twice", "models");
  }
  SOVRA_CHECK(validate_routing(c));
  return {};
}

std::string print_config_redacted(const Config& config) {
  Config copy = config;
  std::ostringstream out;
  std::string open_section;
  // The routing lists (deployments, aliases, fallbacks) go inside the routing section, after its scalars.
  auto print_lists = [&] {
    std::stringstream lists(print_routing_lists_redacted(config.routing));
    for (std::string line; std::getline(lists, line);) out << "  " << line << "\n";
  };
  for (const auto& f : config_schema::fields()) {
    std::string_view path = f.path;
    const auto dot = path.rfind('.');
    std::string section = dot == std::string_view::npos ? "" : std::string(path.substr(0, dot));
    std::string leaf(dot == std::string_view::npos ? path : path.substr(dot + 1));
    if (section != open_section && open_section == "routing") print_lists();
    if (section != open_section) {
      // Print the section headers that differ from the open one.
      std::string common;
      std::stringstream parts(section);
      std::string part;
      int depth = 0;
      std::string built;
      while (std::getline(parts, part, '.')) {
        built = built.empty() ? part : built + "." + part;
        if (!(open_section == built || open_section.starts_with(built + "."))) {
          out << std::string(static_cast<std::size_t>(depth) * 2, ' ') << part << ":\n";
        }
        ++depth;
      }
      open_section = section;
    }
    const auto depth = section.empty() ? 0 : 1 + std::count(section.begin(), section.end(), '.');
    out << std::string(static_cast<std::size_t>(depth) * 2, ' ') << leaf << ": " << redact(f, copy) << "\n";
  }
  if (open_section == "routing") print_lists();
  out << "models:";
  if (config.models.empty()) out << " []";
  out << "\n";
  for (const auto& m : config.models) {
    out << "  - name: " << YAML::Dump(YAML::Node(m.name)) << "\n    path: " << YAML::Dump(YAML::Node(m.path)) << "\n";
  }
  return out.str();
}

}  // namespace sovra
