// Encoders with random weights (written by model/arch/encoder_random) against a straightforward float64 forward
// pass written here from the GGUF tensors: bert and nomic-bert, every pooling, the reranker head; batches
// against one-at-a-time; bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gguf/reader.hpp"
#include "kernels/quant.hpp"
#include "model/arch/encoder.hpp"
#include "model/arch/encoder_random.hpp"

namespace sovra::model {
namespace {

using Vec = std::vector<double>;

// The tensor `name` as doubles, row-major [rows][dims[0]].
Vec tensor(const gguf::Reader& r, const std::string& name) {
  const auto* t = r.find_tensor(name);
  EXPECT_NE(t, nullptr) << name;
  if (t == nullptr) return {};
  const auto cols = static_cast<std::int64_t>(t->dims[0]);
  const auto rows = static_cast<std::int64_t>(t->n_elements) / cols;
  const auto rb = kernels::row_bytes(t->type, cols);
  std::vector<float> row(static_cast<std::size_t>(cols));
  Vec out;
  for (std::int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(kernels::dequantize_row(t->type, t->data.data() + i * rb, row.data(), cols));
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

// y = W x + b, W [out][in].
Vec affine(const Vec& w, const Vec* b, const Vec& x) {
  const std::size_t in = x.size();
  const std::size_t out = w.size() / in;
  Vec y(out);
  for (std::size_t o = 0; o < out; ++o) {
    double s = b ? (*b)[o] : 0.0;
    for (std::size_t i = 0; i < in; ++i) s += w[o * in + i] * x[i];
    y[o] = s;
  }
  return y;
}

Vec norm(const Vec& x, const Vec& w, const Vec& b, double eps) {
  double mean = 0, var = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (double v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
  Vec y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = (x[i] - mean) / std::sqrt(var + eps) * w[i] + b[i];
  return y;
}

struct Reference {
  const gguf::Reader& r;
  const RandomEncoderSpec& s;

  Vec t(const std::string& name) const { return tensor(r, name); }

  Vec run(const std::vector<tokenizer::TokenId>& ids) const {
    const std::size_t e = s.n_embd, n = ids.size(), hd = s.n_embd / s.n_head;
    const bool bert = s.arch == "bert";
    const double eps = 1e-12;
    const Vec tok = t("token_embd.weight"), types = t("token_types.weight");
    const Vec pos = bert ? t("position_embd.weight") : Vec{};
    std::vector<Vec> x(n, Vec(e));
    for (std::size_t p = 0; p < n; ++p) {
      for (std::size_t i = 0; i < e; ++i) {
        x[p][i] = tok[static_cast<std::size_t>(ids[p]) * e + i] + types[i] + (bert ? pos[p * e + i] : 0.0);
      }
      x[p] = norm(x[p], t("token_embd_norm.weight"), t("token_embd_norm.bias"), eps);
    }
    for (std::uint32_t l = 0; l < s.n_layer; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      std::vector<Vec> q(n), k(n), v(n);
      for (std::size_t p = 0; p < n; ++p) {
        if (bert) {
          const Vec bq = t(b + "attn_q.bias"), bk = t(b + "attn_k.bias"), bv = t(b + "attn_v.bias");
          q[p] = affine(t(b + "attn_q.weight"), &bq, x[p]);
          k[p] = affine(t(b + "attn_k.weight"), &bk, x[p]);
          v[p] = affine(t(b + "attn_v.weight"), &bv, x[p]);
        } else {
          const Vec qkv = affine(t(b + "attn_qkv.weight"), nullptr, x[p]);
          q[p].assign(qkv.begin(), qkv.begin() + static_cast<std::ptrdiff_t>(e));
          k[p].assign(qkv.begin() + static_cast<std::ptrdiff_t>(e), qkv.begin() + static_cast<std::ptrdiff_t>(2 * e));
          v[p].assign(qkv.begin() + static_cast<std::ptrdiff_t>(2 * e), qkv.end());
          for (Vec* z : {&q[p], &k[p]}) {  // NeoX rotary: pairs (i, i + hd/2) of each head
            for (std::size_t h = 0; h < s.n_head; ++h) {
              for (std::size_t i = 0; i < hd / 2; ++i) {
                const double theta = static_cast<double>(p) * std::pow(1000.0, -2.0 * static_cast<double>(i) / static_cast<double>(hd));
                double& a = (*z)[h * hd + i];
                double& c = (*z)[h * hd + i + hd / 2];
                const double a0 = a, c0 = c;
                a = a0 * std::cos(theta) - c0 * std::sin(theta);
                c = a0 * std::sin(theta) + c0 * std::cos(theta);
              }
            }
          }
        }
      }
      const Vec wo = t(b + "attn_output.weight");
      const Vec bo = bert ? t(b + "attn_output.bias") : Vec(e, 0.0);
      std::vector<Vec> h(n);
      for (std::size_t i = 0; i < n; ++i) {
        Vec a(e, 0.0);
        for (std::size_t head = 0; head < s.n_head; ++head) {
          Vec w(n);
          double mx = -1e300, sum = 0;
          for (std::size_t j = 0; j < n; ++j) {
            double d = 0;
            for (std::size_t c = 0; c < hd; ++c) d += q[i][head * hd + c] * k[j][head * hd + c];
            w[j] = d / std::sqrt(static_cast<double>(hd));
            mx = std::max(mx, w[j]);
          }
          for (double& z : w) sum += (z = std::exp(z - mx));
          for (std::size_t j = 0; j < n; ++j) {
            for (std::size_t c = 0; c < hd; ++c) a[head * hd + c] += w[j] / sum * v[j][head * hd + c];
          }
        }
        Vec o = affine(wo, &bo, a);
        for (std::size_t c = 0; c < e; ++c) o[c] += x[i][c];
        h[i] = norm(o, t(b + "attn_output_norm.weight"), t(b + "attn_output_norm.bias"), eps);
      }
      for (std::size_t i = 0; i < n; ++i) {
        Vec u;
        if (bert) {
          const Vec bu = t(b + "ffn_up.bias");
          u = affine(t(b + "ffn_up.weight"), &bu, h[i]);
          for (double& z : u) z = 0.5 * z * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (z + 0.044715 * z * z * z)));
        } else {
          u = affine(t(b + "ffn_up.weight"), nullptr, h[i]);
          const Vec g = affine(t(b + "ffn_gate.weight"), nullptr, h[i]);
          for (std::size_t c = 0; c < u.size(); ++c) u[c] *= g[c] / (1.0 + std::exp(-g[c]));
        }
        const Vec bd = bert ? t(b + "ffn_down.bias") : Vec(e, 0.0);
        Vec d = affine(t(b + "ffn_down.weight"), &bd, u);
        for (std::size_t c = 0; c < e; ++c) d[c] += h[i][c];
        x[i] = norm(d, t(b + "layer_output_norm.weight"), t(b + "layer_output_norm.bias"), eps);
      }
    }
    switch (s.pooling) {
      case Pooling::kMean: {
        Vec m(e, 0.0);
        for (const auto& row : x)
          for (std::size_t c = 0; c < e; ++c) m[c] += row[c] / static_cast<double>(n);
        return m;
      }
      case Pooling::kLast:
        return x.back();
      case Pooling::kRank: {
        const Vec cb = t("cls.bias"), ob = t("cls.output.bias");
        Vec hid = affine(t("cls.weight"), &cb, x.front());
        for (double& z : hid) z = std::tanh(z);
        return affine(t("cls.output.weight"), &ob, hid);
      }
      default:
        return x.front();
    }
  }
};

struct Loaded {
  std::vector<std::byte> bytes;
  std::unique_ptr<EncoderModel> model;
  std::unique_ptr<gguf::Reader> reader;
};

Loaded load(const RandomEncoderSpec& spec) {
  Loaded l;
  auto bytes = random_encoder_bytes(spec);
  EXPECT_TRUE(bytes) << bytes.error().message;
  l.bytes = std::move(*bytes);
  auto r1 = gguf::Reader::from_memory(l.bytes);
  auto r2 = gguf::Reader::from_memory(l.bytes);
  EXPECT_TRUE(r1 && r2);
  auto m = EncoderModel::from_reader(std::move(*r1));
  EXPECT_TRUE(m) << m.error().message;
  l.model = std::move(*m);
  l.reader = std::make_unique<gguf::Reader>(std::move(*r2));
  return l;
}

const std::vector<std::string> kTexts = {"hello world", "the quick brown fox jumps over the lazy dog.", "a",
                                         "search query, rank document: embed text w17 w3!"};

struct Case {
  std::string arch;
  Pooling pooling;
  gguf::GgmlType type;
};

class EncoderForward : public ::testing::TestWithParam<Case> {};

TEST_P(EncoderForward, MatchesFloat64Reference) {
  const auto& c = GetParam();
  RandomEncoderSpec spec{.arch = c.arch, .n_embd = 64, .n_layer = 2, .n_head = 4, .n_ff = 96, .n_ctx = 64,
                         .pooling = c.pooling, .type = c.type, .n_labels = 2, .seed = 7};
  auto l = load(spec);
  ASSERT_TRUE(l.model);
  EXPECT_EQ(l.model->hparams().pooling, c.pooling);
  std::vector<std::vector<tokenizer::TokenId>> seqs;
  for (const auto& text : kTexts) {
    seqs.push_back(l.model->tokenize(text));
    EXPECT_EQ(seqs.back().front(), 2);  // [CLS]
    EXPECT_EQ(seqs.back().back(), 3);   // [SEP]
    for (auto id : seqs.back()) EXPECT_NE(id, 1) << "unknown token in '" << text << "'";
  }
  kernels::ThreadPool pool(2);
  auto out = l.model->forward(seqs, pool);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->size(), seqs.size());
  const Reference ref{*l.reader, spec};
  const double tol = c.type == gguf::GgmlType::kF32 ? 2e-4 : 1e-3;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    const Vec want = ref.run(seqs[i]);
    ASSERT_EQ((*out)[i].size(), want.size());
    EXPECT_EQ(l.model->output_size(), want.size());
    double norm2 = 0;
    for (std::size_t d = 0; d < want.size(); ++d) {
      EXPECT_NEAR((*out)[i][d], want[d], tol) << kTexts[i] << " dim " << d;
      norm2 += want[d] * want[d];
    }
    EXPECT_GT(norm2, 1e-3);  // not a degenerate all-zero output
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, EncoderForward,
    ::testing::Values(Case{"bert", Pooling::kMean, gguf::GgmlType::kF32}, Case{"bert", Pooling::kCls, gguf::GgmlType::kF32},
                      Case{"bert", Pooling::kLast, gguf::GgmlType::kF32}, Case{"bert", Pooling::kRank, gguf::GgmlType::kF32},
                      Case{"bert", Pooling::kMean, gguf::GgmlType::kF16},
                      Case{"nomic-bert", Pooling::kMean, gguf::GgmlType::kF32},
                      Case{"nomic-bert", Pooling::kCls, gguf::GgmlType::kF32},
                      Case{"nomic-bert", Pooling::kRank, gguf::GgmlType::kF16}),
    [](const ::testing::TestParamInfo<Case>& p) {
      std::string n = p.param.arch + "_" + std::string(pooling_name(p.param.pooling)) + "_" +
                      gguf::type_name(p.param.type);
      for (char& ch : n) if (ch == '-') ch = '_';
      return n;
    });

TEST(EncoderBatch, SixtyFourInputsInOneBatchEqualEachAlone) {
  for (const char* arch : {"bert", "nomic-bert"}) {
    auto l = load({.arch = arch, .n_embd = 64, .n_head = 4, .n_ff = 96, .n_ctx = 256, .type = gguf::GgmlType::kF16});
    ASSERT_TRUE(l.model);
    std::vector<std::vector<tokenizer::TokenId>> seqs;
    for (int i = 0; i < 64; ++i) {
      std::string text;
      for (int w = 0; w <= i % 13; ++w) text += kTexts[static_cast<std::size_t>(w + i) % kTexts.size()] + " w" + std::to_string(i * 7 + w) + " ";
      seqs.push_back(l.model->tokenize(text));
    }
    kernels::ThreadPool pool(2);
    auto batch = l.model->forward(seqs, pool);
    ASSERT_TRUE(batch) << batch.error().message;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      auto one = l.model->forward(std::span(&seqs[i], 1), pool);
      ASSERT_TRUE(one);
      for (std::size_t d = 0; d < (*one)[0].size(); ++d) EXPECT_NEAR((*batch)[i][d], (*one)[0][d], 1e-5) << arch << " " << i;
    }
  }
}

TEST(EncoderForwardErrors, EmptyTooLongAndOutOfVocabularyAreRefused) {
  auto l = load({.n_ctx = 16});
  ASSERT_TRUE(l.model);
  kernels::ThreadPool pool(1);
  std::vector<std::vector<tokenizer::TokenId>> empty = {{}};
  auto r = l.model->forward(empty, pool);
  ASSERT_FALSE(r);
  std::vector<std::vector<tokenizer::TokenId>> lng = {std::vector<tokenizer::TokenId>(17, 5)};
  r = l.model->forward(lng, pool);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("16"), std::string::npos) << r.error().message;
  std::vector<std::vector<tokenizer::TokenId>> bad = {{2, 100000, 3}};
  r = l.model->forward(bad, pool);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(EncoderLoad, MatryoshkaFlagAndPairTokens) {
  auto l = load({.matryoshka = true});
  ASSERT_TRUE(l.model);
  EXPECT_TRUE(l.model->hparams().matryoshka);
  const auto ids = l.model->tokenize_pair("hello", "world");
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[0], 2);
  EXPECT_EQ(ids[2], 3);
  EXPECT_EQ(ids[4], 3);
  EXPECT_FALSE(load({}).model->hparams().matryoshka);
}

