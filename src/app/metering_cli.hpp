#pragma once
// What `sovra usage` and `sovra billing` share: the configuration, the store (migrated) and the ledger's database,
// opened directly like `sovra admin` does (also while a server runs; servers re-read prices and budgets every
// metering.refresh_ms).
#include <functional>
#include <memory>
#include <string>

#include "app/config_flags.hpp"
#include "store/sql.hpp"
#include "store/store.hpp"

namespace sovra::app {

struct MeteringCliContext {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::SqlDatabase> db;
};

using MeteringCliAction = std::function<Status(MeteringCliContext&)>;

// Loads the config, opens both, runs `action`; prints errors as "sovra: …" and returns the exit code.
int run_metering_cli(const ConfigFlags& flags, const MeteringCliAction& action);

// `org` when set, else the only organisation of the store (an error when there are several).
Result<std::string> org_or_only(store::Store& s, const std::string& org);

}  // namespace sovra::app
