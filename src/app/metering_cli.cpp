#include "app/metering_cli.hpp"

#include <iostream>

#include "common/logging.hpp"
#include "store/open.hpp"

namespace sovra::app {

int run_metering_cli(const ConfigFlags& flags, const MeteringCliAction& action) {
  auto config = flags.load();
  if (!config) {
    std::cerr << "sovra: invalid configuration: " << config.error().message << "\n";
    return 2;
  }
  (void)configure_logging({.level = "warn", .format = config->log.format});
  const store::OpenOptions o{.url = config->store.url, .data_dir = config->data_dir, .pool_size = 1,
                             .sqlite_full_sync = true};
  auto s = store::open_store(o);  // applies migrations
  if (!s) {
    std::cerr << "sovra: " << s.error().message << "\n";
    return 1;
  }
  auto db = store::open_database(o);
  if (!db) {
    std::cerr << "sovra: " << db.error().message << "\n";
    return 1;
  }
  MeteringCliContext ctx{*config, std::move(*s), std::move(*db)};
  if (auto st = action(ctx); !st) {
    std::cerr << "sovra: " << st.error().message << "\n";
    return st.error().code == ErrorCode::kNotFound ? 4 : 1;
  }
  return 0;
}

Result<std::string> org_or_only(store::Store& s, const std::string& org) {
  if (!org.empty()) {
    SOVRA_CHECK(s.get_organization(org));
    return org;
  }
  SOVRA_TRY(auto page, s.list_organizations({.after = "", .limit = 2}));
  if (page.items.size() == 1) return page.items[0].id;
  if (page.items.empty()) return Error::not_found("The store has no organization yet.");
  return Error::invalid("The store has several organizations: name one with --org.");
}

}  // namespace sovra::app
