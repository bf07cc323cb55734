#pragma once
// StateCache: a lazily built deterministic automaton over matcher states, so the token-mask walk costs a table
// lookup per trie node instead of a stack-set step.
//
// Why: inside a JSON string almost the whole vocabulary is allowed, so the mask walk visits most of the trie
// (~60k nodes for a 32k vocabulary) and a real step per node would cost milliseconds. But the walk meets only a
// handful of distinct stack sets (after any plain character the state is the same as before it), so each
// (state, byte) transition is computed once and looked up afterwards.
//
// How: stack nodes are hash-consed (equal content, equal parent id → same id), so equal stacks are equal ids;
// a state is the sorted set of head ids, interned to a dense number with 256 cached transitions.
//
// Contract: import() interns a matcher's current state; next() is that state after one byte (kDeadState when
// the grammar refuses the byte), exact as GrammarMatcher::accept_bytes. State ids stay valid until clear().
// The cache only grows; callers clear() it between walks when over_budget(). Not thread-safe; copyable.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/sampling/grammar/grammar.hpp"
#include "engine/sampling/grammar/matcher.hpp"

namespace sovra::sampling::grammar {

inline constexpr std::int32_t kDeadState = -1;

class StateCache {
 public:
  explicit StateCache(const Grammar& grammar) : stepper_(grammar) {}

  std::int32_t import(std::span<const StackNode> nodes, std::span<const std::uint32_t> heads);

  std::int32_t next(std::int32_t state, std::uint8_t byte) {
    const std::size_t slot = static_cast<std::size_t>(state) * 256 + byte;
    if (transitions_[slot] != kUnknown) return transitions_[slot];
    const std::int32_t to = compute(state, byte);
    transitions_[slot] = to;  // compute() may have grown transitions_: index again
    return to;
  }

  // True when the cache holds more than about 16 MiB; then clear() before the next walk.
  bool over_budget() const;
  void clear();
  std::size_t state_count() const { return state_heads_.size(); }

 private:
  static constexpr std::int32_t kUnknown = -2;

  struct NodeKey {
    std::uint64_t a;  // pos, parent
    std::uint64_t b;  // partial, remaining, length
    bool operator==(const NodeKey&) const = default;
  };
  struct NodeKeyHash {
    std::size_t operator()(const NodeKey& k) const {
      return std::hash<std::uint64_t>()(k.a * 0x9E3779B97F4A7C15ULL ^ k.b);
    }
  };
  struct HeadsHash {
    std::size_t operator()(const std::vector<std::uint32_t>& v) const;
  };

  std::uint32_t cons(const StackNode& node);  // node.parent must already be a consed id (or kNoNode)
  std::int32_t intern(std::vector<std::uint32_t> heads);
  std::int32_t compute(std::int32_t state, std::uint8_t byte);

  Stepper stepper_;
  std::vector<StackNode> nodes_;  // consed nodes, parents before children
  std::unordered_map<NodeKey, std::uint32_t, NodeKeyHash> node_ids_;
  std::vector<std::vector<std::uint32_t>> state_heads_;
  std::unordered_map<std::vector<std::uint32_t>, std::int32_t, HeadsHash> state_ids_;
  std::vector<std::int32_t> transitions_;  // [state * 256 + byte]
  // Scratch for compute().
  std::vector<std::uint32_t> out_;
  std::vector<StackNode> fresh_;
  std::vector<std::uint32_t> remap_;
};

}  // namespace sovra::sampling::grammar
