// Fuzzes the JSON-schema → grammar compiler and the grammar matcher.
// Input: <schema JSON> [NUL <bytes for the matcher>]. Any schema must compile or fail cleanly (strict and not);
// the bytes are fed in chunks to a matcher of the compiled grammar and of the json_object grammar, checking
// that a refused chunk leaves the state unchanged, that a complete sentence parses as JSON, and that the token
// mask agrees with feeding each token.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "engine/sampling/grammar/constraint.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "engine/sampling/grammar/matcher.hpp"
#include "engine/sampling/grammar/token_trie.hpp"

namespace {

using namespace sovra::sampling;
using namespace sovra::sampling::grammar;

const std::shared_ptr<const TokenTrie>& small_trie() {
  static const std::vector<std::string> vocab = {
      "",     "{",   "}",   "[",     "]",        "\"",       ":",    ",",
      " ",    "a",   "Z",   "0",     "1",        "9",        "-",    ".",
      "e",    "+",   "\\",  "u",     "n",        "t",        "f",    "true",
      "null", "{\"", "\":", "\",\"", "\xC3\xA9", "\xE2\x82", "\xAC", "\xF0\x9F\x98\x80",
      "\xFF", "@",   "T",   "Z",     "x"};
  static const std::shared_ptr<const TokenTrie> trie = [] {
    auto t = TokenTrie::create({.tokens = vocab, .eos = 0});
    if (!t) std::abort();
    return std::make_shared<const TokenTrie>(std::move(t).value());
  }();
  return trie;
}

void exercise(const std::shared_ptr<const Grammar>& g, std::string_view bytes) {
  GrammarMatcher m(g);
  std::string accepted;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::size_t len = 1 + static_cast<unsigned char>(bytes[i]) % 5;
    const std::string_view chunk = bytes.substr(i, len);
    i += len;
    const GrammarMatcher before = m;
    if (m.accept_bytes(chunk)) {
      accepted += chunk;
      if (!m.is_complete() && !m.can_continue()) std::abort();  // accepted states never dead-end
    } else if (m.heads().size() != before.heads().size() || m.is_complete() != before.is_complete()) {
      std::abort();  // a refused chunk must leave the state as it was
    }
  }
  if (m.is_complete() && !sovra::parse_json(accepted)) std::abort();

  GrammarConstraint c(g, small_trie());
  if (!c.accept_text(accepted)) std::abort();
  TokenMask mask;
  c.fill_mask(mask);
  const std::size_t vocab_size = small_trie()->vocab_size();
  for (TokenId t = 0; t < static_cast<TokenId>(vocab_size); ++t) {
    GrammarConstraint probe = c;
    if (mask.allowed(t) != static_cast<bool>(probe.accept(t))) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view schema_text = input.substr(0, nul);
  const std::string_view bytes = nul == std::string_view::npos ? input : input.substr(nul + 1);

  static const std::shared_ptr<const Grammar> object = [] {
    auto g = json_object_grammar();
    if (!g) std::abort();
    return *g;
  }();
  exercise(object, bytes);

  auto schema = sovra::parse_json(schema_text);
  if (!schema) return 0;
  for (const bool strict : {true, false}) {
    auto g = compile_json_schema(*schema, {.strict = strict});
    if (g) exercise(*g, bytes);
  }
  return 0;
}
