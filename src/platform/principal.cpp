#include "platform/principal.hpp"

#include <algorithm>

namespace sovra::platform {

bool Principal::may_use_model(std::string_view model) const {
  return allowed_models.empty() || std::find(allowed_models.begin(), allowed_models.end(), model) != allowed_models.end();
}

bool Principal::may_use_endpoint(std::string_view route_pattern) const {
  return allowed_endpoints.empty() ||
         std::find(allowed_endpoints.begin(), allowed_endpoints.end(), route_pattern) != allowed_endpoints.end();
}

}  // namespace sovra::platform
