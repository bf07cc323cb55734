// The forward pass against reference outputs computed outside Sovra (../shared/models): a real trained tiny
// model checked against a float64 forward pass, and random-weight llama/qwen2 models in every tensor type
// checked against llama.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/packed.hpp"
#include "model/model.hpp"

namespace sovra::model {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kModels = fs::path(SOVRA_SHARED_DIR) / "models";

json::value read_json(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = parse_json(ss.str());
  EXPECT_TRUE(v) << p;
  return v ? *v : json::value();
}

std::int32_t argmax(std::span<const float> v) {
  return static_cast<std::int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Gap between the largest and second largest value.
float top_gap(std::span<const float> v) {
  float a = -INFINITY, b = -INFINITY;
  for (float x : v) {
    if (x > a) {
      b = a;
      a = x;
    } else if (x > b) {
      b = x;
    }
  }
  return a - b;
}

TEST(ModelReference, Stories260KGreedyAndLogitsMatchFloat64Reference) {
  const auto path = kModels / "stories260K.gguf";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
  const auto ref = read_json(kModels / "stories260K.reference.json");
  auto model = Model::load(path);
  ASSERT_TRUE(model) << model.error().message;
  Context ctx(**model, {.n_ctx = 256, .n_threads = 2});
  const auto& expected = ref.at("generated_token_ids").as_array();
  const auto& logits4 = ref.at("logits_first4").as_array();
  std::int32_t token = 1;  // BOS
  std::vector<std::int32_t> got;
  double max_diff = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto logits = ctx.eval(std::span<const std::int32_t>(&token, 1));
    ASSERT_TRUE(logits) << logits.error().message;
    if (i < logits4.size()) {
      const auto& want = logits4[i].as_array();
      ASSERT_EQ(want.size(), logits->size());
      for (std::size_t k = 0; k < want.size(); ++k) {
        max_diff = std::max(max_diff, std::abs(want[k].to_number<double>() - (*logits)[k]));
      }
    }
    token = argmax(*logits);
    got.push_back(token);
    if (token == 1) break;
  }
  EXPECT_LT(max_diff, 1e-3) << "logits of positions 0-3 differ from the float64 reference";
  std::vector<std::int32_t> want;
  for (const auto& v : expected) want.push_back(static_cast<std::int32_t>(v.as_int64()));
  EXPECT_EQ(got, want);
}

TEST(ModelReference, Llama2TinyRandomLoadsAndMatches) {
  const auto path = kModels / "llama-2-tiny-random.gguf";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
  const auto ref = read_json(kModels / "llama-2-tiny-random.reference.json");
  auto model = Model::load(path);
  ASSERT_TRUE(model) << model.error().message;
  EXPECT_EQ((*model)->hparams().n_vocab, 32000u);
  Context ctx(**model, {.n_ctx = 64, .n_threads = 2});
  const auto& expected = ref.at("generated_token_ids").as_array();
  const auto& logits2 = ref.at("logits_first2").as_array();
  std::int32_t token = 1;
  double max_diff = 0;
  std::vector<std::int32_t> got, want;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto logits = ctx.eval(std::span<const std::int32_t>(&token, 1));
    ASSERT_TRUE(logits) << logits.error().message;
    if (i < logits2.size()) {
      const auto& w = logits2[i].as_array();
      for (std::size_t k = 0; k < w.size(); ++k)
        max_diff = std::max(max_diff, std::abs(w[k].to_number<double>() - (*logits)[k]));
    }
    token = argmax(*logits);
    got.push_back(token);
    want.push_back(static_cast<std::int32_t>(expected[i].as_int64()));
  }
  EXPECT_LT(max_diff, 1e-3);
  EXPECT_EQ(got, want);
}

struct RandomCase {
  std::string file;
  float tolerance;  // absolute, on logits of magnitude ~2
};

// Tolerances, absolute, on logits of magnitude ~2. llama.cpp's CPU dot products round the activations before
// multiplying: to F16 for F16 weights, to BF16 for BF16 weights (8-bit mantissa), and to 8-bit Q8_0/Q8_1/Q8_K
// blocks for quantized weights. Its logits therefore sit at some distance from the exact result for the same
// weights, and that distance, not Sovra's error, dominates the comparison. Measured by running Sovra with every
// matrix dequantized to F32 (exact activations; 2026-11-27): F16 ≤ 0.004, BF16 ≤ 0.022, Q8_0/Q4_x/Q5_x ≤ 0.10,
// K-quants ≤ 0.16 (all these files keep output.weight in Q6_K). Sovra's own 8-bit activation rounding lands at the
// same distance (its kernels are checked against a float64 reference in tests/kernels). Each bound below is about
// 1.5× the measured distance of the exact computation; greedy tokens are compared where the top-1/top-2 gap
// exceeds twice the bound.
class RandomModelTest : public ::testing::TestWithParam<RandomCase> {};

