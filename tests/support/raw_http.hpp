#pragma once
// A deliberately simple HTTP/1.1 client over a raw socket, for tests that must send exactly the bytes they
// choose (malformed, slow, pipelined) and read exactly what the server answered.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sovra::test {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // de-chunked
  std::string header(const std::string& name) const;
};

class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False if the peer closed or reset the connection.
  bool send(std::string_view bytes);
  void shutdown_write();
  void close();
  // Reads one response; nullopt if the connection closed or the deadline passed first.
  std::optional<HttpReply> read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until `needle` has arrived (returns true) or the connection closes / the deadline passes.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout);
  // True when the server closes the connection (EOF or reset) before the deadline.
  bool wait_closed(std::chrono::milliseconds timeout);
  const std::string& received() const { return buf_; }

 private:
  // Appends what arrives before the deadline; false on EOF/error/deadline.
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string buf_;
};

// One request on a fresh connection.
HttpReply http_request(int port, std::string_view method, std::string_view path, std::string_view body = {},
                       std::string_view content_type = "application/json",
                       const std::map<std::string, std::string>& headers = {});

}  // namespace sovra::test
