#pragma once
// MockUpstream: a scripted OpenAI-compatible server on 127.0.0.1:<free port> for the upstream client tests. Each
// connection gets its own thread; every request on it (keep-alive) is handed to the script, which writes exactly
// the bytes it wants — SSE chunk by chunk with pauses, errors, garbage, early closes — through MockConnection.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sovra::test {

struct MockRequest {
  std::string method;
  std::string target;
  std::string head;  // request line and headers as received
  std::string body;
};

class MockConnection {
 public:
  explicit MockConnection(int fd) : fd_(fd) {}
  bool write(std::string_view bytes);
  void close();  // abrupt: the connection ends here
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool closed_ = false;
};

// A gate the script waits on and the test opens (no sleeps as synchronisation).
class Gate {
 public:
  void open();
  // Waits until opened; false after `ms` without.
  bool wait(int ms = 10000);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

using MockScript = std::function<void(MockConnection&, const MockRequest&)>;

class MockUpstream {
 public:
  explicit MockUpstream(MockScript script);
  ~MockUpstream();
  MockUpstream(const MockUpstream&) = delete;
  MockUpstream& operator=(const MockUpstream&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }
  int open_connections() const { return open_.load(); }
  std::vector<MockRequest> received() const;

 private:
  void accept_loop();
  void serve(int fd);

  MockScript script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::atomic<int> open_{0};
  mutable std::mutex mu_;
  std::vector<int> fds_;
  std::vector<MockRequest> received_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// Response pieces.
std::string sse_head(int status = 200);                  // chunked text/event-stream head
std::string sse_event(std::string_view data);            // one chunked-encoded "data: …\n\n"
std::string chunked_end();                               // "0\r\n\r\n"
std::string json_response(int status, std::string_view body, bool keep_alive = true);
// An OpenAI chat chunk with one content delta (and a finish reason when `finish` is set).
std::string chat_chunk(std::string_view content, const char* finish = nullptr);
std::string usage_chunk(int prompt, int completion);

}  // namespace sovra::test
