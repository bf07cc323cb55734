#include "routing/mock_upstream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace sovra::test {

bool MockConnection::write(std::string_view bytes) {
  while (!bytes.empty() && !closed_) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return !closed_;
}

void MockConnection::close() {
  if (closed_) return;
  closed_ = true;
  ::shutdown(fd_, SHUT_RDWR);
}

void Gate::open() {
  std::lock_guard lock(mu_);
  open_ = true;
  cv_.notify_all();
}

bool Gate::wait(int ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return open_; });
}

MockUpstream::MockUpstream(MockScript script) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listen_fd_, 128);
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

MockUpstream::~MockUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_) t.join();
}

std::vector<MockRequest> MockUpstream::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

void MockUpstream::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++connections_;
    ++open_;
    std::lock_guard lock(mu_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void MockUpstream::serve(int fd) {
  std::string buf;
  MockConnection conn(fd);
  char tmp[8192];
  while (!conn.closed()) {
    // Read one request: head, then Content-Length bytes of body.
    std::size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      const auto n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) goto done;
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    {
      MockRequest req;
      req.head = buf.substr(0, head_end);
      std::size_t length = 0;
      std::string lower = req.head;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (auto p = lower.find("content-length:"); p != std::string::npos) length = std::stoul(lower.substr(p + 15));
      while (buf.size() < head_end + 4 + length) {
        const auto n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) goto done;
        buf.append(tmp, static_cast<std::size_t>(n));
      }
      req.body = buf.substr(head_end + 4, length);
      buf.erase(0, head_end + 4 + length);
      const auto sp1 = req.head.find(' ');
      const auto sp2 = req.head.find(' ', sp1 + 1);
      req.method = req.head.substr(0, sp1);
      req.target = req.head.substr(sp1 + 1, sp2 - sp1 - 1);
      {
        std::lock_guard lock(mu_);
        received_.push_back(req);
      }
      ++requests_;
      script_(conn, req);
    }
  }
done:
  conn.close();
  ::close(fd);
  --open_;
}

std::string sse_head(int status) {
  return "HTTP/1.1 " + std::to_string(status) +
         " OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n";
}

std::string sse_event(std::string_view data) {
  const std::string payload = "data: " + std::string(data) + "\n\n";
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", payload.size());
  return size + payload + "\r\n";
}

std::string chunked_end() { return "0\r\n\r\n"; }

std::string json_response(int status, std::string_view body, bool keep_alive) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + (keep_alive ? "\r\n" : "\r\nConnection: close\r\n") + "\r\n" +
         std::string(body);
}

std::string chat_chunk(std::string_view content, const char* finish) {
  std::string fr = finish ? std::string("\"") + finish + "\"" : "null";
  return R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":")" +
         std::string(content) + R"("},"finish_reason":)" + fr + "}]}";
}

std::string usage_chunk(int prompt, int completion) {
  return R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[],"usage":{"prompt_tokens":)" +
         std::to_string(prompt) + R"(,"completion_tokens":)" + std::to_string(completion) +
         R"(,"prompt_tokens_details":{"cached_tokens":2}}})";
}

}  // namespace sovra::test
