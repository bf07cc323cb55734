// The audit chain on both backends: appending, checkpoints, verification that locates each kind of tampering,
// and retention that keeps the remaining chain verifiable.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "platform/audit/audit_export.hpp"
#include "platform/audit/audit_log.hpp"
#include "platform/audit/audit_sql.hpp"
#include "platform/audit/audit_db.hpp"
#include "platform/ids.hpp"

namespace sovra::platform::audit::test {
namespace {

AuditRecord event(int i, std::string org = "org_a", std::int64_t at_ms = 0) {
  AuditRecord r;
  r.type = std::string(kTypeInference);
  r.org_id = std::move(org);
  r.project_id = "proj_a";
  r.actor_type = "api_key";
  r.actor_id = "key" + std::to_string(i % 3);
  r.request_id = "req_" + std::to_string(i);
  r.details = R"({"model":"m","prompt_tokens":)" + std::to_string(i) + "}";
  r.at_ms = at_ms;
  return r;
}

template <typename D>
class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = db_.skip_reason(); !why.empty()) GTEST_SKIP() << why;
    auto db = db_.open();
    ASSERT_TRUE(db) << db.error().message;
    sql_ = *db;
    auto key = SigningKey::generate();
    ASSERT_TRUE(key);
    key_ = std::make_shared<SigningKey>(std::move(*key));
    auto vk = VerifyKey::from_pem(key_->public_pem());
    ASSERT_TRUE(vk);
    verify_key_ = std::make_unique<VerifyKey>(std::move(*vk));
  }

  std::unique_ptr<AuditLog> start(std::int64_t every = 1000, std::string export_file = {}) {
    auto log = AuditLog::start({.db = sql_, .key = key_, .checkpoint_every = every,
                                .checkpoint_export_file = std::move(export_file), .max_batch = 16});
    EXPECT_TRUE(log) << log.error().message;
    return log ? std::move(*log) : nullptr;
  }

  void append_n(AuditLog& log, int n, int from = 0) {
    for (int i = from; i < from + n; ++i) log.append(event(i));
    log.flush();
  }

  VerifyReport verify(std::vector<Checkpoint> extra = {}) {
    auto r = verify_store(*sql_, *verify_key_, std::move(extra));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : VerifyReport{};
  }

  void expect_finding(const VerifyReport& r, Problem p, std::int64_t seq) {
    ASSERT_TRUE(r.finding.has_value()) << "tampering was not detected";
    EXPECT_EQ(r.finding->problem, p) << r.finding->message;
    EXPECT_EQ(r.finding->seq, seq) << r.finding->message;
    EXPECT_FALSE(r.finding->message.empty());
  }

  D db_;
  std::shared_ptr<store::SqlDatabase> sql_;
  std::shared_ptr<SigningKey> key_;
  std::unique_ptr<VerifyKey> verify_key_;
};

TYPED_TEST_SUITE(AuditLogTest, Dbs, DbNames);

TYPED_TEST(AuditLogTest, AppendsAVerifiableChainWithCheckpoints) {
  auto log = this->start(/*every=*/10);
  int durable = 0;
  for (int i = 0; i < 45; ++i) log->append(event(i), [&durable] { ++durable; });  // writer thread only
  log->flush();
  EXPECT_EQ(durable, 45);
  EXPECT_EQ(log->appended(), 45);
  ASSERT_TRUE(log->checkpoint_now());
  const auto r = this->verify();
  EXPECT_TRUE(r.ok()) << r.finding->message;
  EXPECT_EQ(r.records, 45);
  EXPECT_EQ(r.first_seq, 1);
  EXPECT_EQ(r.last_seq, 45);
  EXPECT_GE(r.checkpoints, 3);  // after each batch (≤ 16 records) that took the head ≥ 10 past the last checkpoint
}

TYPED_TEST(AuditLogTest, ConcurrentAppendersFormOneChain) {
  auto log = this->start(50);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) log->append(event(t * 1000 + i));
    });
  }
  for (auto& t : threads) t.join();
  log->flush();
  // A second writer (another process on the same database) continues the same chain.
  auto other = this->start(50);
  this->append_n(*other, 20);
  const auto r = this->verify();
  EXPECT_TRUE(r.ok()) << r.finding->message;
  EXPECT_EQ(r.records, 420);
}

