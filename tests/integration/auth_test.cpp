// Authentication of /v1/* and the first start, against the real binary.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "integration/auth_support.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

const std::vector<std::string> kDebug = {"--set", "server.debug_routes=true"};

TEST(Auth, FirstStartWritesBothKeysWithMode0600) {
  ServerProcess server(kDebug);
  ASSERT_TRUE(server.started()) << server.log();
  for (const char* name : {"initial-admin-key", "initial-api-key"}) {
    const std::string path = server.data_dir() + "/data/" + name;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
    EXPECT_TRUE(read_file(path).starts_with("sk-sovra-")) << path;
  }
}

TEST(Auth, EveryV1RouteNeedsAKeyAndOperationalRoutesDoNot) {
  ServerProcess server(kDebug);
  ASSERT_TRUE(server.started()) << server.log();
  const auto key = read_file(server.data_dir() + "/data/initial-api-key");
  for (const char* open : {"/healthz", "/readyz", "/metrics", "/openapi.json", "/debug/ping"}) {
    EXPECT_EQ(call(server.port(), "GET", open, "").status, 200) << open;
  }
  const auto missing = call(server.port(), "GET", "/v1/debug/ping", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(str(json_of(missing).at("error"), "code"), "invalid_api_key");
  EXPECT_EQ(call(server.port(), "GET", "/v1/debug/ping", key).status, 200);
  // Routes registered by the admin API (and later endpoints) get the filter without asking for it.
  EXPECT_EQ(call(server.port(), "GET", "/v1/organization/projects", "").status, 401);
  // The same key id with a different secret: change the last character to one it is not.
  const auto wrong =
      call(server.port(), "GET", "/v1/debug/ping", key.substr(0, key.size() - 1) + (key.back() == '0' ? "1" : "0"));
  const auto unknown =
      call(server.port(), "GET", "/v1/debug/ping", "sk-sovra-0123456789abcdef01234567-" + std::string(64, 'a'));
  const auto malformed = call(server.port(), "GET", "/v1/debug/ping", "sk-garbage");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(malformed.body, unknown.body);
  const auto metrics = call(server.port(), "GET", "/metrics", "").body;
  EXPECT_NE(metrics.find(R"(sovra_auth_failures_total{reason="invalid"} 3)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(sovra_auth_failures_total{reason="missing"} 2)"), std::string::npos) << metrics;
}

TEST(Auth, InsecureNoAuthLetsKeylessRequestsThroughAndWarns) {
  auto args = kDebug;
  args.push_back("--insecure-no-auth");
  ServerProcess server(args);
  ASSERT_TRUE(server.started()) << server.log();
  EXPECT_EQ(call(server.port(), "GET", "/v1/debug/ping", "").status, 200);
  EXPECT_EQ(call(server.port(), "GET", "/v1/organization/projects", "").status, 401);  // the admin API still not
  EXPECT_NE(server.log().find("insecure-no-auth"), std::string::npos);
}

TEST(Auth, PresetKeysReplaceGeneratedOnes) {
  const std::string api = "sk-sovra-presetapi01-" + std::string(40, 'k');
  const std::string admin = "sk-sovra-presetadm01-" + std::string(40, 'q');
  ServerProcess server(kDebug, {"SOVRA_API_KEY=" + api, "SOVRA_AUTH_ADMIN_KEY=" + admin});
  ASSERT_TRUE(server.started()) << server.log();
  EXPECT_EQ(call(server.port(), "GET", "/v1/debug/ping", api).status, 200);
  EXPECT_EQ(call(server.port(), "GET", "/v1/organization/projects", admin).status, 200);
  struct stat st {};
  EXPECT_NE(::stat((server.data_dir() + "/data/initial-api-key").c_str(), &st), 0);  // nothing to hand out
  EXPECT_EQ(server.log().find(api), std::string::npos);
  EXPECT_EQ(server.log().find(admin), std::string::npos);
}

TEST(Auth, ADatabaseFromANewerReleaseStopsStartUpWithAClearMessage) {
  std::string out, err;
  char tmpl[] = "/tmp/sovra-newer-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ASSERT_EQ(run_sovra({"admin", "init", "--data-dir", dir}, &out, &err), 0) << err;
  {
    auto db = store::open_sqlite(dir + "/sovra.db");
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->transaction([](store::SqlSession& s) -> Status {
      auto r = s.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)", {});
      if (!r) return r.error();
      return {};
    }));
  }
  const int rc = run_sovra({"serve", "--data-dir", dir, "--listen", "127.0.0.1:0"}, &out, &err);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("newer than this sovra binary"), std::string::npos) << err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sovra::test
