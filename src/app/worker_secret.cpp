#include "app/worker_secret.hpp"

#include "api/openai/error.hpp"
#include "platform/key_secret.hpp"

namespace sovra::app {

http::Filter make_worker_secret_filter(std::string_view secret) {
  const platform::Salt salt{};  // a salt adds nothing for one in-memory secret; the hash keeps it out of dumps
  const auto expected = platform::digest(salt, secret);
  return [salt, expected](http::Request& request, const http::Route&) -> std::optional<http::Response> {
    std::string_view auth = request.header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() > kBearer.size() && http::iequals(auth.substr(0, kBearer.size()), kBearer)) {
      if (platform::digest_equal(platform::digest(salt, auth.substr(kBearer.size())), expected)) return std::nullopt;
    }
    Error e{ErrorCode::kUnauthenticated,
            "This is a sovra worker: requests need the shared secret of its gateways (Authorization: Bearer …).",
            {}, 401, "invalid_api_key"};
    auto response = api::openai::error_response(e);
    response.headers.push_back({"www-authenticate", "Bearer"});
    return response;
  };
}

}  // namespace sovra::app
