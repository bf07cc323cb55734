// Property test: whatever the logits, sampling under a schema's grammar yields a document that parses and
// validates. Random logits stand in for a model; many seeds and schemas.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/json.hpp"
#include "engine/sampling/grammar/constraint.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "engine/sampling/sampler.hpp"
#include "gguf/reader.hpp"
#include "schema_validator.hpp"
#include "test_vocab.hpp"
#include "tokenizer/load.hpp"

namespace sovra::sampling::grammar {
namespace {

constexpr const char* kSchemas[] = {
    R"({"type":"object","properties":{
        "name":{"type":"string","minLength":1,"maxLength":12},
        "age":{"type":"integer","minimum":0,"maximum":120},
        "color":{"enum":["red","green","blue"]},
        "tags":{"type":"array","items":{"type":"string","maxLength":5},"maxItems":3},
        "nick":{"type":["string","null"]},
        "score":{"type":"number","minimum":0,"maximum":10},
        "ok":{"type":"boolean"}},
      "required":["name","age","color","tags","nick","score","ok"],"additionalProperties":false})",
    R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
        "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
        "required":["value","children"],"additionalProperties":false}},"$ref":"#/$defs/node"})",
    R"({"anyOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"number"}},"required":["kind","x"],
        "additionalProperties":false},{"type":"array","items":{"anyOf":[{"type":"null"},{"type":"boolean"}]},
        "minItems":1,"maxItems":4},{"type":"string","format":"date"}]})",
    R"({"type":"object","properties":{"when":{"type":"string","format":"date-time"},
        "id":{"type":"string","format":"uuid"},"mail":{"type":"string","format":"email"},
        "ip":{"type":"string","format":"ipv4"},"t":{"type":"string","format":"time"},
        "word":{"type":"string","minLength":2,"maxLength":4},"n":{"type":"integer","exclusiveMinimum":-5,"exclusiveMaximum":5}},
      "required":["when","id","mail","ip","t","word","n"],"additionalProperties":false})",
    R"({"type":"object","properties":{"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]},"v":{"const":[1,{"a":null}]}},
      "required":["next","v"],"additionalProperties":false})",
    R"({"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}(-[0-9]{4})?$"},
        "code":{"type":"string","pattern":"^[A-Z]{2,3}_\\d+$"},"has":{"type":"string","pattern":"n[aeiou]+l"},
        "q":{"type":"string","pattern":"^[\"\\\\x]{1,3}\\.?$"}},
      "required":["zip","code","has","q"],"additionalProperties":false})",
};

// Favour tokens that close things so random documents end in reasonable time; the grammar decides the rest.
std::vector<float> random_logits(std::mt19937& rng, const std::vector<std::string>& vocab, TokenId eos) {
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(vocab.size());
  for (std::size_t i = 0; i < vocab.size(); ++i) {
    logits[i] = normal(rng);
    const std::string& s = vocab[i];
    if (s == "\"" || s == "}" || s == "]" || s == "\"}" || s == "}]" || s == "null" || s == "0") logits[i] += 4.0f;
  }
  logits[static_cast<std::size_t>(eos)] += 4.0f;
  return logits;
}

struct Outcome {
  std::string text;
  bool finished = false;
};

Outcome generate(const std::shared_ptr<const Grammar>& g, const std::shared_ptr<const TokenTrie>& trie,
                 const std::vector<std::string>& vocab, std::uint64_t seed, int max_tokens) {
  std::mt19937 rng(static_cast<std::uint32_t>(seed));
  auto sampler = Sampler::create({.temperature = 1.0f, .seed = seed, .stop_token_ids = {trie->eos()}});
  EXPECT_TRUE(sampler);
  GrammarConstraint c(g, trie);
  TokenMask mask;
  Outcome out;
  for (int step = 0; step < max_tokens; ++step) {
    c.fill_mask(mask);
    const auto logits = random_logits(rng, vocab, trie->eos());
    auto tok = sampler->sample(logits, {}, &mask);
    EXPECT_TRUE(tok) << tok.error().message << " after '" << out.text << "'";
    if (!tok) return out;
    const Status accepted = c.accept(tok->token);
    EXPECT_TRUE(accepted) << "sampled token " << tok->token << " was not allowed";
    if (!accepted) return out;
    if (tok->finish == FinishReason::kStopToken) {
      out.finished = c.finished();
      return out;
    }
    out.text += vocab[static_cast<std::size_t>(tok->token)];
  }
  return out;
}

