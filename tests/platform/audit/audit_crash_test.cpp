// kill -9 during heavy audit writing: every record acknowledged (durable callback) before the kill is in the
// store afterwards, the chain verifies, and a new writer continues it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "platform/audit/audit_db.hpp"
#include "platform/audit/audit_export.hpp"
#include "platform/audit/audit_log.hpp"

namespace sovra::platform::audit::test {
namespace {

TEST(AuditCrash, AcknowledgedRecordsSurviveKill9AndTheChainContinues) {
  SqliteDb db;
  ASSERT_TRUE(db.open());  // create and migrate before forking; the child opens its own connection
  const std::string key_file = db.dir() + "/k.pem";
  ASSERT_TRUE(SigningKey::load_or_create(key_file));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto sql = db.open();
    auto key = SigningKey::load(key_file);
    if (!sql || !key) ::_exit(2);
    auto log = AuditLog::start({.db = *sql, .key = std::make_shared<SigningKey>(std::move(*key)),
                                .checkpoint_every = 100, .max_batch = 64});
    if (!log) ::_exit(2);
    const int out = fds[1];
    for (int t = 0; t < 4; ++t) {
      std::thread([&log, out, t] {
        for (int i = 0;; ++i) {
          AuditRecord r;
          r.type = "test.event";
          r.details = R"({"writer":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}";
          (*log)->append(std::move(r), [out] {
            const char c = 1;
            (void)!::write(out, &c, 1);  // one byte per acknowledged record
          });
        }
      }).detach();
    }
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  // Let it write until a good number of records were acknowledged, then kill it mid-stream.
  std::int64_t acked = 0;
  char buf[4096];
  while (acked < 3000) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    ASSERT_GT(n, 0);
    acked += n;
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (true) {  // acknowledgements already in the pipe count too
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked += n;
  }
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto sql = db.open();
  ASSERT_TRUE(sql);
  auto verifier = VerifyKey::from_file(key_file + ".pub");
  ASSERT_TRUE(verifier);
  auto report = verify_store(**sql, *verifier);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok()) << report->finding->message;
  EXPECT_GE(report->records, acked) << "acknowledged records were lost";

  // A new writer continues the same chain.
  auto signer = SigningKey::load(key_file);
  ASSERT_TRUE(signer);
  auto log = AuditLog::start({.db = *sql, .key = std::make_shared<SigningKey>(std::move(*signer))});
  ASSERT_TRUE(log);
  for (int i = 0; i < 10; ++i) (*log)->append(AuditRecord{.type = "after.restart"});
  ASSERT_TRUE((*log)->checkpoint_now());
  auto after = verify_store(**sql, *verifier);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->ok()) << after->finding->message;
  EXPECT_EQ(after->records, report->records + 10);
  EXPECT_GE(after->checkpoints, 1);
}

}  // namespace
}  // namespace sovra::platform::audit::test
