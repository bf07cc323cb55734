#include "app/gguf_random.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <cmath>
#include <iostream>
#include <memory>
#include <thread>

#include "app/command.hpp"
#include "app/progress.hpp"
#include "gguf/reader.hpp"
#include "gguf/writer.hpp"
#include "kernels/quant.hpp"
#include "model/arch/encoder_random.hpp"

namespace sovra::app {
namespace {

using gguf::GgmlType;

std::uint64_t row_bytes(GgmlType type, std::uint64_t cols) {
  return static_cast<std::uint64_t>(kernels::row_bytes(type, static_cast<std::int64_t>(cols)));
}

// A tensor whose bytes the writer borrows: kept alive in a list until the file is written.
struct Blob {
  std::string name;
  GgmlType type;
  std::vector<std::uint64_t> dims;
  std::vector<std::byte> bytes;
};

// Fills `rows` rows of `cols` floats with N(0, sigma) noise from a seeded xorshift generator and quantizes them.
void random_rows(GgmlType type, std::uint64_t rows, std::uint64_t cols, float sigma, std::uint64_t seed,
                 std::byte* out) {
  std::vector<float> row(cols);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  const std::uint64_t rb = row_bytes(type, cols);
  for (std::uint64_t r = 0; r < rows; ++r) {
    for (std::uint64_t c = 0; c < cols; c += 2) {
      // Box–Muller on two uniforms in (0, 1].
      const double u1 = (static_cast<double>(next() >> 11) + 1.0) / 9007199254740993.0;
      const double u2 = static_cast<double>(next() >> 11) / 9007199254740992.0;
      const double m = std::sqrt(-2.0 * std::log(u1)) * sigma;
      row[c] = static_cast<float>(m * std::cos(2 * M_PI * u2));
      if (c + 1 < cols) row[c + 1] = static_cast<float>(m * std::sin(2 * M_PI * u2));
    }
    (void)kernels::quantize_row(type, row.data(), out + r * rb,
                                static_cast<std::int64_t>(cols));  // type checked by the plan
  }
}

// Runs fn(i) for i in [0, n) on `threads` threads, reporting progress.
template <typename Fn>
void parallel_items(std::size_t n, int threads, const std::string& label, Fn fn) {
  Progress progress(label, n);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> pool;
  const int nt = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int t = 0; t < nt; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) {
        fn(i);
        done.fetch_add(1);
      }
    });
  }
  while (done.load() < n) {
    progress.update(done.load());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // progress display pacing only
  }
  for (auto& t : pool) t.join();
  progress.finish();
}

bool is_sensitive(const std::string& name) {
  return name == "output.weight" || name.find("attn_v.weight") != std::string::npos ||
         name.find("ffn_down.weight") != std::string::npos;
}

}  // namespace

const std::vector<ModelShape>& known_shapes() {
  static const std::vector<ModelShape> shapes = {
      {"tinyllama-1.1b", "llama", 2048, 22, 32, 4, 5632, 32000, 10000.0f, false},
      {"llama-3.2-1b", "llama", 2048, 16, 32, 8, 8192, 128256, 500000.0f, true},
      {"llama-3.1-8b", "llama", 4096, 32, 32, 8, 14336, 128256, 500000.0f, false},
      {"qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 1000000.0f, true},
      // Small shapes for tests: every code path of the big ones in milliseconds.
      {"llama-tiny", "llama", 256, 2, 8, 4, 512, 512, 10000.0f, false},
      {"qwen2-tiny", "qwen2", 256, 2, 8, 2, 512, 512, 1000000.0f, true},
  };
  return shapes;
}

Result<QuantPlan> quant_plan(const std::string& name) {
  static const std::vector<QuantPlan> plans = {
      {"f32", GgmlType::kF32, GgmlType::kF32, 0},       {"f16", GgmlType::kF16, GgmlType::kF16, 1},
      {"bf16", GgmlType::kBF16, GgmlType::kBF16, 32},   {"q8_0", GgmlType::kQ8_0, GgmlType::kQ8_0, 7},
      {"q4_0", GgmlType::kQ4_0, GgmlType::kQ4_0, 2},    {"q4_1", GgmlType::kQ4_1, GgmlType::kQ4_1, 3},
      {"q5_0", GgmlType::kQ5_0, GgmlType::kQ5_0, 8},    {"q5_1", GgmlType::kQ5_1, GgmlType::kQ5_1, 9},
      {"q2_k", GgmlType::kQ2_K, GgmlType::kQ3_K, 10},   {"q3_k_m", GgmlType::kQ3_K, GgmlType::kQ4_K, 12},
      {"q4_k_m", GgmlType::kQ4_K, GgmlType::kQ6_K, 15}, {"q5_k_m", GgmlType::kQ5_K, GgmlType::kQ6_K, 17},
      {"q6_k", GgmlType::kQ6_K, GgmlType::kQ6_K, 18},
  };
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& p : plans) {
    if (p.name == lower) return p;
  }
  std::string known;
  for (const auto& p : plans) known += (known.empty() ? "" : ", ") + p.name;
  return Error::invalid("unknown quantization type '" + name + "' (known: " + known + ")");
}

