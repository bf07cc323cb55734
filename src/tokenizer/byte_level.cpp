#include "tokenizer/byte_level.hpp"

#include <array>

#include "tokenizer/unicode.hpp"

namespace sovra::tokenizer {

namespace {

struct Alphabet {
  std::array<char32_t, 256> to_char{};
  std::array<std::int16_t, 324> to_byte{};  // char → byte; every char is < 0x144; -1: not in the alphabet
};

const Alphabet& alphabet() {
  static const Alphabet a = [] {
    Alphabet x;
    x.to_byte.fill(-1);
    const auto printable = [](unsigned b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    unsigned next = 256;
    for (unsigned b = 0; b < 256; ++b) {
      x.to_char[b] = printable(b) ? b : next++;
      x.to_byte[x.to_char[b]] = static_cast<std::int16_t>(b);
    }
    return x;
  }();
  return a;
}

}  // namespace

char32_t byte_to_char(unsigned char b) { return alphabet().to_char[b]; }

std::string to_byte_level(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) unicode::append_utf8(out, byte_to_char(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> from_byte_level(std::string_view text) {
  const Alphabet& a = alphabet();
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const unicode::Decoded d = unicode::next_code_point(text, at);
    if (d.cp >= a.to_byte.size() || a.to_byte[d.cp] < 0) return std::nullopt;
    out += static_cast<char>(a.to_byte[d.cp]);
    at += d.length;
  }
  return out;
}

}  // namespace sovra::tokenizer