TYPED_TEST(AuditLogTest, DetectsAModifiedByte) {
  auto log = this->start();
  this->append_n(*log, 30);
  ASSERT_TRUE(exec(*this->sql_, "UPDATE audit_log SET details = REPLACE(details, '17', '71') WHERE seq = 18"));
  this->expect_finding(this->verify(), Problem::kModified, 18);
}

TYPED_TEST(AuditLogTest, DetectsARewrittenRecordWhoseHashWasRecomputed) {
  auto log = this->start();
  this->append_n(*log, 30);
  AuditRecord r = event(5);
  ASSERT_TRUE(this->sql_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(auto rows, sql::read_records(s, 11, 1));
    r = rows.at(0);
    r.details = R"({"model":"other"})";
    r.hash = compute_hash(r);
    SOVRA_CHECK(s.query("UPDATE audit_log SET details = ?, hash = ? WHERE seq = 12", {r.details, r.hash}));
    return {};
  }));
  this->expect_finding(this->verify(), Problem::kModified, 12);
}

TYPED_TEST(AuditLogTest, DetectsADeletedRecord) {
  auto log = this->start();
  this->append_n(*log, 30);
  ASSERT_TRUE(exec(*this->sql_, "DELETE FROM audit_log WHERE seq = 20"));
  this->expect_finding(this->verify(), Problem::kDeleted, 20);
}

TYPED_TEST(AuditLogTest, DetectsDeletedFirstRecords) {
  auto log = this->start();
  this->append_n(*log, 30);
  ASSERT_TRUE(exec(*this->sql_, "DELETE FROM audit_log WHERE seq <= 3"));
  this->expect_finding(this->verify(), Problem::kDeleted, 4);
}

TYPED_TEST(AuditLogTest, DetectsTwoSwappedRecords) {
  auto log = this->start();
  this->append_n(*log, 30);
  ASSERT_TRUE(exec(*this->sql_, "UPDATE audit_log SET seq = -1 WHERE seq = 10"));
  ASSERT_TRUE(exec(*this->sql_, "UPDATE audit_log SET seq = 10 WHERE seq = 11"));
  ASSERT_TRUE(exec(*this->sql_, "UPDATE audit_log SET seq = 11 WHERE seq = -1"));
  this->expect_finding(this->verify(), Problem::kReordered, 10);
}

TYPED_TEST(AuditLogTest, DetectsATruncatedTail) {
  auto log = this->start();
  this->append_n(*log, 30);
  ASSERT_TRUE(log->checkpoint_now());
  ASSERT_TRUE(exec(*this->sql_, "DELETE FROM audit_log WHERE seq > 25"));
  this->expect_finding(this->verify(), Problem::kTruncated, 26);
}

TYPED_TEST(AuditLogTest, ExportedCheckpointsRevealTruncationEvenWhenStoreCheckpointsAreGone) {
  const std::string file = this->db_.dir() + "/checkpoints-" + platform::random_hex(4) + ".jsonl";
  auto log = this->start(10, file);
  this->append_n(*log, 30);
  ASSERT_TRUE(log->checkpoint_now());
  ASSERT_TRUE(exec(*this->sql_, "DELETE FROM audit_log WHERE seq > 12"));
  ASSERT_TRUE(exec(*this->sql_, "DELETE FROM audit_checkpoints WHERE seq > 12"));
  ASSERT_TRUE(exec(*this->sql_, "UPDATE audit_head SET seq = 12"));
  EXPECT_TRUE(this->verify().ok());  // the store alone was doctored consistently…
  auto exported = read_checkpoint_file(file);
  ASSERT_TRUE(exported) << exported.error().message;
  EXPECT_GE(exported->size(), 2u);
  this->expect_finding(this->verify(*exported), Problem::kTruncated, 13);  // …the exported checkpoints tell
  std::remove(file.c_str());
}

TYPED_TEST(AuditLogTest, DetectsAReplacedSigningKey) {
  auto log = this->start();
  this->append_n(*log, 10);
  ASSERT_TRUE(log->checkpoint_now());
  auto other = SigningKey::generate();
  ASSERT_TRUE(other);
  auto vk = VerifyKey::from_pem(other->public_pem());
  ASSERT_TRUE(vk);
  auto r = verify_store(*this->sql_, *vk);
  ASSERT_TRUE(r);
  this->expect_finding(*r, Problem::kBadSignature, 10);
  EXPECT_NE(r->finding->message.find(this->key_->key_id()), std::string::npos) << r->finding->message;
}

