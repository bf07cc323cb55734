#pragma once
// The rate-limit objects of the administration API (rate_limit_routes.cpp), shared with `sovra admin limits`.
#include <boost/json/object.hpp>

#include <string>

#include "store/records.hpp"

namespace sovra::platform::admin {

// "rl-<model>" with '/' and '%' written %2F and %25, so that the id is one path segment ("rl-*": all models).
std::string rate_limit_id(const std::string& model);
// object: "organization.rate_limit" | "project.rate_limit" | "organization.project.api_key.rate_limit"
boost::json::object rate_limit_json(const store::RateLimitRecord& r, const char* object);
const char* rate_limit_object(const store::RateLimitRecord& r);

}  // namespace sovra::platform::admin
