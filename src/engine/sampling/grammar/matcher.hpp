#pragma once
// GrammarMatcher: the incremental (pushdown) state of one output against a Grammar, advanced byte by byte.
//
// State: a set of stacks (one per way the bytes so far can be parsed). A stack is a chain of nodes in the
// matcher's own arena; the top node is always at a code-point class (with a partly read UTF-8 sequence, if the
// last bytes stopped mid-character), the nodes below are where to resume when the rule above finishes. Stacks
// share their tails, so one step costs a few node appends, never a stack copy. The empty stack means "the
// grammar is complete here".
//
// Contract:
// - Bytes must form valid UTF-8 as a whole (no overlongs, no surrogates); a token may end mid-character and
//   the next one continue it.
// - accept_bytes is all-or-nothing: on false the state is exactly as before. Accepted states never dead-end
//   (the grammar guarantees every accepted prefix can be completed), except when the stack set exceeds
//   kMaxStacks and is truncated — only very ambiguous grammars get there; the JSON-schema compiler's do not.
// - is_complete(): the bytes so far are a whole sentence of the grammar (an end-of-sequence token may come
//   now). can_continue(): some further byte is accepted. Both false never happens after construction.
// - Copying a matcher is the way to clone or snapshot it (O(live nodes), a few dozen for JSON); the Grammar is
//   shared and immutable, so copies may be used on different threads. One matcher is not thread-safe.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/sampling/grammar/grammar.hpp"

namespace sovra::sampling::grammar {

inline constexpr std::size_t kMaxStacks = 256;

// One entry of a stack. `pos` is an element position: at a class for the top node, the element to resume at
// for the nodes below. `partial`/`remaining`/`length` hold a partly read UTF-8 character (top node only).
struct StackNode {
  std::uint32_t pos = 0;
  std::uint32_t parent = 0;  // kNoNode: bottom of the stack
  std::uint32_t partial = 0;
  std::uint8_t remaining = 0;  // continuation bytes still expected
  std::uint8_t length = 0;     // total bytes of the character being read
};

inline constexpr std::uint32_t kNoNode = UINT32_MAX;  // as a head: the empty stack (grammar complete)

// The stepping rules, shared by the matcher and the token-mask walk (which runs them on a scratch arena).
class Stepper {
 public:
  explicit Stepper(const Grammar& grammar) : g_(&grammar) {}

  // Heads of the initial state.
  void start(std::vector<StackNode>& nodes, std::vector<std::uint32_t>& heads);
  // Appends to `out` the heads after `byte` is consumed from each of `in` (deduplicated, at most kMaxStacks);
  // may append to `nodes`. `in` must not alias `out` or `nodes`.
  void step(std::vector<StackNode>& nodes, std::span<const std::uint32_t> in, std::uint8_t byte,
            std::vector<std::uint32_t>& out);

 private:
  // Pushes the heads reached by resuming at element `pos` on top of stack `parent`.
  void expand(std::vector<StackNode>& nodes, std::uint32_t pos, std::uint32_t parent, std::vector<std::uint32_t>& out,
              std::size_t out_begin);
  // Adds `node` as a head unless an equal head is there already (allocating it in `nodes` when `existing` is
  // kNoNode).
  void push_head(std::vector<StackNode>& nodes, const StackNode& node, std::uint32_t existing,
                 std::vector<std::uint32_t>& out, std::size_t out_begin) const;
  void push_complete(std::vector<std::uint32_t>& out, std::size_t out_begin) const;

  const Grammar* g_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> work_;  // scratch for expand: (pos, parent)
};

class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<const Grammar> grammar);

  bool accept_bytes(std::string_view bytes);
  bool is_complete() const;
  bool can_continue() const;
  void reset();

  const Grammar& grammar() const { return *grammar_; }
  // The current state, for the token-mask walk.
  std::span<const StackNode> nodes() const { return nodes_; }
  std::span<const std::uint32_t> heads() const { return heads_; }

 private:
  void compact();

  std::shared_ptr<const Grammar> grammar_;
  std::vector<StackNode> nodes_;
  std::vector<std::uint32_t> heads_;
  Stepper stepper_;
  std::vector<std::uint32_t> cur_;   // scratch
  std::vector<std::uint32_t> next_;  // scratch
};

}  // namespace sovra::sampling::grammar
