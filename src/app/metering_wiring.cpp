#include "app/metering_wiring.hpp"

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/openai/error.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "http/deferred.hpp"
#include "gateway/budget/budget_hook.hpp"
#include "gateway/budget/budget_routes.hpp"
#include "platform/billing/invoice_routes.hpp"
#include "platform/ids.hpp"
#include "platform/metering/ledger_sql.hpp"
#include "platform/metering/ledger_writer.hpp"
#include "platform/metering/metering_hook.hpp"
#include "platform/metering/usage_routes.hpp"
#include "platform/pricing/price_json.hpp"
#include "platform/pricing/pricing_routes.hpp"
#include "store/open.hpp"

namespace sovra::app {

namespace pricing = platform::pricing;
namespace budget = gateway::budget;

struct Metering::Impl {
  Config config;
  std::shared_ptr<store::Store> store;
  std::shared_ptr<store::Executor> executor;
  std::shared_ptr<store::SqlDatabase> db;
  std::shared_ptr<pricing::PricingState> pricing;
  std::shared_ptr<budget::BudgetBook> budgets = std::make_shared<budget::BudgetBook>();
  std::shared_ptr<budget::SpendTracker> tracker;
  std::shared_ptr<budget::RedisSpend> shared_spend;  // rate_limits.redis_url set: budgets shared by replicas
  std::shared_ptr<platform::metering::LedgerWriter> writer;
  std::shared_ptr<gateway::CallHook> budget_hook;
  std::shared_ptr<gateway::CallHook> metering_hook;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread refresher;

  Status reload() {
    pricing::PriceStore prices(*db);
    SOVRA_CHECK(pricing->reload(prices));
    budget::BudgetStore b(*db);
    SOVRA_TRY(auto all, b.all());
    budgets->set(std::move(all));
    return {};
  }
};

namespace {

Status import_price_file(store::SqlDatabase& db, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::invalid("metering.price_file: cannot read " + path, "metering.price_file");
  std::stringstream text;
  text << in.rdbuf();
  const auto now = platform::now_seconds();
  auto prices = pricing::prices_from_json_text(text.str(), now);
  if (!prices) return Error::invalid("metering.price_file " + path + ": " + prices.error().message, "metering.price_file");
  pricing::PriceStore store(db);
  for (auto& p : *prices) {
    if (auto st = store.add(p, now); !st) {
      return Error::invalid("metering.price_file " + path + ": " + st.error().message, "metering.price_file");
    }
  }
  return {};
}

}  // namespace

Metering::Metering(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Metering::~Metering() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->refresher.joinable()) impl_->refresher.join();
  impl_->metering_hook.reset();
  impl_->budget_hook.reset();
  impl_->shared_spend.reset();  // after the hook: joins its Redis threads here, not on one of them
  impl_->writer.reset();  // commits what is queued
}

Result<std::unique_ptr<Metering>> Metering::start(const Config& config, std::shared_ptr<store::Store> store,
                                                  std::shared_ptr<store::Executor> executor,
                                                  std::shared_ptr<store::TransactionRider> audit_rider) {
  const Logger log("metering");
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->store = std::move(store);
  impl->executor = std::move(executor);
  // Its own connection(s): ledger commits never queue behind tenancy work, and SQLite fsyncs every commit.
  SOVRA_TRY(auto db, store::open_database({.url = config.store.url,
                                           .data_dir = config.data_dir,
                                           .pool_size = 2,
                                           .sqlite_full_sync = true}));
  impl->db = std::shared_ptr<store::SqlDatabase>(std::move(db));
  impl->pricing = std::make_shared<pricing::PricingState>(config.metering.default_currency);
  if (!config.metering.price_file.empty()) SOVRA_CHECK(import_price_file(*impl->db, config.metering.price_file));
  SOVRA_CHECK(impl->reload());
  log.info("price book loaded", {{"prices", static_cast<std::int64_t>(impl->pricing->book()->all().size())}});

  auto db_ref = impl->db;
  budget::SpendTracker::Loader loader = [db_ref](const budget::ScopeKey& k) {
    const auto from = platform::billing::month_start(k.month) * 1000;
    const auto to = platform::billing::month_start(platform::billing::next_month(k.month)) * 1000;
    return platform::metering::spend_nanos(*db_ref, k.org_id,
                                           k.project_id.empty() ? std::nullopt : std::optional(k.project_id), from, to);
  };
  impl->tracker = std::make_shared<budget::SpendTracker>(loader);
  if (!config.rate_limits.redis_url.empty()) {
    // Several replicas: the month's spend and reservations live in Redis (the rate limits' Redis and policy).
    SOVRA_TRY(auto address, gateway::rate_limit::parse_redis_url(config.rate_limits.redis_url));
    impl->shared_spend = std::make_shared<budget::RedisSpend>(budget::RedisSpendOptions{
        .redis = {.address = address,
                  .connections = static_cast<int>(config.rate_limits.redis_connections),
                  .timeout_ms = config.rate_limits.redis_timeout_ms},
        .loader = loader,
        .executor = impl->executor});
    log.info("budget counters in Redis", {{"redis_failure", config.rate_limits.redis_failure}});
  }
  impl->writer = std::make_shared<platform::metering::LedgerWriter>(
      impl->db,
      platform::metering::LedgerWriterOptions{.max_batch = static_cast<std::size_t>(config.metering.max_batch),
                                              .on_commit = {},
                                              .rider = std::move(audit_rider)});
  impl->metering_hook = platform::metering::make_metering_hook({.writer = impl->writer, .pricing = impl->pricing});
  impl->budget_hook = budget::make_budget_hook({.budgets = impl->budgets,
                                                .tracker = impl->tracker,
                                                .pricing = impl->pricing,
                                                .executor = impl->executor,
                                                .shared = impl->shared_spend,
                                                .fail_open = config.rate_limits.redis_failure == "open",
                                                .replicas = config.rate_limits.replicas});

  auto* raw = impl.get();
  impl->refresher = std::thread([raw] {
    const auto interval = std::chrono::milliseconds(raw->config.metering.refresh_ms);
    std::unique_lock lock(raw->mu);
    while (!raw->cv.wait_for(lock, interval, [raw] { return raw->stopping; })) {
      lock.unlock();
      if (auto st = raw->reload(); !st) {
        static const Logger rlog("metering");
        rlog.warn("re-reading prices and budgets failed", {{"error", st.error().message}});
      }
      lock.lock();
    }
  });
  return std::unique_ptr<Metering>(new Metering(std::move(impl)));
}

