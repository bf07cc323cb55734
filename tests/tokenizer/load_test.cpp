#include "tokenizer/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/json.hpp"
#include "gguf/reader.hpp"
#include "gguf/writer.hpp"
#include "tokenizer/sp_charsmap_builder.hpp"

namespace sovra::tokenizer {
namespace {

using gguf::MetaValue;

// A GGUF in memory with the given tokenizer metadata; the bytes must outlive the Reader.
struct MemoryGguf {
  std::vector<std::byte> bytes;
  Result<gguf::Reader> reader = Error::internal("unset");
};

std::unique_ptr<MemoryGguf> build(const std::vector<std::pair<std::string, MetaValue>>& kvs) {
  gguf::Writer w;
  for (const auto& [key, value] : kvs) EXPECT_TRUE(w.set(key, value));
  auto bytes = w.to_bytes();
  EXPECT_TRUE(bytes);
  auto out = std::make_unique<MemoryGguf>();
  out->bytes = std::move(*bytes);
  out->reader = gguf::Reader::from_memory(out->bytes);
  EXPECT_TRUE(out->reader) << out->reader.error().message;
  return out;
}

std::vector<std::pair<std::string, MetaValue>> llama_kvs() {
  return {
      {"tokenizer.ggml.model", MetaValue::string("llama")},
      {"tokenizer.ggml.tokens", MetaValue::array(std::vector<std::string>{"<unk>", "<s>", "</s>", "▁", "a", "▁a"})},
      {"tokenizer.ggml.scores", MetaValue::array(std::vector<float>{0, 0, 0, -1, -1, -0.5f})},
      {"tokenizer.ggml.token_type", MetaValue::array(std::vector<std::int32_t>{2, 3, 3, 1, 1, 1})},
  };
}

Result<std::unique_ptr<Tokenizer>> load(const std::vector<std::pair<std::string, MetaValue>>& kvs) {
  auto file = build(kvs);
  return load_from_gguf(*file->reader);
}

std::vector<std::pair<std::string, MetaValue>> with(std::vector<std::pair<std::string, MetaValue>> kvs,
                                                    const std::string& key, MetaValue value) {
  for (auto& kv : kvs) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return kvs;
    }
  }
  kvs.emplace_back(key, std::move(value));
  return kvs;
}

TEST(TokenizerLoad, LlamaModelGivesASentencePieceTokenizerWithDefaults) {
  auto t = load(llama_kvs());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ((*t)->vocab_size(), 6u);
  EXPECT_EQ((*t)->bos_id(), 1);  // llama.cpp's defaults when the keys are absent
  EXPECT_EQ((*t)->eos_id(), 2);
  EXPECT_TRUE((*t)->add_bos());
  EXPECT_EQ((*t)->encode("a", true), (std::vector<TokenId>{1, 5}));
  EXPECT_EQ((*t)->decode(std::vector<TokenId>{1, 5, 2}), "a");
}

TEST(TokenizerLoad, ReadsSpecialIdsAndFlags) {
  auto kvs = llama_kvs();
  kvs.emplace_back("tokenizer.ggml.bos_token_id", MetaValue::u32(2));
  kvs.emplace_back("tokenizer.ggml.eos_token_id", MetaValue::u32(0xFFFFFFFFu));  // "none"
  kvs.emplace_back("tokenizer.ggml.add_bos_token", MetaValue::boolean(false));
  kvs.emplace_back("tokenizer.ggml.add_space_prefix", MetaValue::boolean(false));
  auto t = load(kvs);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ((*t)->bos_id(), 2);
  EXPECT_EQ((*t)->eos_id(), kNoToken);
  EXPECT_FALSE((*t)->add_bos());
  EXPECT_EQ((*t)->encode("a", false), (std::vector<TokenId>{4}));  // no "▁" prefix
}

