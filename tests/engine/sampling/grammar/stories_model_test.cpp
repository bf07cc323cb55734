// End to end on a real model: stories260K's forward pass, its tokenizer's vocabulary and the Sampler, writing
// JSON under a strict schema. The model never saw JSON; the grammar alone makes the output valid.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/json.hpp"
#include "engine/sampling/grammar/constraint.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "engine/sampling/sampler.hpp"
#include "gguf/reader.hpp"
#include "model/model.hpp"
#include "schema_validator.hpp"
#include "tokenizer/load.hpp"

namespace sovra::sampling::grammar {
namespace {

// Every string, number and list is bounded, so a document ends within the context whatever the model prefers.
constexpr const char* kSchema = R"({"type":"object","properties":{
    "name":{"type":"string","minLength":1,"maxLength":12},
    "mood":{"enum":["happy","sad","sleepy"]},
    "age":{"type":"integer","minimum":1,"maximum":99},
    "friends":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":2},
    "pet":{"anyOf":[{"type":"null"},{"type":"object","properties":{"kind":{"enum":["cat","dog"]}},
      "required":["kind"],"additionalProperties":false}]}},
  "required":["name","mood","age","friends","pet"],"additionalProperties":false})";

TEST(ConstrainedSampling, Stories260KModelWritesValidJson) {
  const auto path = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared test data missing: " << path;
  auto model = model::Model::load(path);
  ASSERT_TRUE(model) << model.error().message;
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
  auto schema = parse_json(kSchema);
  ASSERT_TRUE(schema);
  auto grammar = compile_json_schema(*schema);
  ASSERT_TRUE(grammar) << grammar.error().message;

  for (const float temperature : {0.0f, 0.8f, 1.5f}) {
    model::Context ctx(**model, {.n_ctx = 512, .n_threads = 2});
    auto sampler = Sampler::create({.temperature = temperature, .seed = 11, .stop_token_ids = {t.eos_id()}});
    ASSERT_TRUE(sampler);
    GrammarConstraint c(*grammar, shared_trie);
    TokenMask mask;
    std::vector<TokenId> ids = t.encode("Once upon a time", true);
    std::vector<TokenId> generated;
    std::span<const TokenId> feed = ids;
    while (!c.finished() && ctx.n_past() < 500) {
      auto logits = ctx.eval(feed);
      ASSERT_TRUE(logits) << logits.error().message;
      c.fill_mask(mask);
      auto next = sampler->sample(*logits, {}, &mask);
      ASSERT_TRUE(next) << next.error().message;
      ASSERT_TRUE(c.accept(next->token));
      ids.push_back(next->token);
      generated.push_back(next->token);
      feed = std::span<const TokenId>(&ids.back(), 1);
    }
    ASSERT_TRUE(c.finished()) << "temperature " << temperature << ": no end within the context";
    generated.pop_back();  // EOS
    const std::string text = t.decode(generated);
    auto doc = parse_json(text);
    ASSERT_TRUE(doc) << doc.error().message << "\n" << text;
    EXPECT_EQ(testing::validate(*doc, *schema), "") << text;
  }
}

}  // namespace
}  // namespace sovra::sampling::grammar