static Status write_random_encoder_model(const RandomModelOptions& o) {
  const std::string shape_name = o.shape == RandomModelOptions{}.shape ? "bge-small" : o.shape;
  SOVRA_TRY(model::RandomEncoderSpec spec, model::random_encoder_shape(shape_name, o.arch));
  if (o.output.empty()) return Error::invalid("an output file is needed (-o FILE)");
  SOVRA_TRY(QuantPlan plan, quant_plan(o.type));
  spec.type = plan.base;
  spec.seed = o.seed;
  spec.matryoshka = o.matryoshka;
  if (o.pooling == "mean") {
    spec.pooling = model::Pooling::kMean;
  } else if (o.pooling == "cls") {
    spec.pooling = model::Pooling::kCls;
  } else if (o.pooling == "last") {
    spec.pooling = model::Pooling::kLast;
  } else if (o.pooling == "rank") {
    spec.pooling = model::Pooling::kRank;
  } else {
    return Error::invalid("unknown pooling '" + o.pooling + "' (known: mean, cls, last, rank)");
  }
  return model::write_random_encoder(spec, o.output);
}

Status write_random_model(const RandomModelOptions& o) {
  if (model::is_encoder_architecture(o.arch)) return write_random_encoder_model(o);
  const ModelShape* shape = nullptr;
  for (const auto& s : known_shapes()) {
    if (s.name == o.shape) shape = &s;
  }
  if (shape == nullptr) {
    std::string known;
    for (const auto& s : known_shapes()) known += (known.empty() ? "" : ", ") + s.name;
    return Error::invalid("unknown shape '" + o.shape + "' (known: " + known + ")");
  }
  if (o.arch != shape->arch)
    return Error::invalid("shape " + shape->name + " is a " + shape->arch + " model, not " + o.arch);
  if (o.output.empty()) return Error::invalid("an output file is needed (-o FILE)");
  SOVRA_TRY(QuantPlan plan, quant_plan(o.type));

  gguf::Writer w;
  const std::string a = shape->arch;
  const std::uint32_t head_dim = shape->n_embd / shape->n_head;
  SOVRA_CHECK(w.set("general.architecture", gguf::MetaValue::string(a)));
  SOVRA_CHECK(w.set("general.name", gguf::MetaValue::string("random " + shape->name + " " + plan.name)));
  SOVRA_CHECK(w.set("general.file_type", gguf::MetaValue::u32(plan.file_type)));
  SOVRA_CHECK(w.set(a + ".context_length", gguf::MetaValue::u32(4096)));
  SOVRA_CHECK(w.set(a + ".embedding_length", gguf::MetaValue::u32(shape->n_embd)));
  SOVRA_CHECK(w.set(a + ".block_count", gguf::MetaValue::u32(shape->n_layer)));
  SOVRA_CHECK(w.set(a + ".feed_forward_length", gguf::MetaValue::u32(shape->n_ff)));
  SOVRA_CHECK(w.set(a + ".attention.head_count", gguf::MetaValue::u32(shape->n_head)));
  SOVRA_CHECK(w.set(a + ".attention.head_count_kv", gguf::MetaValue::u32(shape->n_head_kv)));
  SOVRA_CHECK(w.set(a + ".rope.dimension_count", gguf::MetaValue::u32(head_dim)));
  SOVRA_CHECK(w.set(a + ".rope.freq_base", gguf::MetaValue::f32(shape->rope_base)));
  SOVRA_CHECK(w.set(a + ".attention.layer_norm_rms_epsilon", gguf::MetaValue::f32(1e-5f)));
  // A SentencePiece-style vocabulary of the right size so that tools (llama.cpp included) load the file.
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0.0f, 0.0f, 0.0f};
  std::vector<std::int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256 && tokens.size() < shape->n_vocab; ++b) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.emplace_back(buf);
    scores.push_back(0.0f);
    types.push_back(6);
  }
  while (tokens.size() < shape->n_vocab) {
    tokens.push_back("\xE2\x96\x81t" + std::to_string(tokens.size()));
    scores.push_back(-static_cast<float>(tokens.size()));
    types.push_back(1);
  }
  SOVRA_CHECK(w.set("tokenizer.ggml.model", gguf::MetaValue::string("llama")));
  SOVRA_CHECK(w.set("tokenizer.ggml.tokens", gguf::MetaValue::array(tokens)));
  SOVRA_CHECK(w.set("tokenizer.ggml.scores", gguf::MetaValue::array(scores)));
  SOVRA_CHECK(w.set("tokenizer.ggml.token_type", gguf::MetaValue::array(types)));
  SOVRA_CHECK(w.set("tokenizer.ggml.bos_token_id", gguf::MetaValue::u32(1)));
  SOVRA_CHECK(w.set("tokenizer.ggml.eos_token_id", gguf::MetaValue::u32(2)));

  // Tensor plan, in llama.cpp's order.
  const std::uint64_t e = shape->n_embd, kv = static_cast<std::uint64_t>(shape->n_head_kv) * head_dim, ff = shape->n_ff;
  std::vector<std::unique_ptr<Blob>> blobs;
  auto add = [&](const std::string& name, std::uint64_t cols, std::uint64_t rows) {
    GgmlType type = rows == 1 ? GgmlType::kF32 : (is_sensitive(name) ? plan.sensitive : plan.base);
    if (rows > 1 && cols % gguf::traits(type).block_size != 0) type = GgmlType::kF16;
    auto b = std::make_unique<Blob>(
        Blob{name, type, rows == 1 ? std::vector<std::uint64_t>{cols} : std::vector<std::uint64_t>{cols, rows}, {}});
    b->bytes.resize(row_bytes(type, cols) * rows);
    blobs.push_back(std::move(b));
  };
  add("token_embd.weight", e, shape->n_vocab);
  add("output_norm.weight", e, 1);
  if (!shape->tied_output) add("output.weight", e, shape->n_vocab);
  for (std::uint32_t l = 0; l < shape->n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", e, 1);
    add(p + "attn_q.weight", e, e);
    add(p + "attn_k.weight", e, kv);
    add(p + "attn_v.weight", e, kv);
    if (a == "qwen2") {
      add(p + "attn_q.bias", e, 1);
      add(p + "attn_k.bias", kv, 1);
      add(p + "attn_v.bias", kv, 1);
    }
    add(p + "attn_output.weight", e, e);
    add(p + "ffn_norm.weight", e, 1);
    add(p + "ffn_gate.weight", e, ff);
    add(p + "ffn_up.weight", e, ff);
    add(p + "ffn_down.weight", ff, e);
  }
  parallel_items(blobs.size(), o.threads, "random " + shape->name + " " + plan.name, [&](std::size_t i) {
    auto& b = *blobs[i];
    if (b.dims.size() == 1) {
      auto* f = reinterpret_cast<float*>(b.bytes.data());
      const bool is_norm = b.name.find("norm") != std::string::npos;
      for (std::uint64_t k = 0; k < b.dims[0]; ++k) f[k] = is_norm ? 1.0f : 0.0f;
      return;
    }
    random_rows(b.type, b.dims[1], b.dims[0], 0.02f, o.seed * 1000003 + i, b.bytes.data());
  });
  for (const auto& b : blobs) {
    SOVRA_CHECK(w.add_tensor({.name = b->name, .type = b->type, .dims = b->dims, .data = b->bytes}));
  }
  return w.write_file(o.output);
}

