// The llama.cpp side of bench/tokenizer/run (optional): encodes the same text file with llama.cpp's tokenizer
// for each vocabulary GGUF given, printing MB/s in thread CPU time like bench_tokenizer. Built by the run script
// against a llama.cpp build outside this repository (LLAMA_CPP_DIR), never by CMake.
//
// Usage: llama_cpp_tokenize_bench TEXT_FILE REPEAT VOCAB.gguf...
#include <llama.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

static void quiet(ggml_log_level, const char*, void*) {}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const int repeat = std::max(1, std::atoi(argv[2]));
  llama_log_set(quiet, nullptr);
  llama_backend_init();
  for (int a = 3; a < argc; ++a) {
    llama_model_params params = llama_model_default_params();
    params.vocab_only = true;
    llama_model* model = llama_model_load_from_file(argv[a], params);
    if (model == nullptr) {
      std::printf("llama.cpp %-24s failed to load\n", argv[a]);
      continue;
    }
    const llama_vocab* vocab = llama_model_get_vocab(model);
    std::vector<llama_token> tokens(text.size() + 16);
    double best = 1e30;
    int n = 0;
    for (int r = 0; r < repeat; ++r) {
      const double t0 = cpu_seconds();
      n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                         static_cast<int32_t>(tokens.size()), false, false);
      best = std::min(best, cpu_seconds() - t0);
    }
    const char* slash = std::strrchr(argv[a], '/');
    const char* name = slash != nullptr ? slash + 1 : argv[a];
    std::printf("llama.cpp %-24s %10.2f MB/s  %8d tokens\n", name, static_cast<double>(text.size()) / 1e6 / best, n);
    llama_model_free(model);
  }
  llama_backend_free();
  return 0;
}
