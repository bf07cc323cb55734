#include "app/platform_wiring.hpp"

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/openai/error.hpp"
#include "app/audit_wiring.hpp"
#include "common/logging.hpp"
#include "gateway/auth/auth_filter.hpp"
#include "gateway/rate_limit/rate_limiter.hpp"
#include "common/json.hpp"
#include "http/deferred.hpp"
#include "platform/admin/admin_route.hpp"
#include "platform/key_cache.hpp"
#include "store/executor.hpp"
#include "store/open.hpp"

namespace sovra::app {

struct Platform::Impl {
  Config config;
  std::shared_ptr<store::Store> store;
  std::shared_ptr<store::Executor> executor;
  std::shared_ptr<platform::KeyCache> keys;
  platform::BootstrapResult bootstrap;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread flusher;
  std::unique_ptr<AuditWiring> audit;
  std::shared_ptr<gateway::CallHook> rate_limits;
};

Platform::Platform(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Platform::~Platform() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->flusher.joinable()) impl_->flusher.join();
  (void)impl_->keys->flush_last_used();
  impl_->executor.reset();  // drains queued store work before the store closes
  impl_->audit.reset();     // writes queued audit records and a final checkpoint
  impl_->store.reset();     // last reference: stops the change listener that calls into the key cache
  impl_->keys.reset();
}

const platform::BootstrapResult& Platform::bootstrap_result() const { return impl_->bootstrap; }
std::shared_ptr<store::Store> Platform::store() const { return impl_->store; }
std::shared_ptr<store::Executor> Platform::executor() const { return impl_->executor; }

std::shared_ptr<gateway::CallHook> Platform::rate_limit_hook() const { return impl_->rate_limits; }

Result<std::unique_ptr<Platform>> Platform::start(const Config& config, const PlatformOptions& options) {
  const Logger log("store");
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  SOVRA_TRY(auto opened, store::open_store({.url = config.store.url,
                                            .data_dir = config.data_dir,
                                            .pool_size = static_cast<int>(config.store.pool_size)}));
  impl->store = std::shared_ptr<store::Store>(std::move(opened));
  log.info("store open", {{"backend", impl->store->backend()},
                          {"schema_version", impl->store->schema_version()},
                          {"url", store::redact_url(config.store.url)}});
  impl->executor =
      std::make_shared<store::Executor>(impl->store->backend() == "sqlite" ? 1 : static_cast<int>(config.store.pool_size));
  if (options.bootstrap) {
    SOVRA_TRY(impl->bootstrap, platform::bootstrap(*impl->store, {.data_dir = config.data_dir,
                                                                  .admin_key = config.auth.admin_key,
                                                                  .api_key = config.auth.api_key}));
    if (impl->bootstrap.created) log.info("created the first organization, project and keys");
  }
  SOVRA_TRY(impl->audit, AuditWiring::start(config));
  impl->keys = std::make_shared<platform::KeyCache>(*impl->store);
  SOVRA_CHECK(impl->keys->reload_all());
  SOVRA_CHECK(impl->keys->follow_store_changes());
  log.info("key cache loaded", {{"keys", impl->keys->size()}});
  if (config.rate_limits.enabled) {
    SOVRA_TRY(auto limiter, gateway::rate_limit::start_rate_limiter(config.rate_limits, *impl->store));
    impl->rate_limits = limiter.hook;
  }
  if (config.auth.insecure_no_auth) {
    log.warn("--insecure-no-auth: /v1/* requests without an API key are served without authentication");
  }
  auto* raw = impl.get();
  impl->flusher = std::thread([raw] {
    const auto interval = std::chrono::milliseconds(raw->config.auth.last_used_flush_ms);
    std::unique_lock lock(raw->mu);
    while (!raw->cv.wait_for(lock, interval, [raw] { return raw->stopping; })) {
      lock.unlock();
      if (auto st = raw->keys->flush_last_used(); !st) {
        static const Logger flog("store");
        flog.warn("writing last-used times failed", {{"error", st.error().message}});
      }
      lock.lock();
    }
  });
  return std::unique_ptr<Platform>(new Platform(std::move(impl)));
}

const AuditWiring& Platform::audit() const { return *impl_->audit; }

