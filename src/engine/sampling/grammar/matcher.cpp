#include "engine/sampling/grammar/matcher.hpp"

#include <algorithm>
#include <utility>

namespace sovra::sampling::grammar {

namespace {

constexpr char32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};

bool same(const StackNode& a, const StackNode& b) {
  return a.pos == b.pos && a.parent == b.parent && a.partial == b.partial && a.remaining == b.remaining;
}

// Can a character whose first bytes gave `value`, with `remaining` continuation bytes to come, still be a member?
bool feasible(const CharClass& c, std::uint32_t value, unsigned remaining, unsigned length) {
  const unsigned shift = 6 * remaining;
  char32_t lo = value << shift;
  char32_t hi = lo | ((char32_t{1} << shift) - 1);
  lo = std::max(lo, kMinForLength[length]);
  hi = std::min(hi, kMaxCodePoint);
  return lo <= hi && c.intersects(lo, hi);  // classes hold no surrogates, so a member is a valid character
}

}  // namespace

void Stepper::push_complete(std::vector<std::uint32_t>& out, std::size_t out_begin) const {
  if (std::find(out.begin() + static_cast<std::ptrdiff_t>(out_begin), out.end(), kNoNode) == out.end()) {
    out.push_back(kNoNode);
  }
}

void Stepper::push_head(std::vector<StackNode>& nodes, const StackNode& node, std::uint32_t existing,
                        std::vector<std::uint32_t>& out, std::size_t out_begin) const {
  for (std::size_t i = out_begin; i < out.size(); ++i) {
    if (out[i] != kNoNode && same(nodes[out[i]], node)) return;
  }
  if (out.size() - out_begin >= kMaxStacks) return;
  if (existing == kNoNode) {
    existing = static_cast<std::uint32_t>(nodes.size());
    nodes.push_back(node);
  }
  out.push_back(existing);
}

void Stepper::expand(std::vector<StackNode>& nodes, std::uint32_t pos, std::uint32_t parent,
                     std::vector<std::uint32_t>& out, std::size_t out_begin) {
  work_.clear();
  work_.emplace_back(pos, parent);
  while (!work_.empty()) {
    const auto [p, par] = work_.back();
    work_.pop_back();
    const Element& e = g_->element(p);
    switch (e.kind) {
      case ElementKind::kClass:
        push_head(nodes, StackNode{.pos = p, .parent = par}, kNoNode, out, out_begin);
        break;
      case ElementKind::kEnd:
        if (par == kNoNode) {
          push_complete(out, out_begin);
        } else if (const StackNode below = nodes[par]; g_->element(below.pos).kind == ElementKind::kClass) {
          push_head(nodes, below, par, out, out_begin);
        } else {
          work_.emplace_back(below.pos, below.parent);
        }
        break;
      case ElementKind::kRule: {
        // Tail position: the rule's end is the sequence's end, so resume straight at `par` (keeps repetition
        // rules like `x* ::= x x* | ""` from growing the stack).
        std::uint32_t cont = par;
        if (g_->element(p + 1).kind != ElementKind::kEnd) {
          cont = static_cast<std::uint32_t>(nodes.size());
          nodes.push_back(StackNode{.pos = p + 1, .parent = par});
        }
        const auto alts = g_->alternatives(e.arg);
        for (auto it = alts.rbegin(); it != alts.rend(); ++it) work_.emplace_back(*it, cont);
        break;
      }
    }
  }
}

void Stepper::start(std::vector<StackNode>& nodes, std::vector<std::uint32_t>& heads) {
  nodes.clear();
  heads.clear();
  for (const std::uint32_t alt : g_->alternatives(g_->root())) expand(nodes, alt, kNoNode, heads, 0);
}

void Stepper::step(std::vector<StackNode>& nodes, std::span<const std::uint32_t> in, std::uint8_t byte,
                   std::vector<std::uint32_t>& out) {
  const std::size_t out_begin = out.size();
  for (const std::uint32_t h : in) {
    if (h == kNoNode) continue;
    const StackNode n = nodes[h];
    const CharClass& c = g_->char_class(g_->element(n.pos).arg);
    if (n.remaining == 0) {
      if (byte < 0x80) {
        if (c.contains(byte)) expand(nodes, n.pos + 1, n.parent, out, out_begin);
        continue;
      }
      std::uint8_t length = 0;
      std::uint32_t value = 0;
      if (byte >= 0xC2 && byte <= 0xDF) {
        length = 2, value = byte & 0x1Fu;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        length = 3, value = byte & 0x0Fu;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        length = 4, value = byte & 0x07u;
      } else {
        continue;  // a continuation byte or an invalid lead
      }
      const auto remaining = static_cast<std::uint8_t>(length - 1);
      if (feasible(c, value, remaining, length)) {
        push_head(nodes, StackNode{n.pos, n.parent, value, remaining, length}, kNoNode, out, out_begin);
      }
      continue;
    }
    if ((byte & 0xC0) != 0x80) continue;
    const std::uint32_t value = (n.partial << 6) | (byte & 0x3Fu);
    const auto remaining = static_cast<std::uint8_t>(n.remaining - 1);
    if (remaining == 0) {
      if (value >= kMinForLength[n.length] && c.contains(value)) expand(nodes, n.pos + 1, n.parent, out, out_begin);
    } else if (feasible(c, value, remaining, n.length)) {
      push_head(nodes, StackNode{n.pos, n.parent, value, remaining, n.length}, kNoNode, out, out_begin);
    }
  }
}

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar)
    : grammar_(std::move(grammar)), stepper_(*grammar_) {
  reset();
}

void GrammarMatcher::reset() { stepper_.start(nodes_, heads_); }

bool GrammarMatcher::accept_bytes(std::string_view bytes) {
  if (bytes.empty()) return true;
  const std::size_t old_size = nodes_.size();
  cur_.assign(heads_.begin(), heads_.end());
  for (const char ch : bytes) {
    next_.clear();
    stepper_.step(nodes_, cur_, static_cast<std::uint8_t>(ch), next_);
    if (next_.empty()) {
      nodes_.resize(old_size);
      return false;
    }
    std::swap(cur_, next_);
  }
  heads_.assign(cur_.begin(), cur_.end());
  compact();
  return true;
}

bool GrammarMatcher::is_complete() const { return std::find(heads_.begin(), heads_.end(), kNoNode) != heads_.end(); }

bool GrammarMatcher::can_continue() const {
  return std::any_of(heads_.begin(), heads_.end(), [](std::uint32_t h) { return h != kNoNode; });
}

// Keeps only the nodes reachable from the heads, parents before children.
void GrammarMatcher::compact() {
  std::vector<std::uint32_t> remap(nodes_.size(), kNoNode);
  std::vector<StackNode> kept;
  std::vector<std::uint32_t> chain;
  for (std::uint32_t& h : heads_) {
    if (h == kNoNode) continue;
    chain.clear();
    for (std::uint32_t x = h; x != kNoNode && remap[x] == kNoNode; x = nodes_[x].parent) chain.push_back(x);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      StackNode n = nodes_[*it];
      if (n.parent != kNoNode) n.parent = remap[n.parent];
      remap[*it] = static_cast<std::uint32_t>(kept.size());
      kept.push_back(n);
    }
    h = remap[h];
  }
  nodes_ = std::move(kept);
}

}  // namespace sovra::sampling::grammar
