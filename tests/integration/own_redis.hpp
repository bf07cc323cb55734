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
  OwnRedis() : port_(pick_port()) {}
  ~OwnRedis() { stop(); }
  // Starts it and waits until it answers. The first start tries a few ports: a random one can be taken (by another
  // test's listener, or by a connection's local port). Later starts (after stop()) keep the port, since the test's
  // servers were given its URL.
  bool start() {
    for (int attempt = 0; attempt < (started_ ? 1 : 5); ++attempt) {
      if (attempt > 0) port_ = pick_port();
      const auto cmd = "redis-server --port " + std::to_string(port_) +
                       " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile " + pidfile() +
                       " --logfile /dev/null";
      if (std::system(cmd.c_str()) != 0) continue;
      if (eventually([&] { return ping(); })) {
        started_ = true;
        return true;
      }
      stop();
    }
    return false;
  }
  void stop() {
    (void)std::system(
        ("[ -f " + pidfile() + " ] && kill $(cat " + pidfile() + ") 2>/dev/null; rm -f " + pidfile()).c_str());
    eventually([&] { return !ping(); });
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  // Below Linux's default range for connections' local ports (32768-60999), so no client socket holds it.
  static int pick_port() { return 20000 + static_cast<int>(std::random_device{}() % 12000); }
  bool ping() const {
    return std::system(("redis-cli -p " + std::to_string(port_) + " ping >/dev/null 2>&1").c_str()) == 0;
  }
  std::string pidfile() const { return "/tmp/sovra-rl-it-" + std::to_string(port_) + ".pid"; }
  int port_;
  bool started_ = false;
};

inline bool have_redis_server() {
  return std::system("command -v redis-server >/dev/null && command -v redis-cli >/dev/null") == 0;
}

}  // namespace sovra::test
