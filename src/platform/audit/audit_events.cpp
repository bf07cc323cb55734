#include "platform/audit/audit_events.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string_view>

#include "common/json.hpp"
#include "common/json_escape.hpp"

namespace sovra::platform::audit {
namespace {

std::int64_t ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::int64_t now_ms() { return ms(std::chrono::system_clock::now()); }

// A flat JSON object with string, integer and boolean members, appended in order.
class DetailsWriter {
 public:
  DetailsWriter() { out_.reserve(384); }
  void str(std::string_view name, std::string_view value) {
    key(name);
    out_ += '"';
    append_json_escaped(out_, value);
    out_ += '"';
  }
  void num(std::string_view name, std::int64_t value) {
    key(name);
    append_json_int(out_, value);
  }
  void boolean(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
  }
  std::string take() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void key(std::string_view name) {
    out_ += out_.size() == 1 ? "\"" : ",\"";
    out_ += name;
    out_ += "\":";
  }
  std::string out_ = "{";
};

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

void set_actor(AuditRecord& r, const Principal* p) {
  if (p == nullptr) {
    r.actor_type = "anonymous";
    return;
  }
  r.actor_type = "api_key";
  r.actor_id = p->key_id;
  r.org_id = p->org_id;
  r.project_id = p->project_id;
}

void strip_values(boost::json::value& v) {
  if (v.is_object()) {
    auto& o = v.as_object();
    o.erase("value");
    for (auto& kv : o) strip_values(kv.value());
  } else if (v.is_array()) {
    for (auto& e : v.as_array()) strip_values(e);
  }
}

}  // namespace

std::string redact_json(std::string_view json) {
  if (json.empty()) return {};
  auto v = parse_json(json);
  if (!v) return {};
  strip_values(*v);
  return boost::json::serialize(*v);
}

AuditRecord call_record(const gateway::CallInfo& info, const gateway::CallResult& result,
                        std::int64_t content_retention_days) {
  AuditRecord r;
  r.type = std::string(result.http_status < 400   ? kTypeInference
                       : result.http_status < 500 ? kTypeRefusal
                                                  : std::string_view("inference.failed"));
  r.at_ms = result.ended == std::chrono::system_clock::time_point{} ? now_ms() : ms(result.ended);
  set_actor(r, info.principal.get());
  r.request_id = info.request_id;
  // Written directly (one per relayed call, on its hot path), in the order and form a boost::json::object would have.
  DetailsWriter d;
  d.str("endpoint", info.endpoint);
  d.str("protocol", info.protocol);
  d.str("model", info.model);
  d.str("deployment", info.deployment.name);
  d.str("served_model", info.deployment.model);
  d.str("region", info.deployment.region);
  d.str("jurisdiction", info.deployment.jurisdiction);
  d.boolean("local", info.deployment.local);
  d.boolean("stream", info.stream);
  d.num("prompt_tokens", result.usage.prompt_tokens != 0 ? result.usage.prompt_tokens : info.prompt_tokens);
  d.num("completion_tokens", result.usage.completion_tokens);
  d.num("cached_prompt_tokens", result.usage.cached_prompt_tokens);
  d.num("status", result.http_status);
  if (!result.error_code.empty()) d.str("error_code", result.error_code);
  d.boolean("cancelled", result.cancelled);
  if (info.started != std::chrono::system_clock::time_point{} && result.ended >= info.started) {
    d.num("duration_ms", ms(result.ended) - ms(info.started));
  }
  d.boolean("content_retained", content_retention_days > 0);
  if (content_retention_days > 0) d.num("content_retention_days", content_retention_days);
  r.details = d.take();
  return r;
}

AuditRecord refusal_record(const PreAdmissionRefusal& f) {
  AuditRecord r;
  const bool residency = f.http_status == 403 && (!f.allowed_regions.empty() || !f.allowed_jurisdictions.empty());
  r.type = std::string(residency ? kTypeResidencyRefusal : kTypeRefusal);
  set_actor(r, f.principal);
  r.request_id = f.request_id;
  boost::json::object d;
  d["endpoint"] = f.endpoint;
  d["model"] = f.model;
  d["status"] = f.http_status;
  d["error_code"] = f.error_code;
  d["message"] = f.message;
  if (residency) {
    d["allowed_regions"] = strings(f.allowed_regions);
    d["allowed_jurisdictions"] = strings(f.allowed_jurisdictions);
  }
  r.details = boost::json::serialize(d);
  return r;
}

AuditRecord auth_failure_record(const AuthFailure& f) {
  AuditRecord r;
  r.type = std::string(kTypeAuthFailure);
  r.org_id = f.org_id;
  r.project_id = f.project_id;
  r.actor_type = f.key_id.empty() ? "anonymous" : "api_key";
  r.actor_id = f.key_id.empty() ? f.remote_address : f.key_id;
  r.request_id = f.request_id;
  boost::json::object d;
  d["status"] = f.http_status;
  d["reason"] = f.reason;
  d["method"] = f.method;
  d["path"] = f.path;
  d["remote_address"] = f.remote_address;
  r.details = boost::json::serialize(d);
  return r;
}

std::string admin_event_type(std::string_view method, std::string_view pattern) {
  auto ends = [&](std::string_view s) { return pattern.ends_with(s); };
  std::string_view object = "organization";
  if (pattern.find("/api_keys") != std::string_view::npos || pattern.find("admin_api_keys") != std::string_view::npos) {
    object = "api_key";
  } else if (pattern.find("/service_accounts") != std::string_view::npos) {
    object = "service_account";
  } else if (pattern.find("/users") != std::string_view::npos) {
    object = "user";
  } else if (pattern.find("/invites") != std::string_view::npos) {
    object = "invite";
  } else if (pattern.find("/residency") != std::string_view::npos) {
    object = "residency_policy";
  } else if (pattern.find("/content_retention") != std::string_view::npos) {
    object = "content_retention";
  } else if (pattern.find("/projects") != std::string_view::npos) {
    object = "project";
  }
  std::string verb;
  if (method == "DELETE") {
    verb = "deleted";
  } else if (ends("/archive")) {
    verb = "archived";
  } else if (ends("}")) {
    verb = "updated";  // POST on an object
  } else if (ends("/rotate") || ends("/revoke") || ends("/residency") || ends("/content_retention")) {
    verb = "updated";
  } else {
    verb = object == "invite" ? "sent" : (object == "user" ? "added" : "created");
  }
  return std::string(object) + "." + verb;
}

AuditRecord admin_record(const AdminAction& a) {
  AuditRecord r;
  r.type = admin_event_type(a.method, a.pattern);
  set_actor(r, &a.who);
  r.request_id = a.request_id;
  for (const auto& [k, v] : a.params) {
    if (k == "project_id") r.project_id = v;
  }
  boost::json::object d;
  d["method"] = a.method;
  d["route"] = a.pattern;
  boost::json::object params;
  for (const auto& [k, v] : a.params) params[k] = v;
  d["params"] = std::move(params);
  d["status"] = a.status;
  auto embed = [&](const char* name, const std::string& json) {
    const auto clean = redact_json(json);
    if (clean.empty()) return;
    if (auto v = parse_json(clean)) d[name] = std::move(*v);
  };
  embed("request", a.request_body);
  embed("before", a.before);
  embed("after", a.after);
  r.details = boost::json::serialize(d);
  return r;
}

}  // namespace sovra::platform::audit
