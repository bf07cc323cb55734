// Chat template rendering speed: Qwen2.5's template (shared/chat-templates) on a short chat, a 40-turn chat and
// a tool round trip, against a baseline that formats the same short chat by hand-written C++ (ChatML), run in
// the same process. Prints the render time per chat and the ratio to the baseline.
//
//   cmake --preset release -DSOVRA_BENCH=ON && cmake --build build/release --target bench_chat_template
//   ./build/release/bench/bench_chat_template
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "chat/template/chat_template.hpp"
#include "common/json.hpp"

namespace {

const std::filesystem::path kShared = SOVRA_SHARED_DIR;

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  sovra::chat::ChatTemplate qwen;
  boost::json::object basic;
  boost::json::object long_chat;
  boost::json::object tools;
};

Fixture* fixture() {
  static Fixture* f = [] {
    auto ref = sovra::parse_json(read_all(kShared / "chat-templates/reference-renders.json"), {.max_depth = 128});
    auto tmpl = sovra::chat::ChatTemplate::create(read_all(kShared / "chat-templates/templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
    if (!ref || !tmpl) {
      std::cerr << "bench_chat_template: shared/chat-templates is missing\n";
      std::exit(1);
    }
    auto* out = new Fixture{std::move(*tmpl), {}, {}, {}};
    const auto& cases = ref->as_object().at("cases").as_object();
    out->basic = cases.at("basic").as_object();
    out->tools = cases.at("tool_roundtrip").as_object();
    boost::json::array turns;
    for (int i = 0; i < 20; ++i) {
      turns.push_back(boost::json::object{{"role", "user"}, {"content", "Question number " + std::to_string(i) + "?"}});
      turns.push_back(boost::json::object{{"role", "assistant"}, {"content", "An answer of moderate length, number " + std::to_string(i) + "."}});
    }
    out->long_chat = boost::json::object{{"messages", turns}, {"add_generation_prompt", true}};
    return out;
  }();
  return f;
}

// The baseline: the same prompt Qwen2.5's template makes for a chat with a system message, formatted directly.
std::string chatml_by_hand(const boost::json::object& ctx) {
  std::string out;
  for (const auto& m : ctx.at("messages").as_array()) {
    const auto& msg = m.as_object();
    out += "<|im_start|>";
    out += msg.at("role").as_string();
    out += "\n";
    out += msg.at("content").as_string();
    out += "<|im_end|>\n";
  }
  if (ctx.at("add_generation_prompt").as_bool()) out += "<|im_start|>assistant\n";
  return out;
}

void BM_Baseline_HandFormatted(benchmark::State& state) {
  const auto& ctx = fixture()->basic;
  for (auto _ : state) benchmark::DoNotOptimize(chatml_by_hand(ctx));
}

void render_case(benchmark::State& state, const boost::json::object& ctx) {
  for (auto _ : state) {
    auto r = fixture()->qwen.render(ctx);
    if (!r) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
}

void BM_Qwen25_Basic(benchmark::State& state) { render_case(state, fixture()->basic); }
void BM_Qwen25_FortyTurns(benchmark::State& state) { render_case(state, fixture()->long_chat); }
void BM_Qwen25_ToolRoundTrip(benchmark::State& state) { render_case(state, fixture()->tools); }

BENCHMARK(BM_Baseline_HandFormatted)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Qwen25_Basic)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Qwen25_FortyTurns)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Qwen25_ToolRoundTrip)->Unit(benchmark::kMicrosecond);

// Prints each render's time as a ratio to the hand-formatted baseline after the normal report.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      const double t = r.GetAdjustedRealTime();
      if (r.benchmark_name().find("Baseline") != std::string::npos) baseline_ = t;
      else if (baseline_ > 0) ratios_ += r.benchmark_name() + ": " + std::to_string(t / baseline_) + "x the hand-formatted baseline\n";
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::cout << ratios_;
  }

 private:
  double baseline_ = 0;
  std::string ratios_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
