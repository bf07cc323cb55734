#include "config/routing_yaml.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

namespace sovra {
namespace {

std::string where(const std::string& origin, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.line < 0) return origin;
  return origin + ":" + std::to_string(mark.line + 1);
}

Error bad(const std::string& at, std::string_view path, const std::string& what) {
  return Error::invalid(at + ": '" + std::string(path) + "': " + what, std::string(path));
}

Result<std::int64_t> to_int(const YAML::Node& n, const std::string& at, const std::string& key) {
  const auto& t = n.Scalar();
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    return bad(at, key, "expected an integer, got '" + t + "'");
  }
  return v;
}

Result<std::vector<std::string>> to_list(const YAML::Node& n, const std::string& at, const std::string& key) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    std::stringstream ss(n.Scalar());
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
    return out;
  }
  if (!n.IsSequence()) return bad(at, key, "expected a list of strings");
  for (const auto& item : n) {
    if (!item.IsScalar()) return bad(where(at, item), key, "expected a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

Result<DeploymentSpec> parse_deployment(const YAML::Node& item, const std::string& origin) {
  const std::string at = where(origin, item);
  if (!item.IsMap()) return bad(at, "routing.deployments", "each deployment must be a map");
  DeploymentSpec d;
  for (const auto& kv : item) {
    const auto key = kv.first.as<std::string>();
    const std::string full = "routing.deployments." + key;
    const auto& v = kv.second;
    const std::string vat = where(origin, v);
    if (key == "zones") {
      SOVRA_TRY(d.zones, to_list(v, vat, full));
      continue;
    }
    if (!v.IsScalar()) return bad(vat, full, "must be a single value");
    std::string* text = key == "name"             ? &d.name
                        : key == "model"          ? &d.model
                        : key == "local"          ? &d.local
                        : key == "base_url"       ? &d.base_url
                        : key == "api_key"        ? &d.api_key
                        : key == "upstream_model" ? &d.upstream_model
                        : key == "region"         ? &d.region
                        : key == "jurisdiction"   ? &d.jurisdiction
                        : key == "ca_file"        ? &d.ca_file
                        : key == "tokenizer"      ? &d.tokenizer
                                                  : nullptr;
    if (text != nullptr) {
      *text = v.Scalar();
      continue;
    }
    std::int64_t* num = key == "weight"                  ? &d.weight
                        : key == "max_concurrency"       ? &d.max_concurrency
                        : key == "connect_timeout_ms"    ? &d.connect_timeout_ms
                        : key == "first_byte_timeout_ms" ? &d.first_byte_timeout_ms
                        : key == "idle_timeout_ms"       ? &d.idle_timeout_ms
                        : key == "context_length"        ? &d.context_length
                                                         : nullptr;
    if (num != nullptr) {
      SOVRA_TRY(*num, to_int(v, vat, full));
      continue;
    }
    return bad(where(origin, kv.first), full,
               "unknown key (expected name, model, local, base_url, api_key, upstream_model, region, jurisdiction, "
               "zones, weight, max_concurrency, connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, "
               "context_length, ca_file, tokenizer)");
  }
  return d;
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || std::string_view("._-:/").find(ch) != std::string_view::npos;
  });
}

}  // namespace

bool is_routing_list(std::string_view path) {
  return path == "routing.deployments" || path == "routing.aliases" || path == "routing.fallbacks";
}

