#include "tokenizer/stream_decoder.hpp"

#include "tokenizer/unicode.hpp"

namespace sovra::tokenizer {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Whether bytes (1-3 of them, the first a lead byte) can still grow into a valid character.
bool is_valid_start(std::string_view bytes) {
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  std::size_t length = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
  } else {
    return false;
  }
  if (bytes.size() >= length) return false;
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (i == 1) {
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    }
    if (b < lo || b > hi) return false;
  }
  return true;
}

}  // namespace

std::size_t complete_prefix(std::string_view bytes) {
  const std::size_t n = bytes.size();
  for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto b = static_cast<unsigned char>(bytes[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    return is_valid_start(bytes.substr(n - back)) ? n - back : n;
  }
  return n;
}

void append_sanitized(std::string& out, std::string_view bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    const unicode::Decoded d = unicode::next_code_point(bytes, at);
    if (d.cp >= unicode::kInvalidBase) {
      out += kReplacement;
    } else {
      out.append(bytes.substr(at, d.length));
    }
    at += d.length;
  }
}

std::string StreamDecoder::push(TokenId id) {
  pending_ += tokenizer_->token_to_piece(id);
  const std::size_t ready = complete_prefix(pending_);
  std::string out;
  append_sanitized(out, std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out;
  append_sanitized(out, pending_);
  pending_.clear();
  return out;
}

}  // namespace sovra::tokenizer
