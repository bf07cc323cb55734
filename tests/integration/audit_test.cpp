// The audit trail against the real binary: admin changes and auth failures are recorded, GET
// /v1/organization/audit_logs shows each organisation only its own records (filters, pagination), residency
// policies are administered per organisation, and `sovra audit verify` / `export` work on the data directory —
// and name the record an attacker modified.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <set>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "integration/auth_support.hpp"
#include "platform/audit/content_store.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

class AuditApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started()) << server_.log();
    admin_ = read_file(server_.data_dir() + "/data/initial-admin-key");
    api_ = read_file(server_.data_dir() + "/data/initial-api-key");
  }
  HttpReply as(const std::string& key, std::string_view method, const std::string& path, std::string_view body = {}) {
    return call(server_.port(), method, path, key, body);
  }
  std::set<std::string> types_and_ids(const HttpReply& r, std::vector<std::string>* ids = nullptr) {
    std::set<std::string> out;
    auto v = json_of(r);
    for (const auto& e : v.at("data").as_array()) {
      out.insert(std::string(e.at("type").as_string()));
      if (ids) ids->emplace_back(e.at("id").as_string());
    }
    return out;
  }
  std::string data_dir() const { return server_.data_dir() + "/data"; }

  ServerProcess server_{{"--set", "audit.checkpoint_every=5"}};
  std::string admin_;
  std::string api_;
};

TEST_F(AuditApi, EachOrganizationSeesOnlyItsOwnRecords) {
  auto pa = as(admin_, "POST", "/v1/organization/projects", R"({"name":"a-project"})");
  ASSERT_EQ(pa.status, 201);
  const auto pid_a = str(json_of(pa), "id");
  std::string out, err;
  ASSERT_EQ(run_sovra({"admin", "orgs", "create", "--name", "B", "--data-dir", data_dir()}, &out, &err), 0) << err;
  const auto admin_b = str(json_of(HttpReply{200, {}, out}).at("admin_api_key"), "value");
  ASSERT_TRUE(eventually([&] { return as(admin_b, "GET", "/v1/organization/projects").status == 200; }));
  auto pb = as(admin_b, "POST", "/v1/organization/projects", R"({"name":"b-project"})");
  ASSERT_EQ(pb.status, 201);
  const auto pid_b = str(json_of(pb), "id");

  auto la = as(admin_, "GET", "/v1/organization/audit_logs?limit=100");
  ASSERT_EQ(la.status, 200) << la.body;
  EXPECT_NE(la.body.find(pid_a), std::string::npos);
  EXPECT_EQ(la.body.find(pid_b), std::string::npos) << "organization A sees B's records";
  std::vector<std::string> b_ids;
  auto lb = as(admin_b, "GET", "/v1/organization/audit_logs?limit=100");
  ASSERT_EQ(lb.status, 200);
  EXPECT_EQ(types_and_ids(lb, &b_ids), std::set<std::string>{"project.created"});
  EXPECT_EQ(lb.body.find(pid_a), std::string::npos) << "organization B sees A's records";
  ASSERT_FALSE(b_ids.empty());
  // B's record ids are no cursor for A.
  EXPECT_EQ(as(admin_, "GET", "/v1/organization/audit_logs?after=" + b_ids[0]).status, 400);
  // Project keys cannot read audit logs, and trying is itself recorded (for A).
  EXPECT_EQ(as(api_, "GET", "/v1/organization/audit_logs").status, 403);
  ASSERT_TRUE(eventually([&] {
    return as(admin_, "GET", "/v1/organization/audit_logs?event_types[]=login.failed").body.find("forbidden") !=
           std::string::npos;
  }));
}

