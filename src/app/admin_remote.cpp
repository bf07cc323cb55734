#include "app/admin_remote.hpp"

#include <future>

#include "routing/upstream_client.hpp"

namespace sovra::app {

Result<RemoteReply> call_admin_api(const std::string& base_url, const std::string& admin_key,
                                   const RemoteRequest& request) {
  SOVRA_TRY(auto endpoint, routing::parse_base_url(base_url));
  SOVRA_TRY(auto client, routing::UpstreamClient::create(endpoint, {.connect_timeout_ms = 10000,
                                                                    .first_byte_timeout_ms = 60000,
                                                                    .idle_timeout_ms = 60000}));
  std::vector<http::Header> headers = {{"authorization", "Bearer " + admin_key}, {"accept", "application/json"}};
  if (!request.body.empty()) headers.push_back({"content-type", "application/json"});
  auto reply = std::make_shared<RemoteReply>();
  auto done = std::make_shared<std::promise<Status>>();
  auto finished = done->get_future();
  auto handle = client->start({.method = request.method, .path = request.path, .headers = std::move(headers),
                               .body = request.body},
                              {.on_head = [reply](int status, const std::vector<http::Header>&) { reply->status = status; },
                               .on_body = [reply](std::string_view bytes) { reply->body.append(bytes); },
                               .on_done = [done](Status st, routing::ExchangeFacts) { done->set_value(std::move(st)); }});
  auto st = finished.get();
  if (!st) return Error::unavailable("No answer from " + base_url + ": " + st.error().message);
  return std::move(*reply);
}

}  // namespace sovra::app
