#include "app/gguf_random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "gguf/reader.hpp"
#include "model/model.hpp"

namespace sovra::app {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("sovra-" + std::to_string(::getpid()) + "-" + name);
}

TEST(GgufRandom, EveryTypeWritesALoadableModel) {
  for (const char* type :
       {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k"}) {
    for (const auto& [arch, shape] : {std::pair{"llama", "llama-tiny"}, std::pair{"qwen2", "qwen2-tiny"}}) {
      const auto path = temp_file(std::string(shape) + "-" + type + ".gguf");
      auto st = write_random_model({.arch = arch, .shape = shape, .type = type, .output = path.string(), .threads = 2});
      ASSERT_TRUE(st) << type << ": " << st.error().message;
      auto reader = gguf::Reader::open(path);
      ASSERT_TRUE(reader) << reader.error().message;
      EXPECT_EQ(*reader->get_string("general.architecture"), arch);
      EXPECT_EQ(*reader->get_uint(std::string(arch) + ".embedding_length"), 256u);
      auto plan = quant_plan(type);
      ASSERT_TRUE(plan);
      EXPECT_EQ(reader->find_tensor("blk.0.attn_q.weight")->type, plan->base) << type;
      EXPECT_EQ(reader->find_tensor("blk.1.ffn_down.weight")->type, plan->sensitive) << type;
      auto model = model::Model::load(path);
      ASSERT_TRUE(model) << type << ": " << model.error().message;
      model::Context ctx(**model, {.n_ctx = 16, .n_threads = 2});
      const std::int32_t prompt[] = {1, 5, 9};
      auto logits = ctx.eval(prompt);
      ASSERT_TRUE(logits) << logits.error().message;
      for (float v : *logits) ASSERT_TRUE(std::isfinite(v)) << type;
      fs::remove(path);
    }
  }
}

TEST(GgufRandom, RejectsUnknownShapesTypesAndArchMismatch) {
  EXPECT_FALSE(write_random_model({.shape = "gpt-5", .output = "/tmp/x.gguf"}));
  EXPECT_FALSE(write_random_model({.shape = "llama-tiny", .type = "q9_9", .output = "/tmp/x.gguf"}));
  EXPECT_FALSE(write_random_model({.arch = "qwen2", .shape = "llama-tiny", .output = "/tmp/x.gguf"}));
  EXPECT_FALSE(write_random_model({.shape = "llama-tiny"}));  // no output
}

TEST(Quantize, RequantizedStoriesModelStaysClose) {
  const fs::path src = fs::path(SOVRA_SHARED_DIR) / "models" / "stories260K.gguf";
  if (!fs::exists(src)) GTEST_SKIP() << src << " is absent";
  auto original = model::Model::load(src);
  ASSERT_TRUE(original);
  model::Context a(**original, {.n_ctx = 32, .n_threads = 2});
  const std::int32_t prompt[] = {1, 403, 407, 261, 378};
  auto ref = a.eval(prompt);
  ASSERT_TRUE(ref);
  const std::vector<float> want(ref->begin(), ref->end());
  // Error relative to the spread of the logits (RMS of the difference over RMS of the centred logits); a 64-wide
  // model loses more to quantization than large ones, so the bounds are loose but still catch a broken encoder.
  double mean = 0, var = 0;
  for (float v : want) mean += v;
  mean /= static_cast<double>(want.size());
  for (float v : want) var += (v - mean) * (v - mean);
  const double spread = std::sqrt(var / static_cast<double>(want.size()));
  for (const auto& [type, bound] : {std::pair{"q8_0", 0.02}, std::pair{"q5_1", 0.2}, std::pair{"q4_0", 0.3}}) {
    const auto out = temp_file(std::string("stories-") + type + ".gguf");
    auto st = quantize_model(src.string(), out.string(), type, 2);
    ASSERT_TRUE(st) << st.error().message;
    auto q = model::Model::load(out);
    ASSERT_TRUE(q) << q.error().message;
    model::Context b(**q, {.n_ctx = 32, .n_threads = 2});
    auto got = b.eval(prompt);
    ASSERT_TRUE(got);
    double sq = 0;
    for (std::size_t i = 0; i < want.size(); ++i) sq += (double(want[i]) - (*got)[i]) * (double(want[i]) - (*got)[i]);
    const double rel = std::sqrt(sq / static_cast<double>(want.size())) / spread;
    std::cout << type << ": relative RMS logit error " << rel << "\n";
    EXPECT_LT(rel, bound) << type;
    auto reader = gguf::Reader::open(out);
    ASSERT_TRUE(reader);
    EXPECT_EQ(reader->kvs().size(), gguf::Reader::open(src)->kvs().size() + 1);  // + general.file_type
    fs::remove(out);
  }
}

}  // namespace
}  // namespace sovra::app
