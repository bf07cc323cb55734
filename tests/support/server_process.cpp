#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace sovra::test {
namespace {

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-test-XXXXXX").string();
  char* p = ::mkdtemp(tmpl.data());
  return p == nullptr ? std::string() : std::string(p);
}

// Environment for the child: ours without SOVRA_* (so a developer's settings cannot leak in), plus extras.
std::vector<std::string> child_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "SOVRA_", 6) != 0) env.emplace_back(*e);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, int out_fd, int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0].c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string ServerProcess::binary() { return SOVRA_BINARY_PATH; }

ServerProcess::ServerProcess(std::vector<std::string> args, std::vector<std::string> extra_env)
    : ServerProcess("serve", std::move(args), std::move(extra_env)) {}

ServerProcess::ServerProcess(std::string command, std::vector<std::string> args, std::vector<std::string> extra_env) {
  dir_ = make_temp_dir();
  start(command, args, extra_env);
}

std::unique_ptr<ServerProcess> ServerProcess::in_dir(std::string dir, std::vector<std::string> args,
                                                     std::vector<std::string> extra_env) {
  return std::unique_ptr<ServerProcess>(new ServerProcess(InDirTag{}, std::move(dir), std::move(args),
                                                          std::move(extra_env)));
}

ServerProcess::ServerProcess(InDirTag, std::string dir, std::vector<std::string> args,
                             std::vector<std::string> extra_env)
    : dir_(std::move(dir)), keep_dir_(true) {
  start("serve", args, extra_env);
}

void ServerProcess::start(const std::string& command, const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env) {
  std::vector<std::string> full = {binary(), command, "--data-dir", dir_ + "/data"};
  // A caller's own --listen (a restart on the same port) replaces the default port 0.
  if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
    full.insert(full.end(), {"--listen", "127.0.0.1:0"});
  }
  full.insert(full.end(), args.begin(), args.end());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  const int err_fd = ::open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ = spawn(full, child_env(extra_env), pipe_fds[1], err_fd);
  ::close(pipe_fds[1]);
  ::close(err_fd);
  if (pid_ < 0) {
    ::close(pipe_fds[0]);
    return;
  }
  // Read stdout until the "listening on http://HOST:PORT" line arrives.
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    const auto n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    const auto at = out.find("listening on ");
    const auto nl = at == std::string::npos ? std::string::npos : out.find('\n', at);
    if (nl != std::string::npos) {
      const auto colon = out.rfind(':', nl);
      port_ = std::atoi(out.c_str() + colon + 1);
      break;
    }
  }
  ::close(pipe_fds[0]);  // later stdout writes go nowhere; the server writes nothing else there
}

ServerProcess::~ServerProcess() {
  if (alive()) {
    signal(SIGKILL);
    wait_exit(std::chrono::seconds(5));
  }
  std::error_code ec;
  if (!dir_.empty() && !keep_dir_) std::filesystem::remove_all(dir_, ec);
}

std::string ServerProcess::log() const { return slurp(dir_ + "/stderr.log"); }

long ServerProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

bool ServerProcess::alive() const {
  if (pid_ <= 0 || exit_status_ != -2) return false;
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == 0;
}

void ServerProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_status_ != -2) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_status_;
    }
    struct timespec ts {
      0, 10'000'000
    };
    nanosleep(&ts, nullptr);
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_status_ = 128 + SIGKILL;
  return -1;
}

int run_sovra(const std::vector<std::string>& args, std::string* out, std::string* err,
              const std::vector<std::string>& extra_env) {
  const std::string dir = make_temp_dir();
  const std::string out_path = dir + "/out";
  const std::string err_path = dir + "/err";
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<std::string> full = {ServerProcess::binary()};
  full.insert(full.end(), args.begin(), args.end());
  const pid_t pid = spawn(full, child_env(extra_env), out_fd, err_fd);
  ::close(out_fd);
  ::close(err_fd);
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  if (out != nullptr) *out = slurp(out_path);
  if (err != nullptr) *err = slurp(err_path);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (pid <= 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace sovra::test
