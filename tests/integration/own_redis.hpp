#pragma once
// A redis-server of a test's own on a random loopback port, which the test stops and starts again (tests of what
// happens when Redis goes away). Needs redis-server and redis-cli on PATH.
#include <cstdlib>
#include <random>
#include <string>

#include "support/eventually.hpp"

namespace sovra::test {

class OwnRedis {
 public:
  OwnRedis() : port_(20000 + static_cast<int>(std::random_device{}() % 20000)) {}
  ~OwnRedis() { stop(); }
  bool start() {
    const auto cmd = "redis-server --port " + std::to_string(port_) + " --bind 127.0.0.1 --save '' --appendonly no" +
                     " --daemonize yes --pidfile " + pidfile() + " --logfile /dev/null";
    if (std::system(cmd.c_str()) != 0) return false;
    return eventually([&] { return std::system(("redis-cli -p " + std::to_string(port_) + " ping >/dev/null 2>&1").c_str()) == 0; });
  }
  void stop() {
    (void)std::system(("[ -f " + pidfile() + " ] && kill $(cat " + pidfile() + ") 2>/dev/null; rm -f " + pidfile()).c_str());
    eventually([&] { return std::system(("redis-cli -p " + std::to_string(port_) + " ping >/dev/null 2>&1").c_str()) != 0; });
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string pidfile() const { return "/tmp/sovra-rl-it-" + std::to_string(port_) + ".pid"; }
  int port_;
};

inline bool have_redis_server() {
  return std::system("command -v redis-server >/dev/null && command -v redis-cli >/dev/null") == 0;
}

}  // namespace sovra::test
