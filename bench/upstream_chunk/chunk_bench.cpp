// Decoding an upstream's OpenAI stream chunks: decode_chat_chunk (the one-pass scanner for the common shape, the
// JSON tree for the rest) against decode_chat_chunk_tree (Boost.JSON for every chunk, as before), on the 50 content
// chunks of bench/gateway_overhead's mock stream, chunks with escapes and non-ASCII text, and reasoning chunks.
// Prints ns per chunk, CPU time on one thread (robust on a shared machine), and the ratio to the tree.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "routing/openai_wire.hpp"

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
double ns_per_chunk(const std::vector<std::string>& chunks, F decode) {
  std::size_t sink = 0;
  for (int warm = 0; warm < 200; ++warm)
    for (const auto& c : chunks) sink += decode(c);
  double best = 1e30;
  for (int round = 0; round < 7; ++round) {
    constexpr int kReps = 2000;
    const double t0 = cpu_seconds();
    for (int r = 0; r < kReps; ++r)
      for (const auto& c : chunks) sink += decode(c);
    best = std::min(best, (cpu_seconds() - t0) * 1e9 / (kReps * static_cast<double>(chunks.size())));
  }
  if (sink == 42) fmt::print(" ");  // keeps the decodes
  return best;
}

}  // namespace

int main() {
  using namespace sovra::routing;
  std::vector<std::pair<std::string, std::vector<std::string>>> sets;
  std::vector<std::string> mock;
  for (int i = 0; i < 50; ++i) {
    mock.push_back(fmt::format(
        R"({{"id":"chatcmpl-mock","object":"chat.completion.chunk","created":1,"model":"mock","choices":[{{"index":0,"delta":{{{}"content":"word{} "}},"finish_reason":{}}}]}})",
        i == 0 ? R"("role":"assistant",)" : "", i, i == 49 ? R"("stop")" : "null"));
  }
  sets.emplace_back("mock stream (50 chunks)", mock);
  std::vector<std::string> text;
  for (int i = 0; i < 50; ++i) {
    text.push_back(fmt::format(
        R"({{"id":"chatcmpl-7f3a","object":"chat.completion.chunk","created":1732700000,"model":"qwen2.5-7b-instruct","system_fingerprint":null,"choices":[{{"index":0,"delta":{{"content":"Gr\u00fc\u00dfe, \"{}\" — naïve café\n"}},"logprobs":null,"finish_reason":null}}]}})",
        i));
  }
  sets.emplace_back("escapes and UTF-8", text);
  std::vector<std::string> reasoning;
  for (int i = 0; i < 50; ++i) {
    reasoning.push_back(fmt::format(
        R"({{"id":"chatcmpl-r","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{{"index":0,"delta":{{"reasoning_content":" step {} of the argument","content":null}},"logprobs":null,"finish_reason":null}}]}})",
        i));
  }
  sets.emplace_back("reasoning deltas", reasoning);

  fmt::print("{:<26} {:>14} {:>14} {:>10}\n", "chunks", "tree ns/chunk", "now ns/chunk", "vs tree");
  for (const auto& [name, chunks] : sets) {
    const double tree = ns_per_chunk(chunks, [](const std::string& c) {
      std::set<std::int32_t> seen;
      auto r = decode_chat_chunk_tree(c, seen);
      return r ? r->deltas.size() : 0;
    });
    const double now = ns_per_chunk(chunks, [](const std::string& c) {
      std::set<std::int32_t> seen;
      auto r = decode_chat_chunk(c, seen);
      return r ? r->deltas.size() : 0;
    });
    fmt::print("{:<26} {:>14.0f} {:>14.0f} {:>9.2f}x\n", name, tree, now, now / tree);
  }
  return 0;
}