TEST(TokenizerLoad, UnsupportedModelsAreNamed) {
  for (const char* model : {"rwkv", "something-new"}) {
    auto t = load(with(llama_kvs(), "tokenizer.ggml.model", MetaValue::string(model)));
    ASSERT_FALSE(t) << model;
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(t.error().message.find(std::string("'") + model + "'"), std::string::npos) << t.error().message;
    EXPECT_NE(t.error().message.find("not supported"), std::string::npos) << t.error().message;
  }
  // "t5" (SentencePiece Unigram) is supported: tokenizer/unigram_tokenizer.hpp.
  auto t5 = load(with(llama_kvs(), "tokenizer.ggml.model", MetaValue::string("t5")));
  ASSERT_TRUE(t5) << t5.error().message;
  EXPECT_NE(dynamic_cast<const UnigramTokenizer*>(t5->get()), nullptr);
}

TEST(TokenizerLoad, UnigramReadsThePrecompiledCharsmap) {
  auto t5 = with(llama_kvs(), "tokenizer.ggml.model", MetaValue::string("t5"));
  // Full-width Ａ (U+FF21) becomes "a", which the vocabulary has.
  const std::vector<std::uint8_t> map = testing::build_charsmap({{"\xEF\xBC\xA1", "a"}});
  auto plain = load(t5);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ((*plain)->encode("\xEF\xBC\xA1", false), (std::vector<TokenId>{3, 2}));  // ▁ <unk> (T5 default id 2)
  auto u8 = load(with(t5, "tokenizer.ggml.precompiled_charsmap", MetaValue::array(map)));
  ASSERT_TRUE(u8) << u8.error().message;
  EXPECT_EQ((*u8)->encode("\xEF\xBC\xA1", false), (std::vector<TokenId>{5}));  // ▁a
  const std::vector<std::int8_t> signed_map(map.begin(), map.end());
  auto i8 = load(with(t5, "tokenizer.ggml.precompiled_charsmap", MetaValue::array(signed_map)));
  ASSERT_TRUE(i8) << i8.error().message;
  EXPECT_EQ((*i8)->encode("\xEF\xBC\xA1", false), (std::vector<TokenId>{5}));

  for (const MetaValue& bad : {MetaValue::array(std::vector<std::int32_t>{1, 2}),
                               MetaValue::array(std::vector<std::uint8_t>{0xFF, 0xFF, 0xFF, 0x7F, 0})}) {
    auto t = load(with(t5, "tokenizer.ggml.precompiled_charsmap", bad));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(t.error().message.find("tokenizer.ggml.precompiled_charsmap"), std::string::npos)
        << t.error().message;
  }
}

TEST(TokenizerLoad, Gpt2NeedsMergesAndAKnownPreTokenizer) {
  auto gpt2 = with(llama_kvs(), "tokenizer.ggml.model", MetaValue::string("gpt2"));
  auto no_merges = load(gpt2);
  ASSERT_FALSE(no_merges);
  EXPECT_EQ(no_merges.error().code, ErrorCode::kCorruptData);
  EXPECT_NE(no_merges.error().message.find("tokenizer.ggml.merges"), std::string::npos) << no_merges.error().message;

  gpt2.emplace_back("tokenizer.ggml.merges", MetaValue::array(std::vector<std::string>{"a b"}));
  auto ok = load(gpt2);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_FALSE((*ok)->add_bos());  // llama.cpp's default for "gpt2" outside Llama 3

  auto unknown_pre = load(with(gpt2, "tokenizer.ggml.pre", MetaValue::string("no-such-pre")));
  ASSERT_FALSE(unknown_pre);
  EXPECT_EQ(unknown_pre.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown_pre.error().message.find("'no-such-pre'"), std::string::npos) << unknown_pre.error().message;

  auto llama3 = load(with(gpt2, "tokenizer.ggml.pre", MetaValue::string("llama-bpe")));
  ASSERT_TRUE(llama3) << llama3.error().message;
  EXPECT_TRUE((*llama3)->add_bos());
}

TEST(TokenizerLoad, BertGivesWordPieceWithClsAndSep) {
  auto t = load(with(llama_kvs(), "tokenizer.ggml.model", MetaValue::string("bert")));
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE((*t)->add_bos());
  EXPECT_TRUE((*t)->add_eos());
}