Status quantize_model(const std::string& input, const std::string& output, const std::string& type, int threads) {
  SOVRA_TRY(QuantPlan plan, quant_plan(type));
  SOVRA_TRY(auto reader, gguf::Reader::open(input));
  gguf::Writer w;
  for (const auto& kv : reader.kvs()) {
    if (kv.key == gguf::kAlignmentKey) continue;
    SOVRA_CHECK(w.set(kv.key, gguf::MetaValue::copy_of(kv.value)));
  }
  SOVRA_CHECK(w.set("general.file_type", gguf::MetaValue::u32(plan.file_type)));
  std::vector<std::unique_ptr<Blob>> blobs;
  for (const auto& t : reader.tensors()) {
    auto b = std::make_unique<Blob>();
    b->name = std::string(t.name);
    b->dims.assign(t.dims.begin(), t.dims.begin() + t.n_dims);
    const bool matrix = t.n_dims == 2 && b->name.find("norm") == std::string::npos;
    b->type = matrix ? (is_sensitive(b->name) ? plan.sensitive : plan.base) : t.type;
    if (matrix && t.dims[0] % gguf::traits(b->type).block_size != 0) b->type = GgmlType::kF16;
    blobs.push_back(std::move(b));
  }
  const auto& tensors = reader.tensors();
  std::atomic<bool> failed{false};
  parallel_items(blobs.size(), threads, "quantize " + plan.name, [&](std::size_t i) {
    auto& b = *blobs[i];
    const auto& t = tensors[i];
    if (b.type == t.type) {
      b.bytes.assign(t.data.begin(), t.data.end());
      return;
    }
    const std::uint64_t cols = t.dims[0];
    const std::uint64_t rows = t.n_elements / cols;
    b.bytes.resize(row_bytes(b.type, cols) * rows);
    std::vector<float> row(cols);
    const std::uint64_t in_rb = row_bytes(t.type, cols);
    const std::uint64_t out_rb = row_bytes(b.type, cols);
    for (std::uint64_t r = 0; r < rows; ++r) {
      if (!kernels::dequantize_row(t.type, t.data.data() + r * in_rb, row.data(), static_cast<std::int64_t>(cols)) ||
          !kernels::quantize_row(b.type, row.data(), b.bytes.data() + r * out_rb, static_cast<std::int64_t>(cols))) {
        failed.store(true);
        return;
      }
    }
  });
  if (failed.load()) return Error::invalid("cannot convert the tensors of '" + input + "' (unsupported tensor type)");
  for (const auto& b : blobs) {
    SOVRA_CHECK(w.add_tensor({.name = b->name, .type = b->type, .dims = b->dims, .data = b->bytes}));
  }
  return w.write_file(output);
}

