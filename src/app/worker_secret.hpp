#pragma once
// The authentication of `sovra worker`: one shared secret (worker.secret) that the gateways in front of it present
// as "Authorization: Bearer <secret>" (an upstream deployment's api_key). Only its SHA-256 is kept; comparison is
// in constant time. A request without it, or with another value, gets 401 in OpenAI's error shape.
#include <string_view>

#include "http/router.hpp"

namespace sovra::app {

http::Filter make_worker_secret_filter(std::string_view secret);

}  // namespace sovra::app