TEST_P(RandomModelTest, TopLogitsAndGreedyTokensMatchLlamaCpp) {
  const auto path = kModels / "random" / GetParam().file;
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
  auto ref_path = path;
  ref_path.replace_extension(".reference.json");
  const auto ref = read_json(ref_path);
  auto model = Model::load(path);
  ASSERT_TRUE(model) << model.error().message;
  const float tol = GetParam().tolerance;
  double worst = 0;
  for (const auto& c : ref.at("cases").as_array()) {
    std::vector<std::int32_t> ids;
    for (const auto& v : c.at("prompt_ids").as_array()) ids.push_back(static_cast<std::int32_t>(v.as_int64()));
    Context ctx(**model, {.n_ctx = 128, .n_threads = 2});
    auto all = ctx.eval(ids, /*all_logits=*/true);
    ASSERT_TRUE(all) << all.error().message;
    const std::size_t nv = (*model)->hparams().n_vocab;
    for (const auto& p : c.at("positions").as_array()) {
      const auto pos = static_cast<std::size_t>(p.at("pos").as_int64());
      std::span<const float> row(all->data() + pos * nv, nv);
      const auto& top = p.at("top").as_array();
      for (const auto& e : top) {
        const auto id = static_cast<std::size_t>(e.as_array()[0].as_int64());
        const double want = e.as_array()[1].to_number<double>();
        worst = std::max(worst, std::abs(row[id] - want));
        EXPECT_NEAR(row[id], want, tol) << GetParam().file << " pos " << pos << " token " << id;
      }
      const double gap = top[0].as_array()[1].to_number<double>() - top[1].as_array()[1].to_number<double>();
      if (gap > 2 * tol) {
        EXPECT_EQ(argmax(row), top[0].as_array()[0].as_int64()) << "pos " << pos;
      }
    }
    // Greedy continuation: tokens must agree while the choice is clear (our top-1/top-2 gap above 2 tol);
    // after the first close call the two paths may legitimately part.
    std::span<const float> last(all->data() + (ids.size() - 1) * nv, nv);
    std::vector<float> logits(last.begin(), last.end());
    for (const auto& g : c.at("greedy").as_array()) {
      if (top_gap(logits) <= 2 * tol) break;
      const std::int32_t next = argmax(logits);
      ASSERT_EQ(next, g.as_int64()) << GetParam().file;
      auto l = ctx.eval(std::span<const std::int32_t>(&next, 1));
      ASSERT_TRUE(l);
      logits.assign(l->begin(), l->end());
    }
  }
  RecordProperty("max_abs_diff", std::to_string(worst));
  std::cout << GetParam().file << ": max |logit diff| " << worst << " (tolerance " << tol << ")\n";
}

std::vector<RandomCase> random_cases() {
  const std::vector<std::pair<std::string, float>> types = {
      {"F16", 6e-3f},  {"BF16", 3.5e-2f}, {"Q8_0", 0.15f},   {"Q4_0", 0.15f},   {"Q4_1", 0.15f},   {"Q5_0", 0.15f},
      {"Q5_1", 0.15f}, {"Q2_K", 0.24f},   {"Q3_K_M", 0.24f}, {"Q4_K_M", 0.24f}, {"Q5_K_M", 0.24f}, {"Q6_K", 0.24f}};
  std::vector<RandomCase> out;
  for (const char* arch : {"llama", "qwen2"}) {
    for (const auto& [t, tol] : types) out.push_back({std::string("rand-") + arch + "-d256-" + t + ".gguf", tol});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RandomModelTest, ::testing::ValuesIn(random_cases()),
                         [](const ::testing::TestParamInfo<RandomCase>& param) {
                           std::string n = param.param.file.substr(5, param.param.file.size() - 10);
                           for (auto& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

// Load moves every matmul weight out of the file mapping (into the huge-page arena) and repacks Q4_0 and Q4_K 16
// rows at a time where the CPU has the kernel for it; the references above check the numbers through that path.
TEST(ModelLoad, MovesMatmulWeightsOutOfTheMappingAndPacksWhereItPays) {
  for (const char* name : {"rand-llama-d256-Q4_0.gguf", "rand-llama-d256-Q4_K_M.gguf"}) {
    const auto path = kModels / "random" / name;
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
    auto model = Model::load(path);
    ASSERT_TRUE(model) << model.error().message;
    const auto file = (*model)->gguf().bytes();
    auto in_file = [&](const void* p) {
      const auto* b = static_cast<const std::byte*>(p);
      return b >= file.data() && b < file.data() + file.size();
    };
    const Weights& w = (*model)->weights();
    int packed = 0;
    for (const auto& l : w.layers) {
      for (const Matrix* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
        EXPECT_FALSE(in_file(m->data)) << name;
        EXPECT_EQ(m->layout, kernels::packed_layout({m->type, nullptr, m->rows, m->cols})) << name;
        packed += m->layout != kernels::WeightLayout::kRows;
      }
    }
    if (kernels::cpu_has_avx512_vnni()) {
      EXPECT_GT(packed, 0) << name << ": this CPU has the packed kernels";
    }
    EXPECT_TRUE(in_file(w.token_embd.data)) << "token_embd is read as rows and stays in the mapping";
    EXPECT_EQ(w.token_embd.layout, kernels::WeightLayout::kRows);
  }
}

}  // namespace
}  // namespace sovra::model
