#pragma once
// Metering (#9) and budgets (#8) inside a server process: opens the ledger's own connection to the store's
// database (SQLite with synchronous=FULL), imports metering.price_file, keeps prices and budgets in memory
// (re-read every metering.refresh_ms and after each change), and builds the CallHooks and routes:
//
//   auto metering = Metering::start(config, platform->store(), platform->executor(), platform->audit().log());
//   (*metering)->add_hooks(chain);            // metering (ledger), then budget; add rate limits after them
//   (*metering)->install(router);             // /v1/pricing, prices, billing, budgets, usage, costs, invoices
//   add_model_routes(router, catalog, (*metering)->prices_of());   // prices in /v1/models
//
// Destroy it after the server stopped serving (drains the ledger writer) and before the Platform.
//
// With the audit log given (audit on, same store), the ledger writer carries the audit records in its
// transactions (store/transaction_rider.hpp): a call's usage row and audit record commit together, on one thread.
#include <memory>

#include "api/openai/models.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "gateway/call.hpp"
#include "http/router.hpp"
#include "store/executor.hpp"
#include "store/store.hpp"
#include "store/transaction_rider.hpp"

namespace sovra::app {

class Metering {
 public:
  static Result<std::unique_ptr<Metering>> start(const Config& config, std::shared_ptr<store::Store> store,
                                                 std::shared_ptr<store::Executor> executor,
                                                 std::shared_ptr<store::TransactionRider> audit_rider = nullptr);
  ~Metering();
  Metering(const Metering&) = delete;
  Metering& operator=(const Metering&) = delete;

  std::shared_ptr<gateway::CallHook> budget_hook() const;
  std::shared_ptr<gateway::CallHook> metering_hook() const;
  void add_hooks(gateway::CallChain& chain) const;  // metering_hook, then budget_hook
  void install(http::Router& router) const;
  api::openai::PricesOf prices_of() const;

 private:
  struct Impl;
  explicit Metering(std::unique_ptr<Impl> impl);
  void add_debug_charge_route(http::Router& router) const;  // server.debug_routes: POST /v1/debug/charge
  std::unique_ptr<Impl> impl_;
};

}  // namespace sovra::app
