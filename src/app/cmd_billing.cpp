// `sovra billing …`: invoices, the price book, billing currencies and budgets, directly on the store.
//   sovra billing invoice 2026-11 [--org ORG] [--format json|csv|html]
//   sovra billing close 2026-11 [--org ORG]          freeze the month's invoices (all organisations by default)
//   sovra billing prices list | prices add --file prices.json | prices add --price-model M --currency EUR --input 0.1 …
//   sovra billing currency --org ORG --currency SEK
//   sovra billing budget set --org ORG [--project P] --amount 100.00 [--soft] | budget list --org ORG |
//                        budget remove --org ORG [--project P]
#include <CLI/CLI.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/command.hpp"
#include "app/metering_cli.hpp"
#include "gateway/budget/budget_store.hpp"
#include "platform/admin/admin_json.hpp"
#include "platform/billing/invoice.hpp"
#include "platform/ids.hpp"
#include "platform/pricing/price_json.hpp"
#include "platform/pricing/price_store.hpp"

namespace sovra::app {
namespace {

namespace billing = platform::billing;
namespace pricing = platform::pricing;

struct BillingArgs {
  ConfigFlags flags;
  std::string org;
  std::string project;
  std::string month;
  std::string format = "json";
  std::string file;
  std::string model, currency, input = "0", cached = "0", output = "0", audio = "0", page = "0", from;
  std::string amount;
  bool soft = false;
};

Status invoice(MeteringCliContext& c, const BillingArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  SOVRA_TRY(auto month, billing::parse_month(a.month));
  SOVRA_TRY(auto inv, billing::load_invoice(*c.db, org, month));
  if (a.format == "json") std::cout << billing::invoice_json(inv) << "\n";
  else if (a.format == "csv") std::cout << billing::invoice_csv(inv);
  else if (a.format == "html") std::cout << billing::invoice_html(inv);
  else return Error::invalid("--format must be json, csv or html");
  return {};
}

Status close(MeteringCliContext& c, const BillingArgs& a) {
  SOVRA_TRY(auto month, billing::parse_month(a.month));
  std::vector<std::string> orgs;
  if (!a.org.empty()) {
    orgs.push_back(a.org);
  } else {
    SOVRA_TRY(orgs, billing::orgs_with_usage(*c.db, month));
  }
  for (const auto& org : orgs) {
    SOVRA_TRY(auto inv, billing::close_invoice(*c.db, org, month, platform::now_seconds()));
    std::cout << billing::invoice_json(inv) << "\n";
  }
  if (orgs.empty()) std::cerr << "sovra: no usage in " << a.month << "; nothing to close\n";
  return {};
}

Status prices_list(MeteringCliContext& c, const BillingArgs&) {
  pricing::PriceStore store(*c.db);
  SOVRA_TRY(auto all, store.all());
  std::cout << pricing::price_list_json(all) << "\n";
  return {};
}

Status prices_add(MeteringCliContext& c, const BillingArgs& a) {
  const auto now = platform::now_seconds();
  std::vector<pricing::Price> prices;
  if (!a.file.empty()) {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) return Error::invalid("cannot read " + a.file);
    std::stringstream text;
    text << in.rdbuf();
    SOVRA_TRY(prices, pricing::prices_from_json_text(text.str(), now));
  } else {
    boost::json::object o{{"model", a.model},        {"currency", a.currency}, {"input_per_1m", a.input},
                          {"cached_input_per_1m", a.cached}, {"output_per_1m", a.output},
                          {"audio_minute", a.audio}, {"page", a.page}};
    if (!a.from.empty()) o["effective_from"] = a.from;
    SOVRA_TRY(auto p, pricing::price_from_json(o, now));
    prices.push_back(std::move(p));
  }
  pricing::PriceStore store(*c.db);
  for (auto& p : prices) {
    SOVRA_TRY(auto stored, store.add(std::move(p), now));
    std::cout << platform::admin::to_string(pricing::price_json(stored)) << "\n";
  }
  return {};
}

Status currency(MeteringCliContext& c, const BillingArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  pricing::PriceStore store(*c.db);
  if (!a.currency.empty()) SOVRA_CHECK(store.set_currency(org, a.currency, platform::now_seconds()));
  SOVRA_TRY(auto cur, store.currency_of(org, c.config.metering.default_currency));
  std::cout << R"({"object":"organization.billing","organization_id":")" << org << R"(","currency":")" << cur
            << "\"}\n";
  return {};
}

