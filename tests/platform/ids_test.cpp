#include "platform/ids.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sovra::platform {
namespace {

bool is_lower_hex(const std::string& s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

TEST(Ids, RandomIdHexHasTheAskedLengthForEverySize) {
  for (std::size_t n : {0, 1, 6, 8, 12, 63, 64, 65, 511, 512, 513, 2000}) {
    const auto s = random_id_hex(n);
    EXPECT_EQ(s.size(), 2 * n) << n;
    EXPECT_TRUE(is_lower_hex(s)) << s;
  }
}

TEST(Ids, IdsFromManyThreadsNeverRepeat) {
  // 8 threads x 20 000 ids of 8 random bytes each (refilling each thread's buffer ~2 500 times); also new_id's shape.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::mutex mu;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      mine.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) mine.push_back(random_id_hex(8));
      std::lock_guard lock(mu);
      seen.insert(mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));

  const auto id = new_id("proj");
  ASSERT_EQ(id.size(), 5 + 12 + 16) << id;
  EXPECT_EQ(id.substr(0, 5), "proj_");
  EXPECT_TRUE(is_lower_hex(id.substr(5)));
  EXPECT_EQ(new_id("").size(), 12u + 12u);
}

TEST(Ids, AForkedChildDoesNotReuseItsParentsBufferedBytes) {
  (void)random_id_hex(8);  // this thread's buffer now holds bytes the parent hands out next
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const auto s = random_id_hex(16);
    const auto n = ::write(fds[1], s.data(), s.size());
    ::_exit(n == static_cast<ssize_t>(s.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  const auto parent = random_id_hex(16);
  std::string from_child(32, '\0');
  std::size_t got = 0;
  while (got < from_child.size()) {
    const auto n = ::read(fds[0], from_child.data() + got, from_child.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, 32u);
  EXPECT_NE(from_child, parent);
}

TEST(Ids, SecretsAndIdsAreBothHex) {
  const auto secret = random_hex(32);
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_TRUE(is_lower_hex(secret));
  EXPECT_NE(random_hex(32), secret);
}

}  // namespace
}  // namespace sovra::platform
