// Embeddings throughput: inputs/s of a BGE-small-shape encoder (random weights, F16 unless a model is given) for
// 32- and 256-token inputs, embedded one request per input (batch 1: the baseline) and in requests of 16 and 64
// inputs (one packed forward pass per request), through EncoderBackend::run_embed on this machine's cores.
// Prints inputs/s and the ratio against batch 1 of the same length in the same run.
//
// Usage: bench_embeddings [model.gguf] [--threads N] [--seconds S] [--only 32|256] [--write-texts DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "model/arch/encoder_random.hpp"
#include "routing/encoder_backend.hpp"

using namespace sovra;

int main(int argc, char** argv) {
  std::string path;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double seconds = 2.0;
  std::vector<int> lengths = {32, 256};  // --only N: measure one length
  std::string texts_out;  // --write-texts DIR: the inputs as DIR/<len>.txt, one per line (for llama-embedding)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--only" && i + 1 < argc) {
      lengths = {std::atoi(argv[++i])};
    } else if (a == "--write-texts" && i + 1 < argc) {
      texts_out = argv[++i];
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      path = a;
    }
  }
  if (path.empty()) {
    path = (std::filesystem::temp_directory_path() / "sovra-bench-bge-small-f16.gguf").string();
    if (!std::filesystem::exists(path)) {
      auto spec = model::random_encoder_shape("bge-small", "bert");
      spec->type = gguf::GgmlType::kF16;
      if (auto st = model::write_random_encoder(*spec, path); !st) {
        std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), st.error().message.c_str());
        return 1;
      }
    }
  }
  auto loaded = model::EncoderModel::open(path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 1;
  }
  std::shared_ptr<const model::EncoderModel> m(std::move(*loaded));
  const auto& hp = m->hparams();
  routing::EncoderBackend backend(m, {.model_name = "bench", .threads = 1, .max_batch_tokens = 64 * 256});
  kernels::ThreadPool pool(threads);
  std::printf("model %s: %s n_embd %u, %u layers, pooling %s; %d threads\n", path.c_str(), hp.arch.c_str(), hp.n_embd,
              hp.n_layer, std::string(model::pooling_name(hp.pooling)).c_str(), threads);
  std::printf("%8s %6s %12s %10s\n", "tokens", "batch", "inputs/s", "vs batch 1");
  std::map<int, std::vector<std::string>> texts;
  for (int len : {32, 256}) {
    // 64 distinct texts of `len` - 2 filler words "w<k>" (one token each in the generated vocabulary: `len` tokens
    // with [CLS] and [SEP]); tokenization is part of the measured work, as in llama-embedding.
    std::vector<api::Prompt> inputs;
    std::uint32_t s = 12345;
    std::int64_t tokens = 0;
    for (int i = 0; i < 64; ++i) {
      std::string text;
      for (int w = 0; w < len - 2; ++w) {
        s = s * 1664525u + 1013904223u;
        text += (w ? " w" : "w") + std::to_string((s >> 8) % (hp.n_vocab - 200));
      }
      tokens += static_cast<std::int64_t>(m->tokenize(text).size());
      if (!texts_out.empty()) texts[len].push_back(text);
      inputs.emplace_back(std::move(text));
    }
    if (!texts_out.empty()) {
      std::FILE* f = std::fopen((texts_out + "/" + std::to_string(len) + ".txt").c_str(), "w");
      if (f == nullptr) return 1;
      for (const auto& t : texts[len]) std::fprintf(f, "%s\n", t.c_str());
      std::fclose(f);
    }
    if (std::find(lengths.begin(), lengths.end(), len) == lengths.end()) continue;
    double base = 0;
    for (int batch : {1, 16, 64}) {
      std::int64_t done = 0;
      const auto t0 = std::chrono::steady_clock::now();
      double elapsed = 0;
      while (elapsed < seconds || done < 64) {
        for (int i = 0; i < 64; i += batch) {
          api::EmbeddingRequest req{.model = "bench"};
          req.inputs.assign(inputs.begin() + i, inputs.begin() + i + batch);
          auto r = backend.run_embed(req, pool);
          if (!r) {
            std::fprintf(stderr, "%s\n", r.error().message.c_str());
            return 1;
          }
          done += batch;
        }
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      const double rate = static_cast<double>(done) / elapsed;
      if (batch == 1) base = rate;
      std::printf("%8d %6d %12.2f %9.2fx   (%.1f tokens/input)\n", len, batch, rate, rate / base,
                  static_cast<double>(tokens) / 64.0);
      std::fflush(stdout);
    }
  }
  return 0;
}
