#include "common/thread_name.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <string>
#include <thread>

namespace sovra {
namespace {

std::string name_of_this_thread() {
  std::array<char, 64> buf{};
  if (pthread_getname_np(pthread_self(), buf.data(), buf.size()) != 0) return "(error)";
  return buf.data();
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = name_of_this_thread();
  std::string inside;
  std::thread t([&] {
    set_thread_name("sovra-test");
    inside = name_of_this_thread();
  });
  t.join();
  EXPECT_EQ(inside, "sovra-test");
  EXPECT_EQ(name_of_this_thread(), before);
}

TEST(ThreadName, CutsNamesToWhatLinuxKeeps) {
  std::string inside;
  std::thread t([&] {
    set_thread_name("sovra-a-very-long-thread-name");
    inside = name_of_this_thread();
  });
  t.join();
  EXPECT_EQ(inside, "sovra-a-very-lo");  // 15 bytes
}

}  // namespace
}  // namespace sovra
