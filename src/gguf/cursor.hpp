#pragma once
// Bounds-checked little-endian reading over a byte span; the only way GGUF bytes are read.
//
// Contract: no read goes past the span. A read that does not fit returns false and leaves the position where it
// was. Values are copied out with memcpy, so the data needs no alignment.
#include <bit>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace sovra::gguf {

static_assert(std::endian::native == std::endian::little, "GGUF is read as little-endian; port the loads first");

template <typename T>
T load_le(const std::byte* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

class Cursor {
 public:
  explicit Cursor(std::span<const std::byte> bytes, std::size_t pos = 0) : bytes_(bytes), pos_(pos) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return pos_ <= bytes_.size() ? bytes_.size() - pos_ : 0; }
  std::span<const std::byte> bytes() const { return bytes_; }

  template <typename T>
  bool read(T& out) {
    if (remaining() < sizeof(T)) return false;
    out = load_le<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return true;
  }

  bool take(std::size_t n, std::span<const std::byte>& out) {
    if (remaining() < n) return false;
    out = bytes_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  bool take(std::size_t n, std::string_view& out) {
    std::span<const std::byte> s;
    if (!take(n, s)) return false;
    out = std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
    return true;
  }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_;
};

}  // namespace sovra::gguf