platform::admin::AdminDeps Platform::admin_deps() const {
  return {.store = impl_->store,
          .executor = impl_->executor,
          .default_rotation_grace_s = impl_->config.auth.rotation_grace_s,
          .invite_lifetime_s = impl_->config.auth.invite_lifetime_s,
          .on_change = impl_->audit->admin_observer()};
}

void Platform::install(http::Router& router) const {
  const auto auth = gateway::auth::make_auth_filter({.keys = impl_->keys,
                                                      .allow_anonymous = impl_->config.auth.insecure_no_auth,
                                                      .on_failure = impl_->audit->auth_failure_recorder()});
  // vLLM's /tokenize and /detokenize and the Cohere/Jina rerank paths (/rerank, /v2/rerank) live outside /v1 but
  // read models like any /v1 route: same keys.
  for (const char* prefix : {"/v1/", "/v2/", "/rerank", "/tokenize", "/detokenize"}) router.use(prefix, auth);
  const auto deps = admin_deps();
  platform::admin::add_admin_routes(router, deps);
  impl_->audit->install_routes(router, deps);
  if (impl_->config.server.debug_routes) {
    // The same trivial handler without and with authentication: tests and bench/auth compare the two.
    auto ping = [](http::Request&) { return http::Response::json(200, R"({"object":"ping"})"); };
    router.add("GET", "/debug/ping", ping, {.summary = "Trivial unauthenticated endpoint", .hidden = true});
    router.add("GET", "/v1/debug/ping", ping, {.summary = "Trivial authenticated endpoint", .hidden = true});
    router.add("POST", "/v1/debug/echo", [](http::Request& req) { return http::Response::json(200, std::move(req.body)); },
               {.json_body = true, .summary = "Authenticated echo (model allow-list tests)", .hidden = true});
    if (impl_->rate_limits) {
      // The rate limiter alone, as an inference call would meet it (tests of limits across replicas):
      // {"model","prompt_tokens","max_tokens","completion_tokens"} → admit, then finish with that usage.
      router.add("POST", "/v1/debug/admit", [hook = impl_->rate_limits](http::Request& req) {
        auto body = parse_json(req.body);
        if (!body || !body->is_object()) return api::openai::error_response(Error::invalid("expected a JSON object"));
        const auto& o = body->as_object();
        auto num = [&](const char* k) -> std::int64_t {
          const auto* v = o.if_contains(k);
          return v != nullptr && v->is_int64() ? v->as_int64() : 0;
        };
        gateway::CallInfo info;
        info.endpoint = "/v1/debug/admit";
        info.principal = std::static_pointer_cast<const platform::Principal>(req.principal);
        if (const auto* m = o.if_contains("model"); m != nullptr && m->is_string()) info.model = std::string(m->as_string());
        info.prompt_tokens = num("prompt_tokens");
        info.max_output_tokens = num("max_tokens");
        gateway::CallResult result;
        result.usage.prompt_tokens = info.prompt_tokens;
        result.usage.completion_tokens = num("completion_tokens");
        auto promise = std::make_shared<http::ResponsePromise>();
        struct State {
          std::vector<http::Header> headers;
        };
        auto st = std::make_shared<State>();
        hook->admit(info, st->headers, [promise, st, result](Result<gateway::Admission> a) {
          http::Response r = a ? http::Response::json(200, R"({"object":"admitted"})") : api::openai::error_response(a.error());
          for (auto& h : st->headers) r.headers.push_back(h);
          if (a && a->ticket) {
            auto ticket = std::shared_ptr<gateway::CallTicket>(std::move(a->ticket));
            ticket->finish(result, [promise, ticket, r = std::move(r)]() mutable { promise->complete(std::move(r)); });
            return;
          }
          promise->complete(std::move(r));
        });
        return http::Response::later(promise);
      }, {.json_body = true, .summary = "Rate-limit admission only (tests)", .hidden = true});
    }
  }
}

void print_bootstrap_keys(const platform::BootstrapResult& r) {
  if (!r.created) return;
  // stdout, once: the operator's only chance to see generated keys besides the 0600 files.
  if (!r.admin_key.empty()) {
    std::cout << "sovra: created admin key (shown once, also saved to " << r.admin_key_file << "):\n  "
              << r.admin_key << "\n";
  }
  if (!r.api_key.empty()) {
    std::cout << "sovra: created API key for the default project (shown once, also saved to " << r.api_key_file
              << "):\n  " << r.api_key << "\n";
  }
  std::cout.flush();
}

}  // namespace sovra::app