TEST(EncoderLoad, XlmRobertaStyleUnigramVocabulary) {
  auto l = load({.pooling = Pooling::kRank, .unigram = true});
  ASSERT_TRUE(l.model);
  const auto ids = l.model->tokenize("hello world");
  ASSERT_EQ(ids.size(), 4u);  // <s> ▁hello ▁world </s>
  EXPECT_EQ(ids.front(), 0);
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(l.model->tokenizer().decode(ids), "hello world");
  // RoBERTa pairs: <s> q </s></s> d </s>.
  const auto pair = l.model->tokenize_pair("hello", "world");
  EXPECT_EQ(pair, (std::vector<tokenizer::TokenId>{0, ids[1], 2, 2, ids[2], 2}));
  kernels::ThreadPool pool(1);
  std::vector<std::vector<tokenizer::TokenId>> seqs = {pair};
  auto out = l.model->forward(seqs, pool);
  ASSERT_TRUE(out) << out.error().message;
  const Reference ref{*l.reader, RandomEncoderSpec{.pooling = Pooling::kRank, .unigram = true}};
  EXPECT_NEAR((*out)[0][0], ref.run(pair)[0], 2e-4);
}

TEST(EncoderLoad, DecoderArchitectureIsRefused) {
  EXPECT_FALSE(is_encoder_architecture("llama"));
  EXPECT_TRUE(is_encoder_architecture("nomic-bert"));
}

}  // namespace
}  // namespace sovra::model
