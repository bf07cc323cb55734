// Tokenizer throughput: MB/s encoding 1 MiB of text with SentencePiece (Llama 2), byte-level BPE (Llama 3,
// Qwen2) and WordPiece (BGE) vocabularies from shared/, against a baseline pass over the same bytes in the same
// process (UTF-8 validation: the least any tokenizer must do). bench/tokenizer/README.md.
//
// Usage: bench_tokenizer [--text FILE] [--repeat N] [--write-text FILE]   (--write-text: save the text used)
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_escape.hpp"
#include "tokenizer/open.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTextBytes = std::size_t{1} << 20;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 1 MiB of mixed text: llama.cpp's tokenizer test inputs (English, code, CJK, emoji, whitespace runs) repeated.
std::string default_text(const fs::path& vocab) {
  std::string seed;
  for (const char* name : {"ggml-vocab-llama-bpe.gguf.inp", "ggml-vocab-qwen2.gguf.inp"}) {
    std::string s = read_all(vocab / name);
    for (std::size_t at; (at = s.find("__ggml_vocab_test__")) != std::string::npos;) s.erase(at, 19);
    seed += s;
  }
  if (seed.empty()) seed = "The quick brown fox jumps over the lazy dog. 1234567890 \n\t Ünïcödé 日本語 🎉\n";
  std::string text;
  while (text.size() < kTextBytes) text += seed;
  text.resize(kTextBytes);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  return text;
}

// This thread's CPU seconds: the machine is shared, so wall time would measure the neighbours too.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename F>
double best_seconds(int repeat, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const double t0 = cpu_seconds();
    f();
    best = std::min(best, cpu_seconds() - t0);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path vocab = fs::path(SOVRA_SHARED_DIR) / "models" / "vocab";
  std::string text_file;
  std::string write_text;
  int repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--text") == 0) text_file = argv[i + 1];
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--write-text") == 0) write_text = argv[i + 1];
  }
  const std::string text = text_file.empty() ? default_text(vocab) : read_all(text_file);
  if (!write_text.empty()) std::ofstream(write_text, std::ios::binary) << text;
  const double mb = static_cast<double>(text.size()) / 1e6;

  volatile bool sink = false;
  const double base_s = best_seconds(repeat * 4, [&] { sink = sovra::is_valid_utf8(text); });
  const double base_mbs = mb / base_s;
  std::printf("text: %zu bytes; best of %d runs each, thread CPU time\n", text.size(), repeat);
  std::printf("%-34s %10.1f MB/s  (baseline)\n", "utf-8 validation", base_mbs);

  struct Case {
    const char* name;
    const char* path;
  };
  for (const Case& c : {Case{"spm   llama-spm.gguf", "ggml-vocab-llama-spm.gguf"},
                        Case{"bpe   llama3.2-bpe (llama-bpe)", "llama3.2-bpe"},
                        Case{"bpe   qwen2-bpe (qwen2)", "qwen2-bpe"}, Case{"bpe   gpt-2.gguf", "ggml-vocab-gpt-2.gguf"},
                        Case{"bpe   deepseek-llm.gguf", "ggml-vocab-deepseek-llm.gguf"},
                        Case{"wpm   bert-bge.gguf", "ggml-vocab-bert-bge.gguf"}}) {
    const fs::path path = vocab / c.path;
    if (!fs::exists(path)) {
      std::printf("%-34s skipped: %s is missing\n", c.name, path.c_str());
      continue;
    }
    auto tok = sovra::tokenizer::open_tokenizer(path);
    if (!tok) {
      std::printf("%-34s failed: %s\n", c.name, tok.error().message.c_str());
      continue;
    }
    std::size_t n_tokens = 0;
    const double s = best_seconds(repeat, [&] { n_tokens = (*tok)->encode(text, false).size(); });
    std::printf("%-34s %10.2f MB/s  %8zu tokens  ratio to baseline %.4f\n", c.name, mb / s, n_tokens,
                (mb / s) / base_mbs);
  }
  return sink ? 0 : 0;
}