std::shared_ptr<gateway::CallHook> Metering::budget_hook() const { return impl_->budget_hook; }
std::shared_ptr<gateway::CallHook> Metering::metering_hook() const { return impl_->metering_hook; }

void Metering::add_hooks(gateway::CallChain& chain) const {
  // Metering first: when a later hook (budget, rate limits added after it) refuses, the chain finishes the
  // metering ticket with the refusal, so refused calls are in the ledger too (zero usage, zero cost).
  chain.add(impl_->metering_hook);
  chain.add(impl_->budget_hook);
}

void Metering::install(http::Router& router) const {
  const platform::admin::AdminDeps deps{.store = impl_->store,
                                        .executor = impl_->executor,
                                        .default_rotation_grace_s = impl_->config.auth.rotation_grace_s};
  auto* raw = impl_.get();
  auto reload = [raw] { return raw->reload(); };
  pricing::add_pricing_routes(router, deps, {.db = impl_->db, .pricing = impl_->pricing, .reload = reload});
  budget::add_budget_routes(router, deps, {.db = impl_->db, .pricing = impl_->pricing, .reload = reload});
  platform::metering::add_usage_routes(router, deps, impl_->db, impl_->pricing);
  platform::billing::add_invoice_routes(router, deps, impl_->db);
  if (impl_->config.server.debug_routes) add_debug_charge_route(router);
}

void Metering::add_debug_charge_route(http::Router& router) const {
  // Metering and budget alone, as an inference call meets them, with the usage the body names (tests of budgets
  // across replicas): {"model","prompt_tokens","max_tokens","completion_tokens"} → admit, ledger row, settle.
  auto chain = std::make_shared<gateway::CallChain>();
  chain->add(impl_->metering_hook);
  chain->add(impl_->budget_hook);
  router.add("POST", "/v1/debug/charge", [chain](http::Request& req) {
    auto body = parse_json(req.body);
    if (!body || !body->is_object()) return api::openai::error_response(Error::invalid("expected a JSON object"));
    const auto& o = body->as_object();
    auto num = [&](const char* k) -> std::int64_t {
      const auto* v = o.if_contains(k);
      return v != nullptr && v->is_int64() ? v->as_int64() : 0;
    };
    gateway::CallInfo info;
    info.request_id = req.request_id;
    info.endpoint = "/v1/debug/charge";
    info.protocol = "openai";
    info.principal = std::static_pointer_cast<const platform::Principal>(req.principal);
    if (const auto* m = o.if_contains("model"); m != nullptr && m->is_string()) info.model = std::string(m->as_string());
    info.prompt_tokens = num("prompt_tokens");
    info.max_output_tokens = num("max_tokens");
    info.started = std::chrono::system_clock::now();
    gateway::CallResult result;
    result.usage.prompt_tokens = info.prompt_tokens;
    result.usage.completion_tokens = num("completion_tokens");
    auto promise = std::make_shared<http::ResponsePromise>();
    chain->admit(info, [promise, result](gateway::AdmitOutcome out) mutable {
      if (out.refusal) {
        http::Response r = api::openai::error_response(*out.refusal);
        for (auto& h : out.headers) r.headers.push_back(h);
        promise->complete(std::move(r));
        return;
      }
      http::Response r = http::Response::json(200, R"({"object":"charged"})");
      for (auto& h : out.headers) r.headers.push_back(h);
      result.ended = std::chrono::system_clock::now();
      auto tickets = std::make_shared<gateway::CallTickets>(std::move(out.tickets));
      tickets->finish(result, [promise, tickets, r = std::move(r)]() mutable { promise->complete(std::move(r)); });
    });
    return http::Response::later(promise);
  }, {.json_body = true, .summary = "Metering and budget admission only (tests)", .hidden = true});
}

api::openai::PricesOf Metering::prices_of() const {
  return [pricing_state = impl_->pricing](std::string_view model) {
    std::vector<api::ModelPrice> out;
    for (const auto& p : pricing_state->book()->current(platform::now_seconds())) {
      if (p.model != model) continue;
      out.push_back({p.currency, pricing::format_money(p.input_per_1m), pricing::format_money(p.cached_input_per_1m),
                     pricing::format_money(p.output_per_1m), pricing::format_money(p.audio_minute),
                     pricing::format_money(p.page), p.effective_from});
    }
    return out;
  };
}

}  // namespace sovra::app
