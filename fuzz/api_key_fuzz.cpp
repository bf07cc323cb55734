// Fuzzes what a client controls in authentication: the Authorization / x-api-key header value and a JSON body
// whose "model" the filter reads, through the real /v1 auth filter over a key cache (SQLite store in a temporary
// directory, one valid key with a model allow-list). Every input must end in 200, 401 or 403, never a crash.
// The whole input also goes through the invite-token parser (POST /v1/organization/invites/accept).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gateway/auth/auth_filter.hpp"
#include "platform/invite_token.hpp"
#include "platform/key_issuer.hpp"
#include "platform/key_secret.hpp"
#include "store/open.hpp"

namespace {

struct World {
  World() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-fuzz-key-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    store = std::move(*sovra::store::open_store({.data_dir = dir}));
    (void)store->create_organization({"org_a", "A", 1});
    (void)store->create_project({"proj_a", "org_a", "p", 1, 0});
    key = sovra::platform::issue_key(*store, {.org_id = "org_a", .project_id = "proj_a", .allowed_models = {"tiny"}})
              ->plaintext;
    cache = std::make_shared<sovra::platform::KeyCache>(*store);
    (void)cache->reload_all();
    router.use("/v1/", sovra::gateway::auth::make_auth_filter({.keys = cache}));
    router.add("POST", "/v1/thing", [](sovra::http::Request&) { return sovra::http::Response::json(200, "{}"); });
  }
  // Removes the temporary store when the process exits. (An atexit() handler registered from this constructor
  // would run after this destructor, on a destroyed object.)
  ~World() {
    router = sovra::http::Router{};
    cache.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  static World& world();
  std::string dir;
  std::unique_ptr<sovra::store::Store> store;
  std::shared_ptr<sovra::platform::KeyCache> cache;
  sovra::http::Router router;
  std::string key;
};

World& World::world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& w = World::world();
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)sovra::platform::parse_key(input);
  if (auto t = sovra::platform::parse_invite_token(input); t && (t->invite_id.empty() || t->secret.size() < 32)) {
    std::abort();
  }
  // First line: the header value (with the valid key's prefix substituted for "$KEY"), rest: the body.
  const auto nl = input.find('\n');
  std::string header = input.substr(0, nl);
  if (auto at = header.find("$KEY"); at != std::string::npos) header.replace(at, 4, w.key);
  sovra::http::Request req;
  req.method = "POST";
  req.path = "/v1/thing";
  req.headers.push_back({(size % 2) != 0U ? "authorization" : "x-api-key", header});
  if (nl != std::string::npos) req.body = input.substr(nl + 1);
  auto m = w.router.match(req.method, req.path);
  const auto r = w.router.dispatch(*m.route, req);
  if (r.status != 200 && r.status != 401 && r.status != 403) std::abort();
  return 0;
}