void add_gguf_random_command(CLI::App& gguf_cmd, int& exit_code) {
  auto opts = std::make_shared<RandomModelOptions>();
  auto* cmd = gguf_cmd.add_subcommand("random", "Write a model with random weights in a real shape");
  cmd->add_option("--arch", opts->arch, "llama, qwen2, bert or nomic-bert")->capture_default_str();
  cmd->add_option("--pooling", opts->pooling, "encoders: mean, cls, last or rank")->capture_default_str();
  cmd->add_flag("--matryoshka", opts->matryoshka, "encoders: declare Matryoshka support (dimensions)");
  cmd->add_option("--shape", opts->shape, "tinyllama-1.1b, llama-3.2-1b, llama-3.1-8b, qwen2.5-0.5b")
      ->capture_default_str();
  cmd->add_option("--type", opts->type,
                  "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k_m, q4_k_m, q5_k_m, q6_k")
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "output GGUF file")->required();
  cmd->add_option("--seed", opts->seed, "random seed")->capture_default_str();
  cmd->add_option("-t,--threads", opts->threads, "threads (0: all cores)");
  cmd->callback([opts, &exit_code] {
    if (auto st = write_random_model(*opts); !st) {
      std::cerr << "sovra: " << st.error().message << "\n";
      exit_code = 1;
      return;
    }
    std::cout << "wrote " << opts->output << "\n";
    exit_code = 0;
  });
}

}  // namespace sovra::app