TEST_F(AuditApi, FiltersAndPagination) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(as(admin_, "POST", "/v1/organization/projects", R"({"name":"p)" + std::to_string(i) + R"("})").status, 201);
  }
  auto k = as(admin_, "POST", "/v1/organization/admin_api_keys", R"({"name":"second"})");
  ASSERT_EQ(k.status, 201);
  const auto secret = str(json_of(k), "value");
  auto only_keys = as(admin_, "GET", "/v1/organization/audit_logs?event_types%5B%5D=api_key.created");
  ASSERT_EQ(only_keys.status, 200);
  EXPECT_EQ(types_and_ids(only_keys), std::set<std::string>{"api_key.created"});
  EXPECT_EQ(only_keys.body.find(secret), std::string::npos) << "a key's plaintext reached the audit trail";

  std::vector<std::string> first, second;
  auto p1 = as(admin_, "GET", "/v1/organization/audit_logs?limit=3&event_types[]=project.created");
  types_and_ids(p1, &first);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(json_of(p1).at("has_more").as_bool());
  auto p2 = as(admin_, "GET", "/v1/organization/audit_logs?limit=3&event_types[]=project.created&after=" + first.back());
  types_and_ids(p2, &second);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_FALSE(json_of(p2).at("has_more").as_bool());
  for (const auto& id : second) EXPECT_EQ(std::count(first.begin(), first.end(), id), 0);
  // before= pages back towards newer records.
  std::vector<std::string> back;
  types_and_ids(as(admin_, "GET", "/v1/organization/audit_logs?limit=3&event_types[]=project.created&before=" +
                                      second.front()),
                &back);
  EXPECT_EQ(back, first);
  EXPECT_EQ(as(admin_, "GET", "/v1/organization/audit_logs?limit=1000").status, 400);
}

TEST_F(AuditApi, ResidencyPoliciesAreAdministeredAndAudited) {
  auto p = as(admin_, "POST", "/v1/organization/projects", R"({"name":"eu-only"})");
  const auto pid = str(json_of(p), "id");
  auto org = as(admin_, "POST", "/v1/organization/residency", R"({"allowed_jurisdictions":["EU"]})");
  ASSERT_EQ(org.status, 200) << org.body;
  auto wide = as(admin_, "POST", "/v1/organization/projects/" + pid + "/residency", R"({"allowed_jurisdictions":["US"]})");
  EXPECT_EQ(wide.status, 400) << wide.body;
  auto narrow = as(admin_, "POST", "/v1/organization/projects/" + pid + "/residency",
                   R"({"allowed_regions":["se-sto-1"],"allowed_jurisdictions":["EU"]})");
  ASSERT_EQ(narrow.status, 200) << narrow.body;
  auto got = as(admin_, "GET", "/v1/organization/projects/" + pid + "/residency");
  EXPECT_NE(got.body.find("se-sto-1"), std::string::npos);
  auto audited = as(admin_, "GET", "/v1/organization/audit_logs?event_types[]=residency_policy.updated");
  EXPECT_EQ(types_and_ids(audited).size(), 1u);
  EXPECT_EQ(json_of(audited).at("data").as_array().size(), 2u);
  auto kept = as(admin_, "POST", "/v1/organization/projects/" + pid + "/content_retention", R"({"retention_days":7})");
  EXPECT_EQ(kept.status, 400) << "content retention without audit.content_key must be refused: " << kept.body;
}

TEST_F(AuditApi, VerifyAndExportOnTheDataDirectoryAndTamperingIsLocated) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(as(admin_, "POST", "/v1/organization/projects", R"({"name":"v)" + std::to_string(i) + R"("})").status, 201);
  }
  EXPECT_EQ(as("sk-sovra-abcdefgh-0123456789012345678901234567890123", "GET", "/v1/organization/projects").status, 401);
  server_.signal(SIGTERM);
  ASSERT_EQ(server_.wait_exit(std::chrono::seconds(20)), 0) << server_.log();
  std::string out, err;
  EXPECT_EQ(run_sovra({"audit", "verify", "--data-dir", data_dir()}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("13 records"), std::string::npos) << out;
  ASSERT_EQ(run_sovra({"audit", "export", "--data-dir", data_dir(), "--from", "2000-01-01", "--to", "2999-01-01"}, &out,
                      &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 13);
  EXPECT_NE(out.find("login.failed"), std::string::npos);
  ASSERT_EQ(run_sovra({"audit", "export", "--data-dir", data_dir(), "--to", "2000-01-01"}, &out, &err), 0) << err;
  EXPECT_TRUE(out.empty());
  {
    auto db = store::open_sqlite(data_dir() + "/sovra.db");
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->transaction([](store::SqlSession& s) -> Status {
      auto r = s.query("UPDATE audit_log SET details = REPLACE(details, 'v7', 'v8') WHERE seq = 8");
      if (!r) return r.error();
      return {};
    }));
  }
  const int rc = run_sovra({"audit", "verify", "--data-dir", data_dir()}, &out, &err);
  EXPECT_EQ(rc, 3) << out << err;
  EXPECT_NE(out.find("modified at seq 8"), std::string::npos) << out;
}

