#pragma once
// GET /openapi.json: an OpenAPI 3.1 document of the routes this build serves, generated from the route table
// so that it cannot drift from what the server answers.
#include <string>

#include "http/router.hpp"

namespace sovra::api {

std::string openapi_document(const http::Router& router, const std::string& version);

}  // namespace sovra::api
