// Metering on the real binary: the public price list, prices in /v1/models, billing currency and budgets through
// the administration API, and usage/costs/invoices over ledger rows (written by this test into the server's
// database, as the metering hook would) through the API and the `sovra usage` / `sovra billing` CLIs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "integration/auth_support.hpp"
#include "platform/metering/ledger_writer.hpp"
#include "store/open.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
constexpr std::int64_t kNov1 = 1'793'491'200;

std::string price_file() {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("sovra-prices-" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(path) << R"({"prices":[
    {"model":"stories","currency":"EUR","effective_from":"2026-01-01","input_per_1m":"0.125","output_per_1m":"0.5"},
    {"model":"stories","currency":"SEK","effective_from":"2026-01-01","input_per_1m":"1.5","output_per_1m":"6"}]})";
  return path;
}

std::vector<std::string> server_args() {
  std::vector<std::string> args{"--set", "metering.price_file=" + price_file()};
  if (std::filesystem::exists(kModel)) {
    args.push_back("--model");
    args.push_back("stories=" + kModel);
  }
  return args;
}

class Metering : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started()) << server_.log();
    admin_ = read_file(server_.data_dir() + "/data/initial-admin-key");
    api_ = read_file(server_.data_dir() + "/data/initial-api-key");
  }
  ServerProcess server_{server_args()};
  std::string admin_;
  std::string api_;
};

TEST_F(Metering, PricesArePublicAndShownWithTheModels) {
  auto pub = call(server_.port(), "GET", "/v1/pricing", "");
  ASSERT_EQ(pub.status, 200) << pub.body;
  EXPECT_NE(pub.body.find(R"("input_per_1m":"0.125")"), std::string::npos) << pub.body;
  EXPECT_NE(pub.body.find(R"("currency":"SEK")"), std::string::npos);
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " is absent: /v1/models prices not checked";
  auto models = call(server_.port(), "GET", "/v1/models/stories", api_);
  ASSERT_EQ(models.status, 200) << models.body;
  EXPECT_NE(models.body.find(R"("pricing":[{"currency":"EUR","input_per_1m":"0.125")"), std::string::npos)
      << models.body;
}

TEST_F(Metering, UsageCostsBudgetsAndInvoicesOverTheLedger) {
  auto billing = call(server_.port(), "POST", "/v1/organization/billing", admin_, R"({"currency":"SEK"})");
  ASSERT_EQ(billing.status, 200) << billing.body;
  auto budget = call(server_.port(), "POST", "/v1/organization/budgets", admin_, R"({"amount":"250.50","hard":true})");
  ASSERT_EQ(budget.status, 200) << budget.body;
  EXPECT_NE(budget.body.find(R"("currency":"SEK")"), std::string::npos) << budget.body;
  auto orgs = json_of(call(server_.port(), "GET", "/v1/organization/billing", admin_));
  const std::string org = str(orgs, "organization_id");
  ASSERT_FALSE(org.empty());

  {
    auto db = store::open_database({.url = "", .data_dir = server_.data_dir() + "/data", .pool_size = 1,
                                    .sqlite_full_sync = true});
    ASSERT_TRUE(db) << db.error().message;
    platform::metering::LedgerWriter writer(std::shared_ptr<store::SqlDatabase>(std::move(*db)), {});
    for (int i = 0; i < 10; ++i) {
      platform::metering::UsageRecord r;
      r.id = "usage_it_" + std::to_string(i);
      r.org_id = org;
      r.project_id = "proj_x";
      r.model = "stories";
      r.endpoint = "/v1/chat/completions";
      r.input_tokens = 1000;
      r.output_tokens = 100 + i;
      r.started_ms = (kNov1 + i * 3600) * 1000;
      r.currency = "SEK";
      r.cost = {1000 * 1500 + (100 + i) * 6000};
      writer.submit(r, {});
    }
  }
  std::int64_t expected_output = 0, expected_cost = 0;
  for (int i = 0; i < 10; ++i) {
    expected_output += 100 + i;
    expected_cost += 1000 * 1500 + (100 + i) * 6000;
  }
  const std::string q = "?start_time=" + std::to_string(kNov1) + "&limit=1";
  auto usage = call(server_.port(), "GET", "/v1/organization/usage/completions" + q, admin_);
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_NE(usage.body.find(R"("output_tokens":)" + std::to_string(expected_output)), std::string::npos) << usage.body;
  auto costs = call(server_.port(), "GET", "/v1/organization/costs" + q, admin_);
  ASSERT_EQ(costs.status, 200) << costs.body;
  EXPECT_NE(costs.body.find(R"("value":)" + platform::pricing::format_money({expected_cost}) + R"(,"currency":"sek")"), std::string::npos)
      << costs.body << " expected nanos " << expected_cost;
  // A project key reads its own project's usage only: none of proj_x's.
  auto own = call(server_.port(), "GET", "/v1/organization/usage/completions" + q, api_);
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.body.find(R"("output_tokens":)" + std::to_string(expected_output)), std::string::npos) << own.body;
  EXPECT_EQ(call(server_.port(), "GET", "/v1/organization/usage/completions" + q + "&project_ids=proj_x", api_).status,
            403);

  std::string out, err;
  ASSERT_EQ(run_sovra({"usage", "--data-dir", server_.data_dir() + "/data", "--from", "2026-11-01", "--to",
                       "2026-11-02", "--kind", "costs"},
                      &out, &err),
            0)
      << err;
  EXPECT_NE(out.find(R"("value":)" + platform::pricing::format_money({expected_cost})), std::string::npos) << out;
  ASSERT_EQ(run_sovra({"billing", "invoice", "2026-11", "--data-dir", server_.data_dir() + "/data", "--format", "csv"},
                      &out, &err),
            0)
      << err;
  EXPECT_NE(out.find(",TOTAL,,SEK,,,,,,," + platform::pricing::format_money({expected_cost})), std::string::npos) << out;
}

}  // namespace
}  // namespace sovra::test
