// The reader against the real GGUF files under shared/models. Expected facts come from shared/models/PROVENANCE.md
// (what each file holds, as recorded when it was staged) and from the GGUF spec, not from this reader.
#include "gguf/reader.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gguf_test_util.hpp"

namespace sovra::gguf {
namespace {

namespace fs = std::filesystem;
using testing::shared_models_dir;
using Shape = std::vector<std::uint64_t>;

Shape shape_of(const TensorInfo& t) { return Shape(t.shape().begin(), t.shape().end()); }

// Opens a shared model, or skips the test when the shared folder is absent. `var` names variables.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define OPEN_SHARED_OR_SKIP(var, relative)                                                    \
  const fs::path var##_path = shared_models_dir() / (relative);                               \
  if (!fs::exists(var##_path)) GTEST_SKIP() << var##_path << " is absent (no shared models)"; \
  auto var##_result = Reader::open(var##_path);                                               \
  ASSERT_TRUE(var##_result) << var##_result.error().message;                                  \
  const Reader& var = *var##_result
// NOLINTEND(bugprone-macro-parentheses)

// Touches every value and tensor: arrays decoded element by element, nested ones recursively.
std::uint64_t walk_value(const Value& v) {
  std::uint64_t n = 1;
  if (v.is_array()) {
    for (const Value& e : v.elements()) n += walk_value(e);
  }
  return n;
}

TEST(GgufReader, ReadsEverySharedModel) {
  const fs::path dir = shared_models_dir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is absent (no shared models)";
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".gguf") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    auto r = Reader::open(entry.path());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->version() == 2 || r->version() == 3);
    EXPECT_EQ(r->data_offset() % r->alignment(), 0u);
    ASSERT_TRUE(r->get_string("general.architecture")) << "every shared GGUF names its architecture";
    for (const Kv& kv : r->kvs()) {
      EXPECT_GE(walk_value(kv.value), 1u);
      if (kv.value.is_array()) {
        EXPECT_EQ(kv.value.elements().size(), kv.value.size()) << kv.key;
      }
    }
    const auto bytes = r->bytes();
    for (const TensorInfo& t : r->tensors()) {
      EXPECT_EQ(t.data.size(), *tensor_byte_size(t.type, t.shape())) << t.name;
      EXPECT_GE(t.data.data(), bytes.data());
      EXPECT_LE(t.data.data() + t.data.size(), bytes.data() + bytes.size());
      EXPECT_EQ(t.data.data() - bytes.data(), static_cast<std::ptrdiff_t>(r->data_offset() + t.offset));
      EXPECT_EQ(r->find_tensor(t.name), &t);
    }
  }
  EXPECT_GE(files, 30) << "PROVENANCE.md lists 41 GGUF files under models/";
}

TEST(GgufReader, Stories260K) {
  OPEN_SHARED_OR_SKIP(r, "stories260K.gguf");
  // PROVENANCE: GGUF v3, arch llama, 48 tensors all F32, no general.alignment key, data starts at 14176.
  EXPECT_EQ(r.version(), 3u);
  EXPECT_EQ(*r.get_string("general.architecture"), "llama");
  EXPECT_FALSE(r.contains("general.alignment"));
  EXPECT_EQ(r.alignment(), 32u);
  EXPECT_EQ(r.data_offset(), 14176u);
  ASSERT_EQ(r.tensors().size(), 48u);
  for (const TensorInfo& t : r.tensors()) EXPECT_EQ(t.type, GgmlType::kF32) << t.name;
  // dim 64, 5 layers, 8 heads, 4 KV heads, head_dim 8, ffn 172, ctx 2048, rms eps 1e-5, vocab 512.
  EXPECT_EQ(*r.get_uint("llama.embedding_length"), 64u);
  EXPECT_EQ(*r.get_uint("llama.block_count"), 5u);
  EXPECT_EQ(*r.get_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(*r.get_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(*r.get_uint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(*r.get_uint("llama.context_length"), 2048u);
  EXPECT_NEAR(*r.get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
  // <unk>=0, BOS=1, EOS=2, byte tokens <0x00>...
  auto tokens = r.get_array<std::string_view>("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens) << tokens.error().message;
  ASSERT_EQ(tokens->size(), 512u);
  EXPECT_EQ((*tokens)[0], "<unk>");
  EXPECT_NE(std::find(tokens->begin(), tokens->end(), "<0x00>"), tokens->end());
  EXPECT_EQ(*r.get_u32("tokenizer.ggml.unknown_token_id"), 0u);
  EXPECT_EQ(*r.get_u32("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(*r.get_u32("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_EQ(r.get_array<float>("tokenizer.ggml.scores")->size(), 512u);
  // Shapes in ggml order, from the hyper-parameters above.
  ASSERT_NE(r.find_tensor("token_embd.weight"), nullptr);
  EXPECT_EQ(shape_of(*r.find_tensor("token_embd.weight")), (Shape{64, 512}));
  EXPECT_EQ(shape_of(*r.find_tensor("blk.0.attn_q.weight")), (Shape{64, 64}));
  EXPECT_EQ(shape_of(*r.find_tensor("blk.4.attn_k.weight")), (Shape{64, 32}));  // 4 KV heads x 8
  EXPECT_EQ(shape_of(*r.find_tensor("blk.2.ffn_gate.weight")), (Shape{64, 172}));
  EXPECT_EQ(shape_of(*r.find_tensor("blk.2.ffn_down.weight")), (Shape{172, 64}));
  EXPECT_EQ(shape_of(*r.find_tensor("output_norm.weight")), (Shape{64}));
  EXPECT_EQ(r.tensor_data("token_embd.weight")->size(), 64u * 512 * 4);
  EXPECT_FALSE(r.find_tensor("blk.5.attn_q.weight"));
  // Accessor failures name the key and the types.
  auto missing = r.get_u32("llama.nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto wrong = r.get_u64("llama.block_count");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(wrong.error().message, "metadata 'llama.block_count' is uint32, expected uint64");
  EXPECT_FALSE(r.get_array<std::int32_t>("tokenizer.ggml.scores"));
  EXPECT_EQ(r.tensor_data("nope").error().code, ErrorCode::kNotFound);
}

TEST(GgufReader, Stories260KChatHasTheSameTensors) {
  OPEN_SHARED_OR_SKIP(base, "stories260K.gguf");
  OPEN_SHARED_OR_SKIP(chat, "stories260K-chat.gguf");
  // PROVENANCE: stories260K with Qwen2.5's chat template and general.name changed; tensors unchanged.
  EXPECT_EQ(*chat.get_string("general.name"), "stories260K-chat");
  auto tmpl = chat.get_string("tokenizer.chat_template");
  ASSERT_TRUE(tmpl) << tmpl.error().message;
  EXPECT_NE(tmpl->find("<|im_start|>"), std::string_view::npos);
  EXPECT_FALSE(base.contains("tokenizer.chat_template"));
  ASSERT_EQ(chat.tensors().size(), base.tensors().size());
  for (const TensorInfo& t : base.tensors()) {
    const TensorInfo* other = chat.find_tensor(t.name);
    ASSERT_NE(other, nullptr) << t.name;
    EXPECT_EQ(shape_of(*other), shape_of(t));
    ASSERT_EQ(other->data.size(), t.data.size());
    EXPECT_EQ(std::memcmp(other->data.data(), t.data.data(), t.data.size()), 0) << t.name;
  }
  EXPECT_EQ(*chat.get_array<std::string>("tokenizer.ggml.tokens"),
            *base.get_array<std::string>("tokenizer.ggml.tokens"));
}

TEST(GgufReader, LlamaTinyRandom) {
  OPEN_SHARED_OR_SKIP(r, "llama-2-tiny-random.gguf");
  // PROVENANCE: v3, 12 tensors, F16 matrices and F32 norms, dim 8, 1 layer, 2 heads, rope dim 4, ctx 4096,
  // 32000 tokens, about 724 KB of metadata.
  EXPECT_EQ(r.version(), 3u);
  ASSERT_EQ(r.tensors().size(), 12u);
  EXPECT_EQ(*r.get_uint("llama.embedding_length"), 8u);
  EXPECT_EQ(*r.get_uint("llama.block_count"), 1u);
  EXPECT_EQ(*r.get_uint("llama.attention.head_count"), 2u);
  EXPECT_EQ(*r.get_uint("llama.rope.dimension_count"), 4u);
  EXPECT_EQ(*r.get_uint("llama.context_length"), 4096u);
  EXPECT_EQ(r.find("tokenizer.ggml.tokens")->size(), 32000u);
  EXPECT_GT(r.data_offset(), 700'000u);
  EXPECT_LT(r.data_offset(), 750'000u);
  for (const TensorInfo& t : r.tensors()) {
    const bool norm = std::string_view(t.name).find("norm") != std::string_view::npos;
    EXPECT_EQ(t.type, norm ? GgmlType::kF32 : GgmlType::kF16) << t.name;
  }
  EXPECT_EQ(shape_of(*r.find_tensor("token_embd.weight")), (Shape{8, 32000}));
  EXPECT_EQ(r.find_tensor("token_embd.weight")->n_elements, 8u * 32000);
}

TEST(GgufReader, VocabOnlyFiles) {
  // PROVENANCE: vocab-only GGUFs (n_tensors = 0) with tokenizer.ggml.model and vocabulary size.
  struct Expect {
    const char* file;
    const char* model;
    std::uint64_t n_vocab;
  };
  const Expect expected[] = {
      {"llama-spm", "llama", 32000},    {"phi-3", "llama", 32064}, {"baichuan", "llama", 64000},
      {"bert-bge", "bert", 30522},      {"gpt-2", "gpt2", 50257},  {"deepseek-coder", "gpt2", 32256},
      {"deepseek-llm", "gpt2", 102400}, {"falcon", "gpt2", 65024}, {"mpt", "gpt2", 50432},
      {"gpt-neox", "gpt2", 50432},      {"refact", "gpt2", 49216}, {"starcoder", "gpt2", 49152},
  };
  for (const Expect& e : expected) {
    const fs::path path = shared_models_dir() / "vocab" / (std::string("ggml-vocab-") + e.file + ".gguf");
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (no shared models)";
    SCOPED_TRACE(path.string());
    auto r = Reader::open(path);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->tensors().empty());
    EXPECT_EQ(*r->get_string("tokenizer.ggml.model"), e.model);
    const Value* tokens = r->find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->element_type(), ValueType::kString);
    EXPECT_EQ(tokens->size(), e.n_vocab);
  }
}

TEST(GgufReader, RandomArchitectures) {
  // PROVENANCE: n_embd 256, 4 layers, 4 heads, 2 KV heads, n_ff 768, untied output, 512 tokens; llama rope base
  // 1e4, qwen2 1e6 with q/k/v biases; BF16/Q* quantized from F16 by llama-quantize. general.file_type values are
  // llama.cpp's LLAMA_FTYPE (the spec's list, plus MOSTLY_BF16 = 32).
  const std::map<std::string, std::uint32_t> file_types = {
      {"F16", 1},  {"BF16", 32}, {"Q8_0", 7},    {"Q4_0", 2},    {"Q4_1", 3},    {"Q5_0", 8},
      {"Q5_1", 9}, {"Q2_K", 10}, {"Q3_K_M", 12}, {"Q4_K_M", 15}, {"Q5_K_M", 17}, {"Q6_K", 18},
  };
  for (const std::string arch : {"llama", "qwen2"}) {
    for (const auto& [suffix, file_type] : file_types) {
      const fs::path path = shared_models_dir() / "random" / fmt::format("rand-{}-d256-{}.gguf", arch, suffix);
      if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (no shared models)";
      SCOPED_TRACE(path.string());
      auto opened = Reader::open(path);
      ASSERT_TRUE(opened) << opened.error().message;
      const Reader& r = *opened;
      EXPECT_EQ(*r.get_string("general.architecture"), arch);
      EXPECT_EQ(*r.get_uint(arch + ".embedding_length"), 256u);
      EXPECT_EQ(*r.get_uint(arch + ".block_count"), 4u);
      EXPECT_EQ(*r.get_uint(arch + ".attention.head_count"), 4u);
      EXPECT_EQ(*r.get_uint(arch + ".attention.head_count_kv"), 2u);
      EXPECT_EQ(*r.get_uint(arch + ".feed_forward_length"), 768u);
      EXPECT_DOUBLE_EQ(*r.get_float(arch + ".rope.freq_base"), arch == "llama" ? 1e4 : 1e6);
      EXPECT_EQ(r.find("tokenizer.ggml.tokens")->size(), 512u);
      EXPECT_EQ(*r.get_u32("general.file_type"), file_type);
      // token_embd + output_norm + output + 4 x (2 norms + 7 matrices), plus 4 x 3 biases for qwen2.
      EXPECT_EQ(r.tensors().size(), arch == "llama" ? 39u : 51u);
      EXPECT_EQ(r.find_tensor("blk.0.attn_q.bias") != nullptr, arch == "qwen2");
      ASSERT_NE(r.find_tensor("output.weight"), nullptr);                             // untied
      EXPECT_EQ(shape_of(*r.find_tensor("blk.3.attn_k.weight")), (Shape{256, 128}));  // 2 KV heads x 64
      EXPECT_EQ(shape_of(*r.find_tensor("blk.3.ffn_down.weight")), (Shape{768, 256}));
      EXPECT_EQ(shape_of(*r.find_tensor("token_embd.weight")), (Shape{256, 512}));
      if (suffix.find("_K_M") == std::string::npos) {
        EXPECT_EQ(type_name(r.find_tensor("blk.1.attn_q.weight")->type), suffix);
      }
    }
  }
}

TEST(GgufReader, RandomBert) {
  // PROVENANCE: arch bert, n_embd 128, 2 layers, 4 heads, n_ff 512, pooling mean or CLS, 30522 tokens.
  for (const char* pooling : {"mean", "cls"}) {
    const fs::path path = shared_models_dir() / "random" / (std::string("rand-bert-d128-") + pooling + "-F16.gguf");
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (no shared models)";
    auto r = Reader::open(path);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r->get_string("general.architecture"), "bert");
    EXPECT_EQ(*r->get_uint("bert.embedding_length"), 128u);
    EXPECT_EQ(*r->get_uint("bert.block_count"), 2u);
    EXPECT_EQ(*r->get_uint("bert.attention.head_count"), 4u);
    EXPECT_EQ(*r->get_uint("bert.feed_forward_length"), 512u);
    EXPECT_FALSE(*r->get_bool("bert.attention.causal"));
    // llama.cpp's LLAMA_POOLING_TYPE: MEAN = 1, CLS = 2.
    EXPECT_EQ(*r->get_u32("bert.pooling_type"), std::string_view(pooling) == "mean" ? 1u : 2u);
    EXPECT_EQ(r->find("tokenizer.ggml.tokens")->size(), 30522u);
    EXPECT_EQ(shape_of(*r->find_tensor("token_embd.weight")), (Shape{128, 30522}));
    EXPECT_EQ(shape_of(*r->find_tensor("blk.1.ffn_up.weight")), (Shape{128, 512}));
  }
}

TEST(GgufReader, OpenReportsIoErrors) {
  auto missing = Reader::open("/nonexistent/dir/model.gguf");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
  EXPECT_NE(missing.error().message.find("/nonexistent/dir/model.gguf"), std::string::npos);
  auto dir = Reader::open(fs::temp_directory_path());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().code, ErrorCode::kIo);
}

TEST(GgufReader, ReaderStaysValidWhenMoved) {
  OPEN_SHARED_OR_SKIP(r, "stories260K.gguf");
  const std::string_view arch = *r.get_string("general.architecture");
  Reader moved = std::move(r_result).value();
  EXPECT_EQ(*moved.get_string("general.architecture"), arch);
  const std::string_view name = moved.tensors()[0].name;
  Reader again = std::move(moved);
  EXPECT_EQ(again.tensors()[0].name, name);
  EXPECT_EQ(*again.get_string("general.architecture"), "llama");
  EXPECT_NE(again.find_tensor(name), nullptr);
}

}  // namespace
}  // namespace sovra::gguf