TEST(TokenizerLoad, MalformedMetadataIsCorruptData) {
  struct Case {
    const char* key;
    MetaValue value;
  };
  const std::vector<Case> cases = {
      {"tokenizer.ggml.tokens", MetaValue::array(std::vector<std::int32_t>{1, 2})},
      {"tokenizer.ggml.scores", MetaValue::array(std::vector<float>{0, 0})},
      {"tokenizer.ggml.scores", MetaValue::array(std::vector<double>{0, 0, 0, 0, 0, 0})},
      {"tokenizer.ggml.token_type", MetaValue::array(std::vector<std::int32_t>{1, 1, 1, 1, 1, 9})},
      {"tokenizer.ggml.token_type", MetaValue::array(std::vector<std::int32_t>{1})},
      {"tokenizer.ggml.bos_token_id", MetaValue::u32(6)},
      {"tokenizer.ggml.unknown_token_id", MetaValue::string("0")},
      {"tokenizer.ggml.add_bos_token", MetaValue::u8(1)},
      {"tokenizer.ggml.model", MetaValue::u32(1)},
  };
  for (const Case& c : cases) {
    auto t = load(with(llama_kvs(), c.key, c.value));
    ASSERT_FALSE(t) << c.key;
    EXPECT_EQ(t.error().code, ErrorCode::kCorruptData) << c.key << ": " << t.error().message;
    EXPECT_NE(t.error().message.find(c.key), std::string::npos) << t.error().message;
  }
  auto no_tokens = load({{"tokenizer.ggml.model", MetaValue::string("llama")}});
  ASSERT_FALSE(no_tokens);
  EXPECT_EQ(no_tokens.error().code, ErrorCode::kCorruptData);
  auto none = load({{"general.architecture", MetaValue::string("llama")}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

std::filesystem::path stories_dir() { return std::filesystem::path(SOVRA_SHARED_DIR) / "models"; }

TEST(TokenizerStories, DecodesTheReferenceGenerationAndRoundTripsText) {
  const auto model = stories_dir() / "stories260K.gguf";
  const auto reference = stories_dir() / "stories260K.reference.json";
  if (!std::filesystem::exists(model) || !std::filesystem::exists(reference)) {
    GTEST_SKIP() << "shared test data missing: " << model << " / " << reference;
  }
  auto reader = gguf::Reader::open(model);
  ASSERT_TRUE(reader) << reader.error().message;
  auto loaded = load_from_gguf(*reader);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const Tokenizer& t = **loaded;
  EXPECT_EQ(t.vocab_size(), 512u);
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_id(), 2);

  std::ifstream in(reference);
  std::stringstream text;
  text << in.rdbuf();
  auto json = parse_json(text.str());
  ASSERT_TRUE(json) << json.error().message;
  std::vector<TokenId> ids = {1};  // generation started from BOS
  for (const auto& v : json->at("generated_token_ids").as_array()) ids.push_back(static_cast<TokenId>(v.as_int64()));
  const std::string expected(json->at("generated_text").as_string());
  // The reference text is what llama2.c printed for these ids.
  EXPECT_EQ(t.decode(ids), expected);

  for (const std::string& s : {expected, std::string("Once upon a time, Tom's cat sat on a mat."),
                               std::string("  two leading spaces, tabs\tand\nnewlines"),
                               std::string("Ünïcödé — 日本語 🎉 falls back to bytes"), std::string("")}) {
    const std::vector<TokenId> encoded = t.encode(s, true);
    ASSERT_FALSE(encoded.empty());
    EXPECT_EQ(encoded.front(), 1);
    EXPECT_EQ(t.decode(encoded), s);
  }
  // A 512-token vocabulary needs merges for common words: "Once upon a time" is far fewer tokens than bytes.
  EXPECT_LT(t.encode("Once upon a time", false).size(), 10u);
}

}  // namespace
}  // namespace sovra::tokenizer
