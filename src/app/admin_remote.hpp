#pragma once
// `sovra admin … --url URL --admin-key KEY`: the same sub-commands against a running server's administration API
// instead of the store. One blocking HTTP request per command (routing::UpstreamClient underneath, so https works).
#include <string>

#include "common/error.hpp"

namespace sovra::app {

struct RemoteRequest {
  std::string method;
  std::string path;  // e.g. "/v1/organization/projects?limit=20"
  std::string body;  // JSON; empty for GET
};

struct RemoteReply {
  int status = 0;
  std::string body;
};

// Sends `request` to `base_url` with `Authorization: Bearer <admin_key>`; fails only when no answer came.
Result<RemoteReply> call_admin_api(const std::string& base_url, const std::string& admin_key,
                                   const RemoteRequest& request);

}  // namespace sovra::app