Status apply_routing_list_yaml(Config& c, std::string_view path, const YAML::Node& node, const std::string& origin) {
  const std::string at = where(origin, node);
  if (node.IsNull()) return {};
  if (path == "routing.deployments") {
    if (!node.IsSequence()) return bad(at, path, "must be a list of deployments");
    std::vector<DeploymentSpec> out;
    for (const auto& item : node) {
      SOVRA_TRY(auto d, parse_deployment(item, origin));
      out.push_back(std::move(d));
    }
    c.routing.deployments = std::move(out);
    return {};
  }
  // aliases: {alias: model}; fallbacks: {model: [other, …]}
  if (!node.IsMap()) return bad(at, path, path == "routing.aliases" ? "must be a map alias: model" : "must be a map model: [fallback, …]");
  if (path == "routing.aliases") {
    std::vector<AliasSpec> out;
    for (const auto& kv : node) {
      if (!kv.second.IsScalar()) return bad(where(origin, kv.second), path, "an alias maps to one model name");
      out.push_back({kv.first.as<std::string>(), kv.second.Scalar()});
    }
    c.routing.aliases = std::move(out);
    return {};
  }
  std::vector<FallbackSpec> out;
  for (const auto& kv : node) {
    SOVRA_TRY(auto to, to_list(kv.second, where(origin, kv.second), std::string(path)));
    out.push_back({kv.first.as<std::string>(), std::move(to)});
  }
  c.routing.fallbacks = std::move(out);
  return {};
}

Status validate_routing(const Config& c) {
  const auto& r = c.routing;
  auto invalid = [](const std::string& msg, const char* param) { return Error::invalid(msg, param); };
  std::set<std::string> local_models;
  for (const auto& m : c.models) local_models.insert(m.name);
  std::set<std::string> names;
  std::set<std::string> served = local_models;  // local models without a deployment are served implicitly
  for (const auto& d : r.deployments) {
    const std::string who = "deployment '" + d.name + "'";
    if (!valid_name(d.name)) return invalid("every deployment needs a name of letters, digits and . _ - : /", "routing.deployments");
    if (!names.insert(d.name).second) return invalid(who + " is listed twice", "routing.deployments");
    if (!valid_name(d.model)) return invalid(who + ": 'model' (the name clients send) is required", "routing.deployments");
    if (d.local.empty() == d.base_url.empty()) {
      return invalid(who + ": set exactly one of 'local' (a model of `models`) or 'base_url' (an upstream)",
                     "routing.deployments");
    }
    if (!d.local.empty() && !local_models.contains(d.local)) {
      return invalid(who + ": 'local: " + d.local + "' is not one of the configured models", "routing.deployments");
    }
    if (!d.base_url.empty() && !d.base_url.starts_with("http://") && !d.base_url.starts_with("https://")) {
      return invalid(who + ": 'base_url' must start with http:// or https://, got '" + d.base_url + "'",
                     "routing.deployments");
    }
    if (!d.local.empty() && !d.tokenizer.empty()) {
      return invalid(who + ": 'tokenizer' is for upstreams; a local deployment counts with its own model",
                     "routing.deployments");
    }
    if (d.weight <= 0 || d.weight > 1000000) return invalid(who + ": 'weight' must be between 1 and 1000000", "routing.deployments");
    if (d.max_concurrency < 0) return invalid(who + ": 'max_concurrency' must not be negative", "routing.deployments");
    if (d.connect_timeout_ms <= 0 || d.first_byte_timeout_ms <= 0 || d.idle_timeout_ms <= 0) {
      return invalid(who + ": timeouts must be greater than 0", "routing.deployments");
    }
    if (d.context_length < 0) return invalid(who + ": 'context_length' must not be negative", "routing.deployments");
    served.insert(d.model);
  }
  std::map<std::string, std::string> alias_to;
  for (const auto& a : r.aliases) {
    if (!valid_name(a.name)) return invalid("alias names may contain only letters, digits and . _ - : /", "routing.aliases");
    if (served.contains(a.name)) return invalid("alias '" + a.name + "' hides a served model of that name", "routing.aliases");
    if (!alias_to.emplace(a.name, a.model).second) return invalid("alias '" + a.name + "' is listed twice", "routing.aliases");
  }
  for (const auto& [name, target] : alias_to) {
    if (!served.contains(target)) {
      return invalid("alias '" + name + "' points at '" + target + "', which no deployment serves", "routing.aliases");
    }
  }
  for (const auto& f : r.fallbacks) {
    if (!served.contains(f.model)) return invalid("fallbacks for '" + f.model + "': no deployment serves it", "routing.fallbacks");
    for (const auto& t : f.to) {
      if (!served.contains(t) || t == f.model) {
        return invalid("fallback '" + t + "' of '" + f.model + "' must be another served model", "routing.fallbacks");
      }
    }
  }
  auto positive = [&](std::int64_t v, const char* key) -> Status {
    if (v <= 0) return invalid(std::string("'") + key + "' must be greater than 0, got " + std::to_string(v), key);
    return {};
  };
  auto percent = [&](std::int64_t v, const char* key) -> Status {
    if (v < 0 || v > 100) return invalid(std::string("'") + key + "' must be between 0 and 100", key);
    return {};
  };
  if (r.health_interval_ms < 0) return invalid("'routing.health_interval_ms' must not be negative", "routing.health_interval_ms");
  SOVRA_CHECK(positive(r.breaker_failures, "routing.breaker_failures"));
  SOVRA_CHECK(positive(r.breaker_open_ms, "routing.breaker_open_ms"));
  SOVRA_CHECK(positive(r.outlier_min_requests, "routing.outlier_min_requests"));
  SOVRA_CHECK(positive(r.outlier_ejection_ms, "routing.outlier_ejection_ms"));
  SOVRA_CHECK(percent(r.outlier_failure_percent, "routing.outlier_failure_percent"));
  SOVRA_CHECK(percent(r.outlier_max_ejection_percent, "routing.outlier_max_ejection_percent"));
  SOVRA_CHECK(percent(r.retry_budget_percent, "routing.retry_budget_percent"));
  if (r.max_retries < 0 || r.max_retries > 10) return invalid("'routing.max_retries' must be between 0 and 10", "routing.max_retries");
  return {};
}

