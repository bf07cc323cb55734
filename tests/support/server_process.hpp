#pragma once
// Starts the real `sovra` binary on port 0 with a temporary data directory and stops it again.
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/eventually.hpp"

namespace sovra::test {

class ServerProcess {
 public:
  // Starts `sovra serve --listen 127.0.0.1:0 --data-dir <tmp> <args…>` and waits (deadline 20 s) for its
  // "listening on" line. extra_env entries are KEY=VALUE.
  explicit ServerProcess(std::vector<std::string> args = {}, std::vector<std::string> extra_env = {});
  // The same for another server sub-command, e.g. "gateway". Args holding "--listen" replace 127.0.0.1:0.
  ServerProcess(std::string command, std::vector<std::string> args, std::vector<std::string> extra_env = {});
  // `serve` in a directory of the caller's (data in DIR/data, log in DIR/stderr.log) that it leaves in place at
  // exit: a restart on the same DIR finds the state a killed server left behind.
  static std::unique_ptr<ServerProcess> in_dir(std::string dir, std::vector<std::string> args,
                                               std::vector<std::string> extra_env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return dir_; }
  std::string log() const;  // what the server wrote to stderr
  // Resident set size in KiB, from /proc.
  long rss_kib() const;
  bool alive() const;
  void signal(int sig) const;
  // Waits for exit (deadline) and returns the exit status, or -1 on timeout (then kills it).
  int wait_exit(std::chrono::milliseconds timeout);

  // Path to the sovra binary under test.
  static std::string binary();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  int exit_status_ = -2;
  bool keep_dir_ = false;

  struct InDirTag {};
  ServerProcess(InDirTag, std::string dir, std::vector<std::string> args, std::vector<std::string> extra_env);

  void start(const std::string& command, const std::vector<std::string>& args,
             const std::vector<std::string>& extra_env);
};

// Runs `sovra ARGS…` to completion; returns exit code and fills stdout/stderr.
int run_sovra(const std::vector<std::string>& args, std::string* out, std::string* err,
              const std::vector<std::string>& extra_env = {});


}  // namespace sovra::test
