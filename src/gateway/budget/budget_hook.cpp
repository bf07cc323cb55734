#include "gateway/budget/budget_hook.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <random>

#include "common/logging.hpp"
#include "observability/metrics.hpp"
#include "platform/metering/metering_hook.hpp"

namespace sovra::gateway::budget {
namespace {

namespace pricing = platform::pricing;

struct Metrics {
  prometheus::Counter* refused;
  prometheus::Counter* soft;
  prometheus::Counter* backend_errors;
  prometheus::Counter* fallback;
};

Metrics& metrics() {
  static Metrics m = [] {
    auto& reg = observability::registry();
    auto& refused = prometheus::BuildCounter()
                        .Name("sovra_budget_refusals_total")
                        .Help("Calls refused because their worst-case cost would cross a hard monthly budget.")
                        .Register(reg);
    auto& soft = prometheus::BuildCounter()
                     .Name("sovra_budget_soft_exceeded_total")
                     .Help("Calls admitted over a soft monthly budget (flagged with x-sovra-budget-warning).")
                     .Register(reg);
    auto& errors = prometheus::BuildCounter()
                       .Name("sovra_budget_backend_errors_total")
                       .Help("Budget reservations or settlements in Redis that failed (unreachable, timeout, error).")
                       .Register(reg);
    auto& fallback = prometheus::BuildCounter()
                         .Name("sovra_budget_fallback_total")
                         .Help("Budget admissions decided by this process's own counters because Redis failed.")
                         .Register(reg);
    return Metrics{&refused.Add({}), &soft.Add({}), &errors.Add({}), &fallback.Add({})};
  }();
  return m;
}

const Logger& log() {
  static const Logger l("budget");
  return l;
}

std::string scope_name(const ScopeKey& k) {
  return k.project_id.empty() ? "organization " + k.org_id : "project " + k.project_id;
}

// Where a call's reservation lives: the local tracker, or Redis (under `call_id`).
struct Reservation {
  std::shared_ptr<SpendTracker> tracker;
  std::shared_ptr<RedisSpend> shared;
  std::string call_id;
};

class BudgetTicket final : public CallTicket {
 public:
  BudgetTicket(Reservation where, std::vector<ScopeKey> keys, pricing::Money worst,
               std::optional<pricing::Price> price, std::string currency, CallInfo info)
      : where_(std::move(where)),
        keys_(std::move(keys)),
        worst_(worst),
        price_(std::move(price)),
        currency_(std::move(currency)),
        info_(std::move(info)) {}

  void finish(const CallResult& result, std::function<void()> done) override {
    pricing::Money actual;
    // The same computation as the ledger row's, so the counted spend and the ledger agree to the nano.
    if (price_) actual = platform::metering::make_usage_record(info_, result, &*price_, currency_).cost;
    if (!where_.shared) {
      where_.tracker->settle(keys_, worst_, actual);
      done();
      return;
    }
    // Settled before the call's final byte, so a client's next call sees this one's exact cost.
    where_.shared->settle(keys_, where_.call_id, actual, [done = std::move(done)](Status st) {
      if (!st) {
        metrics().backend_errors->Increment();
        // The reservation expires on its own; Redis misses this cost until the month is seeded from the ledger.
        log().warn("settling a budget reservation in Redis failed", {{"error", st.error().message}});
      }
      done();
    });
  }

 private:
  Reservation where_;
  std::vector<ScopeKey> keys_;
  pricing::Money worst_;
  std::optional<pricing::Price> price_;
  std::string currency_;
  CallInfo info_;
};

std::string random_call_prefix() {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out += kHex[rd() & 15];
  return out + ":";
}

class BudgetHook final : public CallHook, public std::enable_shared_from_this<BudgetHook> {
 public:
  explicit BudgetHook(BudgetHookOptions o) : o_(std::move(o)), call_prefix_(random_call_prefix()) { (void)metrics(); }
  const char* name() const override { return "budget"; }

  void admit(const CallInfo& info, std::vector<http::Header>& headers, AdmitDone done) override {
    if (!info.principal) {
      done(Admission{});
      return;
    }
    const auto& who = *info.principal;
    const auto budgets = o_.budgets->for_call(who.org_id, who.project_id);
    if (budgets.empty()) {
      done(Admission{});
      return;
    }
    const auto at = std::chrono::duration_cast<std::chrono::seconds>(info.started.time_since_epoch()).count();
    const auto month = platform::billing::month_of(at);
    std::vector<SpendTracker::Limit> limits;
    for (const auto& b : budgets) limits.push_back({{b.org_id, b.project_id, month}, b.amount, b.hard});
    const std::string currency = o_.pricing->currency_of(who.org_id);
    const auto book = o_.pricing->book();
    std::optional<pricing::Price> price;
    if (const auto* p = book->find(platform::metering::priced_model(info), currency, at)) price = *p;
    pricing::Money worst;
    if (price) {
      auto w = pricing::worst_case_cost(*price, info.prompt_tokens, info.max_output_tokens);
      worst = w ? *w : pricing::Money{INT64_MAX};
    }
    // `headers` outlives the call to done (CallHook contract), so the deferred paths may append to it.
    Pending p{info, std::move(limits), worst, std::move(price), currency, &headers, std::move(done)};
    if (o_.shared) {
      const auto call_id = call_prefix_ + std::to_string(next_call_.fetch_add(1));
      auto shared_limits = p.limits;
      o_.shared->reserve(shared_limits, worst, call_id,
                         [self = shared_from_this(), p = std::move(p), call_id](Result<SpendTracker::Verdict> v) mutable {
                           self->on_shared(std::move(p), call_id, std::move(v));
                         });
      return;
    }
    decide_locally(std::move(p), 1);
  }

