#include "gateway/budget/budget_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "platform/admin/admin_json.hpp"
#include "platform/billing/calendar.hpp"
#include "platform/ids.hpp"
#include "platform/metering/ledger_sql.hpp"

namespace sovra::gateway::budget {
namespace {

namespace admin = platform::admin;
namespace billing = platform::billing;
namespace pricing = platform::pricing;

Result<boost::json::object> budget_json(store::SqlDatabase& db, const Budget& b, const std::string& currency) {
  const auto now = platform::now_seconds();
  const auto month = billing::month_of(now);
  SOVRA_TRY(auto spent, platform::metering::spend_nanos(
                            db, b.org_id, b.project_id.empty() ? std::nullopt : std::optional(b.project_id),
                            billing::month_start(month) * 1000, billing::month_start(billing::next_month(month)) * 1000));
  boost::json::object o;
  o["object"] = "organization.budget";
  o["id"] = b.project_id.empty() ? "organization" : b.project_id;
  o["project_id"] = b.project_id.empty() ? boost::json::value(nullptr) : boost::json::value(b.project_id);
  o["amount"] = pricing::format_money(b.amount);
  o["currency"] = currency;
  o["hard"] = b.hard;
  o["month"] = billing::format_month(month);
  o["spent"] = pricing::format_money({spent});  // committed to the ledger this month
  o["updated_at"] = b.updated_at;
  return o;
}

}  // namespace

void add_budget_routes(http::Router& router, const admin::AdminDeps& deps, BudgetRouteDeps bd) {
  admin::add_admin_route(
      router, deps, "GET", "/v1/organization/budgets",
      [bd](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        BudgetStore budgets(*bd.db);
        SOVRA_TRY(auto list, budgets.list(c.who.org_id));
        const auto currency = bd.pricing->currency_of(c.who.org_id);
        boost::json::array data;
        for (const auto& b : list) {
          SOVRA_TRY(auto o, budget_json(*bd.db, b, currency));
          data.push_back(std::move(o));
        }
        boost::json::object o;
        o["object"] = "list";
        o["data"] = std::move(data);
        return admin::AdminReply{200, boost::json::serialize(o), {}};
      },
      "Monthly budgets of the organization and its projects");

  admin::add_admin_route(
      router, deps, "POST", "/v1/organization/budgets",
      [bd](store::Store& s, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        Budget b;
        b.org_id = c.who.org_id;
        SOVRA_TRY(b.project_id, admin::string_field(c.body, "project_id", false));
        if (!b.project_id.empty()) SOVRA_CHECK(s.get_project(c.who.org_id, b.project_id));  // another org's: 404
        SOVRA_TRY(auto amount, admin::string_field(c.body, "amount", true));
        auto m = pricing::parse_money(amount);
        if (!m) return Error::invalid("'amount': " + m.error().message, "amount");
        if (m->nanos < 0) return Error::invalid("'amount' must not be negative.", "amount");
        b.amount = *m;
        const auto* obj = c.body.if_object();
        const auto* hard = obj != nullptr ? obj->if_contains("hard") : nullptr;
        if (hard != nullptr && !hard->is_null() && !hard->is_bool()) {
          return Error::invalid("'hard' must be true or false.", "hard");
        }
        b.hard = hard == nullptr || hard->is_null() || hard->as_bool();
        b.updated_at = platform::now_seconds();
        BudgetStore budgets(*bd.db);
        SOVRA_CHECK(budgets.set(b));
        SOVRA_CHECK(bd.reload());
        SOVRA_TRY(auto o, budget_json(*bd.db, b, bd.pricing->currency_of(c.who.org_id)));
        return admin::AdminReply{200, boost::json::serialize(o), {}};
      },
      "Set the monthly budget of the organization or of one project");

  admin::add_admin_route(
      router, deps, "DELETE", "/v1/organization/budgets/{scope}",
      [bd](store::Store&, const admin::AdminCall& c) -> Result<admin::AdminReply> {
        const std::string scope = c.param("scope");
        BudgetStore budgets(*bd.db);
        SOVRA_CHECK(budgets.remove(c.who.org_id, scope == "organization" ? std::string() : scope));
        SOVRA_CHECK(bd.reload());
        return admin::AdminReply{200, admin::deleted_json("organization.budget", scope), {}};
      },
      "Remove a monthly budget");
}

}  // namespace sovra::gateway::budget
