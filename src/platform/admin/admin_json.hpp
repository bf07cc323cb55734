#pragma once
// JSON shapes of the administration API, following OpenAI's (organization.project, organization.project.api_key,
// organization.admin_api_key, organization.project.service_account, organization.user, organization.invite, list).
// Sovra extensions are extra fields (value on creation, expires_at, allowed_models, allowed_endpoints, revoked_at).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "store/records.hpp"

namespace sovra::platform::admin {

boost::json::object project_json(const store::Project& p);
// `value` is the plaintext, included only right after creation or rotation.
boost::json::object key_json(const store::ApiKeyRecord& k, const std::string& value = {});
boost::json::object service_account_json(const store::ServiceAccount& sa);
boost::json::object user_json(const store::User& u);
boost::json::object invite_json(const store::Invite& i);
std::string deleted_json(std::string_view object, std::string_view id);

// The public id of a key object is "key_<key id>"; both forms are accepted in paths.
std::string public_key_id(const std::string& key_id);
std::string internal_key_id(const std::string& public_id);

template <typename T>
std::string list_json(const store::Page<T>& page, const std::function<boost::json::object(const T&)>& encode,
                      const std::function<std::string(const T&)>& id_of);

std::string to_string(const boost::json::object& o);

// Body fields: a missing optional field gives the fallback; a field of the wrong type is a 400 naming it.
Result<std::string> string_field(const boost::json::value& body, std::string_view name, bool required,
                                 std::string fallback = {});
Result<std::int64_t> int_field(const boost::json::value& body, std::string_view name, std::int64_t fallback);
Result<std::vector<std::string>> string_list_field(const boost::json::value& body, std::string_view name);

}  // namespace sovra::platform::admin

#include "platform/admin/admin_json_list.hpp"
