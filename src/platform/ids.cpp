#include "platform/ids.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace sovra::platform {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  // RAND_bytes fails only when the OS entropy source is broken; nothing secure can be issued then.
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : buf) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string new_id(std::string_view prefix) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string out(prefix);
  if (!out.empty()) out += '_';
  out += fmt::format("{:012x}", static_cast<std::uint64_t>(ms));
  out += random_hex(prefix.empty() ? 6 : 8);
  return out;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t now_seconds_coarse() {
  struct timespec ts {};
  if (::clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0) return static_cast<std::int64_t>(ts.tv_sec);
  return now_seconds();
}

}  // namespace sovra::platform
