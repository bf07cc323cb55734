// Two `sovra gateway` replicas on one PostgreSQL: a key created on one works on the other, and a key revoked
// through one is refused by the other within one second.
#include <gtest/gtest.h>

#include <chrono>

#include "integration/auth_support.hpp"
#include "store/store_backends.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

TEST(Replicas, ARevocationOnOneReplicaReachesTheOtherWithinOneSecond) {
  store::test::PostgresBackend pg;
  if (auto why = pg.skip_reason(); !why.empty()) GTEST_SKIP() << why;
  const std::vector<std::string> args = {"--set", "server.debug_routes=true", "--set", "store.url=" + pg.url()};
  ServerProcess first("gateway", args);
  ASSERT_TRUE(first.started()) << first.log();
  ServerProcess second("gateway", args);
  ASSERT_TRUE(second.started()) << second.log();
  // Only one replica bootstraps the shared store.
  const auto admin = read_file(first.data_dir() + "/data/initial-admin-key");
  ASSERT_FALSE(admin.empty());
  EXPECT_TRUE(read_file(second.data_dir() + "/data/initial-admin-key").empty());

  auto created = call(first.port(), "POST", "/v1/organization/projects/proj_default/api_keys", admin, "{}");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto key = str(json_of(created), "value");
  const auto kid = str(json_of(created), "id");
  ASSERT_TRUE(eventually([&] { return call(second.port(), "GET", "/v1/debug/ping", key).status == 200; },
                         std::chrono::seconds(1)));

  auto revoked =
      call(first.port(), "POST", "/v1/organization/projects/proj_default/api_keys/" + kid + "/revoke", admin, "{}");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  const auto at = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return call(second.port(), "GET", "/v1/debug/ping", key).status == 401; },
                         std::chrono::seconds(1)));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - at);
  RecordProperty("revocation_visible_ms", static_cast<int>(ms.count()));
  EXPECT_EQ(call(first.port(), "GET", "/v1/debug/ping", key).status, 401);
}

}  // namespace
}  // namespace sovra::test
