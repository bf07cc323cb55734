#pragma once
// GrammarConstraint: grammar-constrained decoding for one sequence — which tokens may come next, and the
// state advanced by the token that was sampled.
//
// How the engine uses it (per request, per sequence, per step):
//   auto grammar = compile_json_schema(schema, {.strict = true});  // once per request (json_schema.hpp)
//   // the TokenTrie is built once per model and shared (token_trie.hpp)
//   GrammarConstraint c(grammar, trie);          // per sequence; copy it to fork a sequence (n > 1, beams)
//   loop: c.fill_mask(mask);                     // before each sampling step
//         tok = sampler.sample(logits, recent, &mask);
//         c.accept(tok);                         // with the token sampled; EOS ends it
//         stop when c.finished() (EOS sampled) — only EOS is allowed once c.only_eos().
//
// Contract:
// - fill_mask resizes `mask` to the vocabulary and allows exactly the trie tokens whose bytes the grammar
//   accepts from the current state (a token may end mid-character; the next one must finish it), plus EOS and
//   the trie's other end tokens when
//   is_complete(). Excluded tokens (control etc., see token_trie.hpp) are never allowed. It does not change the
//   grammar state; it reuses the constraint's scratch buffers and transition cache (one constraint: one thread
//   at a time). Cost: one walk of the trie that prunes every prefix the grammar rejects, with one cached
//   transition lookup per trie node visited (state_cache.hpp; see bench/grammar for figures). The cache is
//   per constraint (copies copy it) and bounded (about 16 MiB, then rebuilt). Masks are also remembered per
//   automaton state (up to kMaskCacheEntries), so a step in a state seen before — the inside of a string after
//   any plain token, the next item of a list — is a copy of the mask.
// - accept(token) is all-or-nothing: a token fill_mask would not allow is kInvalidArgument and leaves the
//   state unchanged; EOS (or another end token) is accepted only when is_complete() and makes finished() true; nothing
//   is accepted after that. accept_text feeds raw bytes (forced text, e.g. a prefix the caller wrote).
// - The grammar and trie are shared and immutable; copies of a constraint are independent.
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "engine/sampling/grammar/grammar.hpp"
#include "engine/sampling/grammar/matcher.hpp"
#include "engine/sampling/grammar/state_cache.hpp"
#include "engine/sampling/grammar/token_trie.hpp"
#include "engine/sampling/token_constraint.hpp"
#include "engine/sampling/token_mask.hpp"

namespace sovra::sampling::grammar {

inline constexpr std::size_t kMaskCacheEntries = 64;

class GrammarConstraint final : public TokenConstraint {
 public:
  GrammarConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie);

  void fill_mask(TokenMask& mask) override;
  Status accept(TokenId token) override;
  Status accept_text(std::string_view bytes);

  bool is_complete() const { return matcher_.is_complete(); }
  bool only_eos() const { return matcher_.is_complete() && !matcher_.can_continue(); }
  bool finished() const { return finished_; }
  const GrammarMatcher& matcher() const { return matcher_; }

 private:
  GrammarMatcher matcher_;
  std::shared_ptr<const TokenTrie> trie_;
  bool finished_ = false;
  StateCache cache_;
  std::vector<std::int32_t> level_state_;              // scratch for fill_mask: the cache state per trie depth
  std::unordered_map<std::int32_t, TokenMask> masks_;  // by cache state of the matcher
};

}  // namespace sovra::sampling::grammar