// Content retention end to end: nothing is kept by default; once the project opts in, a chat call's prompt and
// completion are stored encrypted (not in clear text) and its audit record says so.
TEST(ContentRetention, AnOptedInProjectKeepsItsCallsEncrypted) {
  const std::string model = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << model << " absent";
  ServerProcess server({"--model", "stories=" + model, "--set", "audit.content_key=" + std::string(64, 'c')});
  ASSERT_TRUE(server.started()) << server.log();
  const std::map<std::string, std::string> key{
      {"authorization", "Bearer " + read_file(server.data_dir() + "/data/initial-api-key")}};
  const std::map<std::string, std::string> admin{
      {"authorization", "Bearer " + read_file(server.data_dir() + "/data/initial-admin-key")}};
  const std::string chat =
      R"({"model":"stories","max_tokens":4,"messages":[{"role":"user","content":"The launch code is 4711"}]})";
  auto count_kept = [&] {
    auto db = store::open_sqlite(server.data_dir() + "/data/sovra.db");
    EXPECT_TRUE(db);
    std::int64_t n = -1;
    std::string all;
    EXPECT_TRUE((*db)->transaction([&](store::SqlSession& s) -> Status {
      SOVRA_TRY(auto rows, s.query("SELECT ciphertext FROM retained_content"));
      n = static_cast<std::int64_t>(rows.rows.size());
      for (const auto& r : rows.rows) all += r.at(0).value_or("");
      return {};
    }));
    // Never in clear text, nor merely hex-encoded (the column's encoding). Searched for: the prompt's words with
    // their spaces, and their hex; "4711" alone turned up by chance in one CI run (four given characters
    // somewhere in ~1 200 hex digits: ~2%).
    const std::string secret = "launch code is 4711";
    std::string secret_hex;
    for (const unsigned char c : secret) secret_hex += fmt::format("{:02x}", c);
    EXPECT_EQ(all.find(secret), std::string::npos);
    EXPECT_EQ(all.find(secret_hex), std::string::npos);
    return n;
  };
  ASSERT_EQ(http_request(server.port(), "POST", "/v1/chat/completions", chat, "application/json", key).status, 200);
  EXPECT_EQ(count_kept(), 0);  // zero data retention by default

  auto opt_in = http_request(server.port(), "POST", "/v1/organization/projects/proj_default/content_retention",
                             R"({"retention_days":7})", "application/json", admin);
  ASSERT_EQ(opt_in.status, 200) << opt_in.body;
  ASSERT_EQ(http_request(server.port(), "POST", "/v1/chat/completions", chat, "application/json", key).status, 200);
  EXPECT_EQ(count_kept(), 1);  // committed before the response's final byte
  auto audit = http_request(server.port(), "GET", "/v1/organization/audit_logs?limit=50", {}, "application/json", admin);
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("\"content_retained\":true"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("\"content_retained\":false"), std::string::npos) << audit.body;

  // A streamed call keeps its chunks' JSON, one per line, exactly as the client got them after "data: ".
  const std::string streamed =
      R"({"model":"stories","max_tokens":4,"stream":true,"messages":[{"role":"user","content":"The launch code is 4711"}]})";
  auto sse = http_request(server.port(), "POST", "/v1/chat/completions", streamed, "application/json", key);
  ASSERT_EQ(sse.status, 200) << sse.body;
  EXPECT_EQ(count_kept(), 2);
  std::string sent;
  for (std::size_t at = 0; (at = sse.body.find("data: ", at)) != std::string::npos;) {
    const auto end = sse.body.find("\n\n", at);
    ASSERT_NE(end, std::string::npos);
    const auto event = sse.body.substr(at + 6, end - at - 6);
    if (event != "[DONE]") sent += event + "\n";
    at = end;
  }
  ASSERT_FALSE(sent.empty()) << sse.body;
  auto db = store::open_sqlite(server.data_dir() + "/data/sovra.db");
  ASSERT_TRUE(db);
  auto content =
      platform::audit::ContentStore::open(std::shared_ptr<store::SqlDatabase>(std::move(*db)), std::string(64, 'c'));
  ASSERT_TRUE(content) << content.error().message;
  auto kept = (*content)->read("org_default", "proj_default", sse.header("x-request-id"));
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->completion, sent);
  EXPECT_NE(kept->prompt.find("launch code is 4711"), std::string::npos);
}

}  // namespace
}  // namespace sovra::test