Status budget_set(MeteringCliContext& c, const BillingArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  if (!a.project.empty()) SOVRA_CHECK(c.store->get_project(org, a.project));
  SOVRA_TRY(auto amount, pricing::parse_money(a.amount));
  gateway::budget::BudgetStore store(*c.db);
  SOVRA_CHECK(store.set({org, a.project, amount, !a.soft, platform::now_seconds()}));
  std::cout << "budget of " << (a.project.empty() ? "organization " + org : "project " + a.project) << " set to "
            << pricing::format_money(amount) << (a.soft ? " (soft)" : " (hard)") << " per month\n";
  return {};
}

Status budget_list(MeteringCliContext& c, const BillingArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  gateway::budget::BudgetStore store(*c.db);
  SOVRA_TRY(auto list, store.list(org));
  boost::json::array data;
  for (const auto& b : list) {
    data.push_back(boost::json::object{{"project_id", b.project_id.empty() ? boost::json::value(nullptr) : boost::json::value(b.project_id)},
                                       {"amount", pricing::format_money(b.amount)},
                                       {"hard", b.hard}});
  }
  std::cout << boost::json::serialize(boost::json::object{{"object", "list"}, {"data", data}}) << "\n";
  return {};
}

Status budget_remove(MeteringCliContext& c, const BillingArgs& a) {
  SOVRA_TRY(auto org, org_or_only(*c.store, a.org));
  gateway::budget::BudgetStore store(*c.db);
  return store.remove(org, a.project);
}

const CommandRegistration kBilling([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("billing", "Invoices, prices, billing currencies and budgets");
  cmd->require_subcommand(1);
  auto args = std::make_shared<BillingArgs>();
  auto leaf = [&exit_code, args](CLI::App* parent, const char* name, const char* help,
                                 Status (*action)(MeteringCliContext&, const BillingArgs&)) {
    auto* c = parent->add_subcommand(name, help);
    args->flags.add_to(*c);
    c->callback([&exit_code, args, action] {
      exit_code = run_metering_cli(args->flags, [args, action](MeteringCliContext& ctx) { return action(ctx, *args); });
    });
    return c;
  };
  auto* inv = leaf(cmd, "invoice", "Print an organization's invoice for a month", invoice);
  inv->add_option("month", args->month, "YYYY-MM")->required();
  inv->add_option("--org", args->org, "organization id (default: the only one)");
  inv->add_option("--format", args->format, "json, csv or html");
  auto* cl = leaf(cmd, "close", "Freeze a finished month's invoices", close);
  cl->add_option("month", args->month, "YYYY-MM")->required();
  cl->add_option("--org", args->org, "organization id (default: every organization with usage)");
  auto* prices = cmd->add_subcommand("prices", "The price book");
  prices->require_subcommand(1);
  leaf(prices, "list", "Every price entry with its history", prices_list);
  auto* pa = leaf(prices, "add", "Add price entries (never rewrites one)", prices_add);
  pa->add_option("--file", args->file, "JSON price book to add");
  pa->add_option("--price-model", args->model, "model name (--model is the served-model flag)");
  pa->add_option("--currency", args->currency, "EUR, SEK, …");
  pa->add_option("--input", args->input, "per 1M input tokens");
  pa->add_option("--cached-input", args->cached, "per 1M cached input tokens");
  pa->add_option("--output", args->output, "per 1M output tokens");
  pa->add_option("--audio-minute", args->audio, "per audio minute");
  pa->add_option("--page", args->page, "per OCR page");
  pa->add_option("--from", args->from, "effective from (default: now)");
  auto* cur = leaf(cmd, "currency", "Show or set an organization's billing currency", currency);
  cur->add_option("--org", args->org, "organization id");
  cur->add_option("--currency", args->currency, "new currency (EUR, SEK, …)");
  auto* budget = cmd->add_subcommand("budget", "Monthly budgets");
  budget->require_subcommand(1);
  auto* bs = leaf(budget, "set", "Set a monthly budget", budget_set);
  bs->add_option("--org", args->org, "organization id");
  bs->add_option("--project", args->project, "project id (default: the whole organization)");
  bs->add_option("--amount", args->amount, "amount in the organization's currency")->required();
  bs->add_flag("--soft", args->soft, "flag calls over the budget instead of refusing them");
  leaf(budget, "list", "List budgets", budget_list)->add_option("--org", args->org, "organization id");
  auto* br = leaf(budget, "remove", "Remove a budget", budget_remove);
  br->add_option("--org", args->org, "organization id");
  br->add_option("--project", args->project, "project id");
});

}  // namespace
}  // namespace sovra::app