std::string print_routing_lists_redacted(const RoutingConfig& r) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "deployments" << YAML::Value << YAML::BeginSeq;
  for (const auto& d : r.deployments) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << d.name << YAML::Key << "model" << YAML::Value
        << d.model;
    if (!d.local.empty()) out << YAML::Key << "local" << YAML::Value << d.local;
    if (!d.base_url.empty()) out << YAML::Key << "base_url" << YAML::Value << d.base_url;
    if (!d.api_key.empty()) out << YAML::Key << "api_key" << YAML::Value << "<redacted>";
    if (!d.upstream_model.empty()) out << YAML::Key << "upstream_model" << YAML::Value << d.upstream_model;
    if (!d.tokenizer.empty()) out << YAML::Key << "tokenizer" << YAML::Value << d.tokenizer;
    out << YAML::Key << "region" << YAML::Value << d.region << YAML::Key << "jurisdiction" << YAML::Value
        << d.jurisdiction << YAML::Key << "zones" << YAML::Value << YAML::Flow << d.zones << YAML::Key << "weight"
        << YAML::Value << d.weight << YAML::Key << "max_concurrency" << YAML::Value << d.max_concurrency << YAML::Key
        << "connect_timeout_ms" << YAML::Value << d.connect_timeout_ms << YAML::Key << "first_byte_timeout_ms"
        << YAML::Value << d.first_byte_timeout_ms << YAML::Key << "idle_timeout_ms" << YAML::Value
        << d.idle_timeout_ms << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::Key << "aliases" << YAML::Value << YAML::BeginMap;
  for (const auto& a : r.aliases) out << YAML::Key << a.name << YAML::Value << a.model;
  out << YAML::EndMap << YAML::Key << "fallbacks" << YAML::Value << YAML::BeginMap;
  for (const auto& f : r.fallbacks) out << YAML::Key << f.model << YAML::Value << YAML::Flow << f.to;
  out << YAML::EndMap << YAML::EndMap;
  return out.c_str();
}

}  // namespace sovra
