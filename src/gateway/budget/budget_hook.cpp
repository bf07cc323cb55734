#include "gateway/budget/budget_hook.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <chrono>
#include <optional>

#include "common/logging.hpp"
#include "observability/metrics.hpp"
#include "platform/metering/metering_hook.hpp"

namespace sovra::gateway::budget {
namespace {

namespace pricing = platform::pricing;

struct Metrics {
  prometheus::Counter* refused;
  prometheus::Counter* soft;
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
    return Metrics{&refused.Add({}), &soft.Add({})};
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

class BudgetTicket final : public CallTicket {
 public:
  BudgetTicket(std::shared_ptr<SpendTracker> tracker, std::vector<ScopeKey> keys, pricing::Money worst,
               std::optional<pricing::Price> price, std::string currency, CallInfo info)
      : tracker_(std::move(tracker)),
        keys_(std::move(keys)),
        worst_(worst),
        price_(std::move(price)),
        currency_(std::move(currency)),
        info_(std::move(info)) {}

  void finish(const CallResult& result, std::function<void()> done) override {
    pricing::Money actual;
    // The same computation as the ledger row's, so in-memory spend and the ledger agree to the nano.
    if (price_) actual = platform::metering::make_usage_record(info_, result, &*price_, currency_).cost;
    tracker_->settle(keys_, worst_, actual);
    done();
  }

 private:
  std::shared_ptr<SpendTracker> tracker_;
  std::vector<ScopeKey> keys_;
  pricing::Money worst_;
  std::optional<pricing::Price> price_;
  std::string currency_;
  CallInfo info_;
};

class BudgetHook final : public CallHook, public std::enable_shared_from_this<BudgetHook> {
 public:
  explicit BudgetHook(BudgetHookOptions o) : o_(std::move(o)) { (void)metrics(); }
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
    bool all_loaded = true;
    for (const auto& l : limits) all_loaded = all_loaded && o_.tracker->loaded(l.key);
    // `headers` outlives the call to done (CallHook contract), so the deferred path may append to it.
    auto decide = [self = shared_from_this(), info, limits, worst, price, currency, &headers,
                   done = std::move(done)](std::optional<Error> failure) mutable {
      if (failure) {
        done(fail(std::move(*failure)));
        return;
      }
      self->decide(info, limits, worst, std::move(price), currency, headers, std::move(done));
    };
    if (all_loaded) {
      decide(std::nullopt);
      return;
    }
    o_.executor->post([self = shared_from_this(), limits, decide = std::move(decide)]() mutable {
      for (const auto& l : limits) {
        if (auto st = self->o_.tracker->load(l.key); !st) {
          log().error("cannot read this month's spend from the ledger", {{"error", st.error().message}});
          // Fail closed: a budget that cannot be checked is not a budget.
          Error e = Error::unavailable("The budget check is unavailable right now; retry shortly.");
          e.http_status = 503;
          decide(std::move(e));
          return;
        }
      }
      decide(std::nullopt);
    });
  }

 private:
  void decide(const CallInfo& info, const std::vector<SpendTracker::Limit>& limits, pricing::Money worst,
              std::optional<pricing::Price> price, const std::string& currency, std::vector<http::Header>& headers,
              AdmitDone done) {
    const auto v = o_.tracker->reserve(limits, worst);
    if (!v.admitted) {
      metrics().refused->Increment();
      const auto& l = *v.refused_by;
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
      done(fail(e));
      return;
    }
    if (!v.soft_crossed.empty()) {
      metrics().soft->Increment();
      const auto& l = *v.soft_crossed.front();
      const std::string msg = "soft monthly budget of " + scope_name(l.key) + " exceeded: " +
                              pricing::format_money({v.spent_nanos}) + " " + currency + " spent of " +
                              pricing::format_money(l.amount) + " " + currency;
      headers.push_back({"x-sovra-budget-warning", msg});
      log().warn("call over a soft budget", {{"request_id", info.request_id}, {"scope", scope_name(l.key)},
                                             {"budget", pricing::format_money(l.amount)},
                                             {"spent", pricing::format_money({v.spent_nanos})}});
    }
    std::vector<ScopeKey> keys;
    for (const auto& l : limits) keys.push_back(l.key);
    done(Admission{std::make_unique<BudgetTicket>(o_.tracker, std::move(keys), worst, std::move(price), currency,
                                                  info)});
  }

  BudgetHookOptions o_;
};

}  // namespace

std::shared_ptr<CallHook> make_budget_hook(BudgetHookOptions options) {
  return std::make_shared<BudgetHook>(std::move(options));
}

}  // namespace sovra::gateway::budget