 private:
  struct Pending {
    CallInfo info;
    std::vector<SpendTracker::Limit> limits;
    pricing::Money worst;
    std::optional<pricing::Price> price;
    std::string currency;
    std::vector<http::Header>* headers;
    AdmitDone done;
  };

  void on_shared(Pending p, const std::string& call_id, Result<SpendTracker::Verdict> v) {
    if (v) {
      if (shared_down_.exchange(false)) {
        log().info("budget counters in Redis reachable again");
        o_.tracker->forget();  // the next outage starts again from the ledger
      }
      decide(std::move(p), *v, Reservation{nullptr, o_.shared, call_id});
      return;
    }
    metrics().backend_errors->Increment();
    if (!shared_down_.exchange(true)) {
      log().warn("budget counters in Redis unreachable",
                 {{"error", v.error().message}, {"policy", o_.fail_open ? "open" : "closed"}});
    }
    if (!o_.fail_open) {
      Error e{ErrorCode::kUnavailable, "The budget check is unavailable right now; retry shortly.", {}, 503,
              "budget_unavailable"};
      p.headers->push_back({"retry-after", "1"});
      p.done(fail(std::move(e)));
      return;
    }
    metrics().fallback->Increment();
    decide_locally(std::move(p), std::max<std::int64_t>(o_.replicas, 1));
  }

  // The local tracker, loading the call's scopes from the ledger first where needed (on the executor).
  void decide_locally(Pending p, std::int64_t share) {
    bool all_loaded = true;
    for (const auto& l : p.limits) all_loaded = all_loaded && o_.tracker->loaded(l.key);
    if (all_loaded) {
      auto v = o_.tracker->reserve(p.limits, p.worst, share);
      decide(std::move(p), v, Reservation{o_.tracker, nullptr, {}});
      return;
    }
    o_.executor->post([self = shared_from_this(), p = std::move(p), share]() mutable {
      for (const auto& l : p.limits) {
        if (auto st = self->o_.tracker->load(l.key); !st) {
          log().error("cannot read this month's spend from the ledger", {{"error", st.error().message}});
          // Fail closed: a budget that cannot be checked is not a budget.
          Error e = Error::unavailable("The budget check is unavailable right now; retry shortly.");
          e.http_status = 503;
          p.done(fail(std::move(e)));
          return;
        }
      }
      auto v = self->o_.tracker->reserve(p.limits, p.worst, share);
      self->decide(std::move(p), v, Reservation{self->o_.tracker, nullptr, {}});
    });
  }

  void decide(Pending p, const SpendTracker::Verdict& v, Reservation where) {
    const auto& info = p.info;
    const auto& worst = p.worst;
    const auto& currency = p.currency;
    if (!v.admitted) {
      metrics().refused->Increment();
      const auto& l = p.limits[static_cast<std::size_t>(v.refused_by)];
      const std::int64_t left = l.amount.nanos - v.spent_nanos - v.reserved_nanos;
      log().debug("call refused by a hard budget",
                 {{"request_id", info.request_id}, {"scope", scope_name(l.key)},
                  {"worst_case", pricing::format_money(worst)}, {"budget", pricing::format_money(l.amount)},
                  {"spent", pricing::format_money({v.spent_nanos})}, {"reserved", pricing::format_money({v.reserved_nanos})}});
      Error e{ErrorCode::kRateLimited,
              "This call could cost up to " + pricing::format_money(worst) + " " + currency + ", more than the " +
                  pricing::format_money({std::max<std::int64_t>(0, left)}) + " " + currency + " left of the " +
                  scope_name(l.key) + "'s hard monthly budget of " + pricing::format_money(l.amount) + " " +
                  currency + " (spent " + pricing::format_money({v.spent_nanos}) + ", reserved by calls in flight " +
                  pricing::format_money({v.reserved_nanos}) +
                  "). Lower max_tokens, ask an administrator to raise the budget, or wait for next month.",
              {},
              429,
              "insufficient_quota"};
      p.done(fail(e));
      return;
    }
    if (!v.soft_crossed.empty()) {
      metrics().soft->Increment();
      const auto& l = p.limits[v.soft_crossed.front()];
      const std::string msg = "soft monthly budget of " + scope_name(l.key) + " exceeded: " +
                              pricing::format_money({v.spent_nanos}) + " " + currency + " spent of " +
                              pricing::format_money(l.amount) + " " + currency;
      p.headers->push_back({"x-sovra-budget-warning", msg});
      log().warn("call over a soft budget", {{"request_id", info.request_id}, {"scope", scope_name(l.key)},
                                             {"budget", pricing::format_money(l.amount)},
                                             {"spent", pricing::format_money({v.spent_nanos})}});
    }
    std::vector<ScopeKey> keys;
    for (const auto& l : p.limits) keys.push_back(l.key);
    p.done(Admission{std::make_unique<BudgetTicket>(std::move(where), std::move(keys), worst, std::move(p.price),
                                                    currency, info)});
  }

  BudgetHookOptions o_;
  std::string call_prefix_;
  std::atomic<std::uint64_t> next_call_{0};
  std::atomic<bool> shared_down_{false};
};

}  // namespace

std::shared_ptr<CallHook> make_budget_hook(BudgetHookOptions options) {
  return std::make_shared<BudgetHook>(std::move(options));
}

}  // namespace sovra::gateway::budget
