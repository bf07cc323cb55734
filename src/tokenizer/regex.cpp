// Regex::find: a backtracking machine (leftmost-first, like Oniguruma) with a visited set over (instruction,
// position) pairs, so each pair is explored at most once per call (RE2's "bit state" idea): a pair reached again
// has already failed, because reaching kMatch ends the call and the outcome depends on nothing else.
#include <algorithm>

#include "tokenizer/regex.hpp"

namespace sovra::tokenizer {

bool Regex::CharClass::contains_slow(char32_t cp) const {
  bool in = false;
  for (const auto& [lo, hi] : ranges) in = in || (cp >= lo && cp <= hi);
  in = in || (categories != 0 && unicode::in(cp, categories));
  in = in || (not_categories != 0 && !unicode::in(cp, not_categories));
  in = in || (space && unicode::is_whitespace(cp));
  in = in || (not_space && !unicode::is_whitespace(cp));
  return in != negated;
}

bool Regex::CharClass::contains(char32_t cp) const {
  if (cp < 128) return ((ascii[cp >> 6] >> (cp & 63)) & 1) != 0;
  return contains_slow(cp);
}

std::optional<Regex::Span> Regex::find(std::span<const char32_t> text, std::size_t from, Scratch& scratch) const {
  const std::size_t n_inst = program_.size();
  const std::size_t end = text.size();
  if (from > end) return std::nullopt;
  // visited bit for (pc, pos) at (pos - from) * n_inst + pc; grown on demand and cleared up to the highest
  // word touched, so a call costs what it scans, not what text holds.
  std::vector<std::uint64_t>& visited = scratch.visited;
  std::size_t top = 0;  // words [0, top) may be set
  const auto seen = [&](std::uint32_t pc, std::size_t pos) {
    const std::size_t bit = (pos - from) * n_inst + pc;
    const std::size_t index = bit >> 6;
    if (index >= visited.size()) visited.resize(std::max(index + 1, visited.size() * 2), 0);
    top = std::max(top, index + 1);
    std::uint64_t& word = visited[index];
    const std::uint64_t mask = std::uint64_t{1} << (bit & 63);
    const bool was = (word & mask) != 0;
    word |= mask;
    return was;
  };
  struct Thread {
    std::uint32_t pc;
    std::size_t pos;
  };
  std::vector<std::pair<std::uint32_t, std::size_t>>& stack = scratch.stack;
  struct Clear {
    std::vector<std::uint64_t>& bits;
    std::size_t& top;
    ~Clear() { std::fill(bits.begin(), bits.begin() + static_cast<std::ptrdiff_t>(top), 0); }
  } clear{visited, top};
  for (std::size_t start = from; start <= end; ++start) {
    stack.clear();
    stack.emplace_back(0, start);
    while (!stack.empty()) {
      Thread t{stack.back().first, stack.back().second};
      stack.pop_back();
      for (;;) {
        if (seen(t.pc, t.pos)) break;
        const Inst& inst = program_[t.pc];
        bool ok = true;
        switch (inst.op) {
          case Op::kClass:
            ok = t.pos < end && classes_[inst.x].contains(text[t.pos]);
            ++t.pos;
            ++t.pc;
            break;
          case Op::kSplit:
            stack.emplace_back(inst.y, t.pos);
            t.pc = inst.x;
            break;
          case Op::kJump:
            t.pc = inst.x;
            break;
          case Op::kPeek:
            ok = t.pos < end && classes_[inst.x].contains(text[t.pos]);
            ++t.pc;
            break;
          case Op::kNotPeek:
            ok = t.pos >= end || !classes_[inst.x].contains(text[t.pos]);
            ++t.pc;
            break;
          case Op::kLineBegin:
            ok = t.pos == 0 || text[t.pos - 1] == '\n';
            ++t.pc;
            break;
          case Op::kLineEnd:
            ok = t.pos == end || text[t.pos] == '\n';
            ++t.pc;
            break;
          case Op::kMatch:
            stack.clear();
            return Span{start, t.pos};
        }
        if (!ok) break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace sovra::tokenizer