TYPED_TEST(AuditLogTest, DetectsAForgedCheckpoint) {
  auto log = this->start();
  this->append_n(*log, 10);
  ASSERT_TRUE(log->checkpoint_now());
  ASSERT_TRUE(exec(*this->sql_, "UPDATE audit_checkpoints SET at_ms = at_ms + 1"));
  this->expect_finding(this->verify(), Problem::kBadSignature, 10);
}

TYPED_TEST(AuditLogTest, RetentionPurgeKeepsTheChainVerifiable) {
  auto log = this->start(/*every=*/7);
  const std::int64_t old_ms = 1'000'000;
  for (int i = 0; i < 40; ++i) log->append(event(i, "org_a", old_ms + i));
  log->flush();
  const std::int64_t young_ms = 5'000'000;
  for (int i = 40; i < 50; ++i) log->append(event(i, "org_a", young_ms + i));
  log->flush();
  auto purged = log->purge_older_than(young_ms);
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_GT(purged->records, 0);
  EXPECT_LE(purged->anchor_seq, 40);  // never a record younger than the cutoff
  const auto r = this->verify();
  EXPECT_TRUE(r.ok()) << r.finding->message;
  EXPECT_EQ(r.first_seq, purged->anchor_seq + 1);
  EXPECT_EQ(r.last_seq, 51);  // 50 events + the audit.purged record
  // Deleting the anchor checkpoint breaks it: the chain no longer starts from something signed.
  ASSERT_TRUE(exec(*this->sql_, "DELETE FROM audit_checkpoints WHERE seq = " + std::to_string(purged->anchor_seq)));
  this->expect_finding(this->verify(), Problem::kDeleted, purged->anchor_seq + 1);
}

TYPED_TEST(AuditLogTest, ExportFileVerifiesAndATruncatedFileIsLocated) {
  auto log = this->start();
  this->append_n(*log, 20);
  ASSERT_TRUE(log->checkpoint_now());
  const std::string file = this->db_.dir() + "/export-" + platform::random_hex(4) + ".jsonl";
  {
    std::ofstream out(file);
    auto n = export_jsonl(*this->sql_, 0, 0, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 20);
  }
  std::vector<Checkpoint> cps;
  ASSERT_TRUE(this->sql_->transaction([&](store::SqlSession& s) -> Status {
    SOVRA_TRY(cps, sql::read_checkpoints(s));
    return {};
  }));
  auto ok = verify_file(file, *this->verify_key_, cps);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->ok()) << ok->finding->message;
  // Cut the file in the middle of record 15's line.
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto text = ss.str();
  std::size_t pos = 0;
  for (int i = 0; i < 14; ++i) pos = text.find('\n', pos) + 1;
  std::ofstream(file, std::ios::trunc) << text.substr(0, pos + 20);
  auto cut = verify_file(file, *this->verify_key_, cps);
  ASSERT_TRUE(cut);
  this->expect_finding(*cut, Problem::kTruncated, 15);
  // Whole lines removed at the end: the checkpoint at seq 20 says so.
  std::ofstream(file, std::ios::trunc) << text.substr(0, pos);
  cut = verify_file(file, *this->verify_key_, cps);
  ASSERT_TRUE(cut);
  this->expect_finding(*cut, Problem::kTruncated, 15);
  std::remove(file.c_str());
}

TEST(AuditRecord, CanonicalBytesAreUnambiguous) {
  AuditRecord a;
  a.org_id = "ab";
  a.project_id = "c";
  AuditRecord b;
  b.org_id = "a";
  b.project_id = "bc";
  EXPECT_NE(canonical_bytes(a), canonical_bytes(b));
  EXPECT_NE(compute_hash(a), compute_hash(b));
  EXPECT_EQ(compute_hash(a).size(), 64u);
  auto c = a;
  c.hash = "anything";  // the stored hash is not part of what is hashed
  EXPECT_EQ(compute_hash(a), compute_hash(c));
}

TEST(AuditRecord, ExportLinesRoundTripAndBadLinesAreErrors) {
  AuditRecord a = event(3);
  a.seq = 9;
  a.id = "audit_log-x";
  a.prev_hash = std::string(kGenesisHash);
  a.hash = compute_hash(a);
  auto back = parse_record_json(record_json(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);
  EXPECT_FALSE(parse_record_json("{"));
  EXPECT_FALSE(parse_record_json(R"({"seq":"1"})"));
  EXPECT_FALSE(parse_checkpoint_json("[]"));
}

}  // namespace
}  // namespace sovra::platform::audit::test