void expect_valid(const std::string& text, const boost::json::value& schema, std::uint64_t seed) {
  auto doc = parse_json(text);
  ASSERT_TRUE(doc) << "seed " << seed << ": " << doc.error().message << "\n" << text;
  EXPECT_EQ(testing::validate(*doc, schema), "") << "seed " << seed << ": " << text;
}

TEST(ConstrainedSampling, RandomLogitsAlwaysGiveValidDocuments) {
  const auto vocab = testing::json_test_vocab();
  const std::vector<TokenId> excluded{testing::kTestControl};
  auto trie = TokenTrie::create({.tokens = vocab, .eos = testing::kTestEos, .excluded = excluded});
  ASSERT_TRUE(trie);
  const auto shared_trie = std::make_shared<const TokenTrie>(std::move(trie).value());
  int finished = 0;
  int total = 0;
  for (const char* schema_text : kSchemas) {
    auto schema = parse_json(schema_text);
    ASSERT_TRUE(schema);
    auto g = compile_json_schema(*schema);
    ASSERT_TRUE(g) << g.error().message;
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
      const Outcome o = generate(*g, shared_trie, vocab, seed, 3000);
      ++total;
      if (!o.finished) continue;  // very long random documents are cut off; counted below
      ++finished;
      expect_valid(o.text, *schema, seed);
    }
  }
  // Nearly every run must finish for the property to mean something.
  EXPECT_GE(finished, total * 9 / 10) << finished << " of " << total << " runs finished";
}

TEST(ConstrainedSampling, JsonObjectModeGivesObjects) {
  const auto vocab = testing::json_test_vocab();
  const std::vector<TokenId> excluded{testing::kTestControl};
  auto trie = TokenTrie::create({.tokens = vocab, .eos = testing::kTestEos, .excluded = excluded});
  ASSERT_TRUE(trie);
  const auto shared_trie = std::make_shared<const TokenTrie>(std::move(trie).value());
  auto g = json_object_grammar();
  ASSERT_TRUE(g);
  int finished = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const Outcome o = generate(*g, shared_trie, vocab, seed, 3000);
    if (!o.finished) continue;
    ++finished;
    auto doc = parse_json(o.text);
    ASSERT_TRUE(doc) << doc.error().message << "\n" << o.text;
    EXPECT_TRUE(doc->is_object()) << o.text;
  }
  EXPECT_GE(finished, 50);
}

TEST(ConstrainedSampling, RealVocabularyOfStories260K) {
  const auto path = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared test data missing: " << path;
  auto reader = gguf::Reader::open(path);
  ASSERT_TRUE(reader) << reader.error().message;
  auto tok = tokenizer::load_from_gguf(*reader);
  ASSERT_TRUE(tok) << tok.error().message;
  const tokenizer::Tokenizer& t = **tok;
  std::vector<std::string> vocab;
  for (std::size_t i = 0; i < t.vocab_size(); ++i) vocab.emplace_back(t.token_to_piece(static_cast<TokenId>(i)));
  const std::vector<TokenId> excluded{t.bos_id()};
  auto trie = TokenTrie::create({.tokens = vocab, .eos = t.eos_id(), .excluded = excluded});
  ASSERT_TRUE(trie) << trie.error().message;
  const auto shared_trie = std::make_shared<const TokenTrie>(std::move(trie).value());
  for (const char* schema_text : {kSchemas[0], kSchemas[1], kSchemas[3]}) {
    auto schema = parse_json(schema_text);
    ASSERT_TRUE(schema);
    auto g = compile_json_schema(*schema);
    ASSERT_TRUE(g) << g.error().message;
    int finished = 0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      const Outcome o = generate(*g, shared_trie, vocab, seed, 4000);
      if (!o.finished) continue;
      ++finished;
      expect_valid(o.text, *schema, seed);
    }
    EXPECT_GE(finished, 6) << schema_text;
  }
}

}  // namespace
}  // namespace sovra::sampling::grammar
