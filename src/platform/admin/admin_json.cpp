#include "platform/admin/admin_json.hpp"

#include <boost/json/serialize.hpp>

namespace sovra::platform::admin {
namespace {

boost::json::value time_or_null(store::Timestamp t) {
  if (t == 0) return nullptr;
  return t;
}

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

std::string to_string(const boost::json::object& o) { return boost::json::serialize(o); }

boost::json::object project_json(const store::Project& p) {
  return {{"id", p.id},
          {"object", "organization.project"},
          {"name", p.name},
          {"created_at", p.created_at},
          {"archived_at", time_or_null(p.archived_at)},
          {"status", p.archived_at == 0 ? "active" : "archived"}};
}

std::string public_key_id(const std::string& key_id) { return "key_" + key_id; }
std::string internal_key_id(const std::string& public_id) {
  return public_id.starts_with("key_") ? public_id.substr(4) : public_id;
}

boost::json::object key_json(const store::ApiKeyRecord& k, const std::string& value) {
  const bool admin = k.kind == store::KeyKind::kAdmin;
  boost::json::object o{{"object", admin ? "organization.admin_api_key" : "organization.project.api_key"},
                        {"id", public_key_id(k.id)},
                        {"name", k.name},
                        {"redacted_value", k.redacted},
                        {"created_at", k.created_at},
                        {"last_used_at", time_or_null(k.last_used_at)},
                        {"expires_at", time_or_null(k.expires_at)},
                        {"revoked_at", time_or_null(k.revoked_at)},
                        {"allowed_models", strings(k.allowed_models)},
                        {"allowed_endpoints", strings(k.allowed_endpoints)}};
  if (!k.owner_type.empty()) {
    boost::json::object owner{{"type", k.owner_type}, {"id", k.owner_id}};
    o["owner"] = std::move(owner);
  } else {
    o["owner"] = nullptr;
  }
  if (admin) o["role"] = k.role;  // Sovra: what the key may do (platform/role.hpp)
  if (!value.empty()) o["value"] = value;
  return o;
}

boost::json::object service_account_json(const store::ServiceAccount& sa) {
  return {{"object", "organization.project.service_account"},
          {"id", sa.id},
          {"name", sa.name},
          {"role", sa.role},
          {"created_at", sa.created_at}};
}

boost::json::object user_json(const store::User& u) {
  return {{"object", "organization.user"}, {"id", u.id},     {"name", u.name},
          {"email", u.email},              {"role", u.role}, {"added_at", u.added_at}};
}

boost::json::object invite_json(const store::Invite& i) {
  boost::json::object o{{"object", "organization.invite"}, {"id", i.id},
          {"email", i.email},                {"role", i.role},
          {"status", i.status},              {"invited_at", i.invited_at},
          {"expires_at", i.expires_at},      {"accepted_at", nullptr}};
  if (i.accepted_at != 0) o["accepted_at"] = i.accepted_at;
  return o;
}

std::string deleted_json(std::string_view object, std::string_view id) {
  boost::json::object o{{"object", object}, {"id", id}, {"deleted", true}};
  return boost::json::serialize(o);
}

Result<std::string> string_field(const boost::json::value& body, std::string_view name, bool required,
                                 std::string fallback) {
  const auto* obj = body.if_object();
  const auto* v = obj != nullptr ? obj->if_contains(name) : nullptr;
  if (v == nullptr || v->is_null()) {
    if (required) return Error::invalid("Missing required parameter: '" + std::string(name) + "'.", std::string(name));
    return fallback;
  }
  if (!v->is_string()) return Error::invalid("'" + std::string(name) + "' must be a string.", std::string(name));
  return std::string(v->as_string());
}

Result<std::int64_t> int_field(const boost::json::value& body, std::string_view name, std::int64_t fallback) {
  const auto* obj = body.if_object();
  const auto* v = obj != nullptr ? obj->if_contains(name) : nullptr;
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->as_uint64());
  return Error::invalid("'" + std::string(name) + "' must be an integer.", std::string(name));
}

Result<std::vector<std::string>> string_list_field(const boost::json::value& body, std::string_view name) {
  std::vector<std::string> out;
  const auto* obj = body.if_object();
  const auto* v = obj != nullptr ? obj->if_contains(name) : nullptr;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return Error::invalid("'" + std::string(name) + "' must be an array of strings.", std::string(name));
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) return Error::invalid("'" + std::string(name) + "' must be an array of strings.", std::string(name));
    out.emplace_back(e.as_string());
  }
  return out;
}

}  // namespace sovra::platform::admin
