// What metering adds to a request, end to end: two `sovra serve` processes on the same model, one with
// metering.enabled=true (a usage record committed durably before each response's last byte) and one with
// metering.enabled=false (the baseline), measured in the same run. Every client thread alternates between the two
// servers request by request, so both see the same machine load. Prints p50/p99 latency of each, the difference
// and the ratio.
//
//   bench_metering_calls --on PORT:KEY --off PORT:KEY [--clients 8] [--requests 400] [--model stories]
//                        [--max-tokens 1] [--stream]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  int port = 0;
  std::string key;
};

Target parse_target(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "expected PORT:KEY, got '%s'\n", s.c_str());
    std::exit(2);
  }
  return {std::atoi(s.substr(0, colon).c_str()), s.substr(colon + 1)};
}

// One keep-alive HTTP/1.1 connection; reconnects when the server closed it.
class Connection {
 public:
  explicit Connection(int port) : port_(port) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `request` and reads one whole response; returns its status, or -1.
  int exchange(const std::string& request) {
    if (fd_ < 0 && !connect()) return -1;
    if (!send_all(request)) {
      close();
      if (!connect() || !send_all(request)) return -1;
    }
    return read_response();
  }

 private:
  bool connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close();
      return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    buf_.clear();
    return true;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send_all(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const auto n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool fill() {
    char tmp[16384];
    const auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  int read_response() {
    std::size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return fail();
    }
    const int status = std::atoi(buf_.c_str() + buf_.find(' ') + 1);
    std::string head = buf_.substr(0, head_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t at = head_end + 4;
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
      std::size_t end;
      while ((end = buf_.find("\r\n0\r\n\r\n", at - 2)) == std::string::npos) {
        if (!fill()) return fail();
      }
      buf_.erase(0, end + 7);
    } else {
      const auto cl = head.find("content-length:");
      const std::size_t len = cl == std::string::npos ? 0 : std::strtoul(head.c_str() + cl + 15, nullptr, 10);
      while (buf_.size() < at + len) {
        if (!fill()) return fail();
      }
      buf_.erase(0, at + len);
    }
    if (head.find("connection: close") != std::string::npos) close();
    return status;
  }
  int fail() {
    close();
    return -1;
  }

  int port_;
  int fd_ = -1;
  std::string buf_;
};

std::string chat_request(const std::string& key, const std::string& model, int max_tokens, bool stream) {
  const std::string body = R"({"model":")" + model + R"(","max_tokens":)" + std::to_string(max_tokens) +
                           R"(,"messages":[{"role":"user","content":"Once upon a time"}])" +
                           (stream ? R"(,"stream":true})" : "}");
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + key +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Target on, off;
  int clients = 8, requests = 400, max_tokens = 1;
  bool stream = false;
  std::string model = "stories";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--stream") {
      stream = true;
      continue;
    }
    const std::string v = i + 1 < argc ? argv[++i] : "";
    if (a == "--on") {
      on = parse_target(v);
    } else if (a == "--off") {
      off = parse_target(v);
    } else if (a == "--clients") {
      clients = std::max(1, std::atoi(v.c_str()));
    } else if (a == "--requests") {
      requests = std::atoi(v.c_str());
    } else if (a == "--max-tokens") {
      max_tokens = std::atoi(v.c_str());
    } else if (a == "--model") {
      model = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (on.port == 0 || off.port == 0) {
    std::fprintf(stderr, "usage: bench_metering_calls --on PORT:KEY --off PORT:KEY [--clients N] [--requests N]\n");
    return 2;
  }
  std::vector<std::vector<double>> lat_on(static_cast<std::size_t>(clients)), lat_off(lat_on.size());
  std::vector<int> errors(lat_on.size(), 0);
  const int per_client = std::max(1, requests / clients);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const auto ci = static_cast<std::size_t>(c);
      Connection con_on(on.port), con_off(off.port);
      const std::string req_on = chat_request(on.key, model, max_tokens, stream);
      const std::string req_off = chat_request(off.key, model, max_tokens, stream);
      for (int i = 0; i < 2 * per_client + 2; ++i) {
        // Alternate, starting with a different server on every other client; the first pair warms up.
        const bool metered = (i + c) % 2 == 0;
        const auto start = Clock::now();
        const int status = metered ? con_on.exchange(req_on) : con_off.exchange(req_off);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (status != 200) {
          ++errors[ci];
          continue;
        }
        if (i >= 2) (metered ? lat_on : lat_off)[ci].push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all_on, all_off;
  int failed = 0;
  for (std::size_t c = 0; c < lat_on.size(); ++c) {
    all_on.insert(all_on.end(), lat_on[c].begin(), lat_on[c].end());
    all_off.insert(all_off.end(), lat_off[c].begin(), lat_off[c].end());
    failed += errors[c];
  }
  const double on50 = percentile(all_on, 0.50), on99 = percentile(all_on, 0.99);
  const double off50 = percentile(all_off, 0.50), off99 = percentile(all_off, 0.99);
  std::printf("request latency, %s chat, max_tokens %d, %d clients alternating between the servers, %.1f s\n",
              stream ? "streamed" : "non-streamed", max_tokens, clients, elapsed);
  std::printf("%-14s %6zu requests  p50 %8.2f ms  p99 %8.2f ms\n", "metering off", all_off.size(), off50, off99);
  std::printf("%-14s %6zu requests  p50 %8.2f ms  p99 %8.2f ms\n", "metering on", all_on.size(), on50, on99);
  std::printf("added by metering: p50 %+.2f ms (x%.2f), p99 %+.2f ms (x%.2f)\n", on50 - off50,
              on50 / std::max(1e-9, off50), on99 - off99, on99 / std::max(1e-9, off99));
  if (failed > 0) {
    std::fprintf(stderr, "%d requests failed\n", failed);
    return 1;
  }
  return 0;
}
