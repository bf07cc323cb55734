#include "platform/ids.hpp"

#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace sovra::platform {

namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

void fill_random(unsigned char* p, std::size_t n) {
  // RAND_bytes fails only when the OS entropy source is broken; nothing secure can be issued then.
  if (RAND_bytes(p, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

// Bumped in a forked child, so that every thread's buffer (the child has only the forking thread's) is dropped.
std::atomic<std::uint64_t> fork_generation{0};

struct IdRandomness {
  std::array<unsigned char, 512> bytes{};
  std::size_t used = bytes.size();  // all used: refill first
  std::uint64_t generation = 0;

  void take(unsigned char* out, std::size_t n) {
    static const bool registered = [] {
      pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
      return true;
    }();
    (void)registered;
    if (n > bytes.size()) {
      fill_random(out, n);
      return;
    }
    const auto gen = fork_generation.load(std::memory_order_relaxed);
    if (gen != generation || bytes.size() - used < n) {
      fill_random(bytes.data(), bytes.size());
      used = 0;
      generation = gen;
    }
    std::copy_n(bytes.data() + used, n, out);
    std::fill_n(bytes.data() + used, n, 0);  // handed out once
    used += n;
  }
};

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  fill_random(buf.data(), buf.size());
  return to_hex(buf.data(), buf.size());
}

std::string random_id_hex(std::size_t bytes) {
  thread_local IdRandomness pool;
  std::array<unsigned char, 64> small{};
  std::vector<unsigned char> large;
  unsigned char* p = small.data();
  if (bytes > small.size()) {
    large.resize(bytes);
    p = large.data();
  }
  pool.take(p, bytes);
  return to_hex(p, bytes);
}

std::string new_id(std::string_view prefix) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string out(prefix);
  if (!out.empty()) out += '_';
  out += fmt::format("{:012x}", static_cast<std::uint64_t>(ms));
  out += random_id_hex(prefix.empty() ? 6 : 8);
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
