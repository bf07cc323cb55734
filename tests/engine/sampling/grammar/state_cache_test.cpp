#include "engine/sampling/grammar/state_cache.hpp"

#include <gtest/gtest.h>

#include "common/json.hpp"
#include "engine/sampling/grammar/json_schema.hpp"

namespace sovra::sampling::grammar {
namespace {

std::shared_ptr<const Grammar> grammar() {
  auto v = parse_json(R"({"type":"object","properties":{"s":{"type":"string"},"n":{"type":["integer","null"]}},
                          "required":["s","n"],"additionalProperties":false})");
  EXPECT_TRUE(v);
  auto g = compile_json_schema(*v);
  EXPECT_TRUE(g) << g.error().message;
  return *g;
}

TEST(StateCache, TransitionsAgreeWithTheMatcherByteForByte) {
  const auto g = grammar();
  const std::string doc = "{\"s\": \"caf\xC3\xA9 \\\"\xF0\x9F\x98\x80\\u00e9\", \"n\":-12}";
  StateCache cache(*g);
  GrammarMatcher m(g);
  std::int32_t state = cache.import(m.nodes(), m.heads());
  for (const char expected : doc) {
    // Every byte value: the cache and a copy of the matcher agree on acceptance.
    for (int b = 0; b < 256; ++b) {
      GrammarMatcher probe = m;
      const bool accepted = probe.accept_bytes(std::string(1, static_cast<char>(b)));
      ASSERT_EQ(cache.next(state, static_cast<std::uint8_t>(b)) != kDeadState, accepted)
          << "byte " << b << " after " << state;
    }
    ASSERT_TRUE(m.accept_bytes(std::string(1, expected)));
    state = cache.next(state, static_cast<std::uint8_t>(expected));
    ASSERT_NE(state, kDeadState);
    // Importing the matcher's state lands on the same automaton state (hash-consing makes it canonical).
    EXPECT_EQ(cache.import(m.nodes(), m.heads()), state);
  }
  EXPECT_TRUE(m.is_complete());
}

TEST(StateCache, AStringInteriorIsOneState) {
  const auto g = grammar();
  StateCache cache(*g);
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_bytes("{\"s\":\"x"));
  const std::int32_t inside = cache.import(m.nodes(), m.heads());
  std::int32_t s = inside;
  for (const char c : std::string("hello world, 123")) s = cache.next(s, static_cast<std::uint8_t>(c));
  EXPECT_EQ(s, inside);
  const std::size_t states = cache.state_count();
  cache.clear();
  EXPECT_EQ(cache.state_count(), 0u);
  EXPECT_GT(states, 0u);
  EXPECT_FALSE(cache.over_budget());
}

}  // namespace
}  // namespace sovra::sampling::grammar
