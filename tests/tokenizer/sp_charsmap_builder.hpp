#pragma once
// Test helper: builds SentencePiece precompiled charsmaps (uint32 trie size, Darts-clone double array, NUL-terminated
// replacement strings) from (key, replacement) rules, so the reader can be tested on tries whose content is known.
// Placement is naive (first free base for each node, breadth first): fine for a few hundred keys.
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sovra::tokenizer::testing {

struct CharsmapParts {
  std::vector<std::uint32_t> units;
  std::string strings;
};

inline CharsmapParts build_charsmap_parts(const std::vector<std::pair<std::string, std::string>>& rules) {
  struct Node {
    std::map<unsigned char, std::size_t> children;
    std::int64_t value = -1;
  };
  std::vector<Node> nodes(1);
  CharsmapParts out;
  for (const auto& [key, replacement] : rules) {
    std::size_t n = 0;
    for (char ch : key) {
      const auto c = static_cast<unsigned char>(ch);
      auto it = nodes[n].children.find(c);
      if (it == nodes[n].children.end()) {
        nodes.emplace_back();
        it = nodes[n].children.emplace(c, nodes.size() - 1).first;
      }
      n = it->second;
    }
    nodes[n].value = static_cast<std::int64_t>(out.strings.size());
    out.strings += replacement;
    out.strings += '\0';
  }
  std::vector<bool> used(1, true);
  // Two nodes with one base would see each other's children as their own (the label check cannot tell them apart).
  std::set<std::size_t> used_bases;
  out.units.assign(1, 0);
  auto reserve = [&](std::size_t pos) {
    if (pos >= out.units.size()) {
      out.units.resize(pos + 1, 0);
      used.resize(pos + 1, false);
    }
  };
  std::deque<std::pair<std::size_t, std::size_t>> queue{{0, 0}};  // (node, unit index)
  while (!queue.empty()) {
    const auto [n, at] = queue.front();
    queue.pop_front();
    std::vector<unsigned> labels;
    if (nodes[n].value >= 0) labels.push_back(0);
    for (const auto& [c, child] : nodes[n].children) labels.push_back(c);
    if (labels.empty()) continue;
    std::size_t base = 1;
    for (;; ++base) {
      bool ok = true;
      for (unsigned l : labels) {
        const std::size_t pos = base ^ l;
        if (pos == 0 || (pos < used.size() && used[pos])) ok = false;
      }
      ok = ok && !used_bases.contains(base);
      if (ok) break;
    }
    used_bases.insert(base);
    out.units[at] |= static_cast<std::uint32_t>(at ^ base) << 10;  // offsets below 2^21: no scaling bit
    if (nodes[n].value >= 0) {
      reserve(base);
      used[base] = true;
      out.units[base] = (1U << 31) | static_cast<std::uint32_t>(nodes[n].value);
    }
    for (const auto& [c, child] : nodes[n].children) {
      const std::size_t pos = base ^ c;
      reserve(pos);
      used[pos] = true;
      out.units[pos] = c | (nodes[child].value >= 0 ? (1U << 8) : 0U);
      queue.emplace_back(child, pos);
    }
  }
  return out;
}

// The serialized form: what NormalizerSpec.precompiled_charsmap (and the GGUF key) holds.
inline std::vector<std::uint8_t> serialize_charsmap(const CharsmapParts& parts) {
  std::vector<std::uint8_t> out;
  const auto put32 = [&out](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put32(static_cast<std::uint32_t>(parts.units.size() * 4));
  for (std::uint32_t u : parts.units) put32(u);
  out.insert(out.end(), parts.strings.begin(), parts.strings.end());
  return out;
}

inline std::vector<std::uint8_t> build_charsmap(const std::vector<std::pair<std::string, std::string>>& rules) {
  return serialize_charsmap(build_charsmap_parts(rules));
}

}  // namespace sovra::tokenizer::testing
