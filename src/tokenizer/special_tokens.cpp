#include "tokenizer/special_tokens.hpp"

#include <algorithm>
#include <cstring>

namespace sovra::tokenizer {

SpecialTokens SpecialTokens::create(std::span<const std::string_view> texts, std::span<const TokenType> types) {
  SpecialTokens s;
  for (std::size_t i = 0; i < texts.size() && i < types.size(); ++i) {
    const TokenType t = types[i];
    if (texts[i].empty()) continue;
    if (t != TokenType::kUserDefined && t != TokenType::kControl && t != TokenType::kUnknown) continue;
    s.entries_.push_back({std::string(texts[i]), static_cast<TokenId>(i), t != TokenType::kUserDefined});
  }
  std::stable_sort(s.entries_.begin(), s.entries_.end(), [](const Entry& a, const Entry& b) {
    const auto fa = static_cast<unsigned char>(a.text.front());
    const auto fb = static_cast<unsigned char>(b.text.front());
    if (fa != fb) return fa < fb;
    return a.text.size() > b.text.size();
  });
  std::size_t e = 0;
  for (unsigned b = 0; b <= 256; ++b) {
    while (b < 256 && e < s.entries_.size() && static_cast<unsigned char>(s.entries_[e].text.front()) < b) ++e;
    s.first_byte_[b] = static_cast<std::uint32_t>(b == 256 ? s.entries_.size() : e);
  }
  return s;
}

void SpecialTokens::partition(std::string_view text, bool parse_special, std::vector<Fragment>& out) const {
  std::size_t plain = 0;  // start of the pending plain-text fragment
  if (!entries_.empty()) {
    for (std::size_t at = 0; at < text.size(); ++at) {
      const auto b = static_cast<unsigned char>(text[at]);
      for (std::uint32_t i = first_byte_[b]; i < first_byte_[b + 1]; ++i) {
        const Entry& e = entries_[i];
        if (e.control && !parse_special) continue;
        if (e.text.size() > text.size() - at || std::memcmp(e.text.data(), text.data() + at, e.text.size()) != 0) {
          continue;
        }
        if (at > plain) out.push_back({plain, at - plain, kNoToken});
        out.push_back({at, e.text.size(), e.id});
        at += e.text.size() - 1;
        plain = at + 1;
        break;
      }
    }
  }
  if (plain < text.size()) out.push_back({plain, text.size() - plain, kNoToken});
}

}  // namespace sovra::tokenizer
