// Recorded generations of every supported family (tests/chat/parse/fixtures/NAME.txt, with NAME.json holding the
// expected result), fed whole and in every other split: each byte alone, cut once at every offset, and random
// small pieces. Every run must produce the expected result, and its events must satisfy the contract. Deltas are
// never taken back, so a run whose concatenated content equals the expected (marker-free) content leaked no
// marker fragment.
#include <boost/json/value.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "parse_harness.hpp"

namespace sovra::chat {
namespace {

namespace fs = std::filesystem;
using parse_test::ParseRun;

fs::path fixtures_dir() { return fs::path(SOVRA_TESTS_SOURCE_DIR) / "chat" / "parse" / "fixtures"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Fixture {
  std::string name;
  std::string text;
  OutputParserOptions options;
  boost::json::value expected;
};

ReasoningSyntax reasoning_from(std::string_view s) {
  if (s == "think") return ReasoningSyntax::kThinkTags;
  if (s == "mistral_think") return ReasoningSyntax::kMistralThink;
  return ReasoningSyntax::kNone;
}

std::vector<Fixture> load_fixtures() {
  std::vector<Fixture> out;
  for (const auto& entry : fs::directory_iterator(fixtures_dir())) {
    if (entry.path().extension() != ".json") continue;
    Fixture f;
    f.name = entry.path().stem().string();
    f.text = read_file(fs::path(entry.path()).replace_extension(".txt"));
    auto parsed = parse_json(read_file(entry.path()));
    EXPECT_TRUE(parsed) << f.name << ": " << parsed.error().message;
    if (!parsed) continue;
    f.expected = std::move(*parsed);
    const auto& e = f.expected.as_object();
    auto format = output_format_from_name(std::string_view(e.at("format").as_string()));
    EXPECT_TRUE(format.has_value()) << f.name;
    f.options.syntax = {format.value_or(OutputFormat::kPlain), reasoning_from(e.at("reasoning").as_string())};
    f.options.reasoning_open = e.at("reasoning_open").as_bool();
    f.options.id_seed = 7;
    if (const auto* names = e.if_contains("tool_names")) {
      for (const auto& n : names->as_array()) f.options.tool_names.emplace_back(n.as_string());
    }
    if (const auto* enabled = e.if_contains("tool_calls_enabled")) f.options.tool_calls = enabled->as_bool();
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const Fixture& a, const Fixture& b) { return a.name < b.name; });
  return out;
}

void expect_matches_fixture(const Fixture& f, const ParseResult& r) {
  const auto& e = f.expected.as_object();
  EXPECT_EQ(r.content, std::string_view(e.at("content").as_string())) << f.name;
  EXPECT_EQ(r.reasoning_content, std::string_view(e.at("reasoning_content").as_string())) << f.name;
  EXPECT_EQ(r.issues.size(), static_cast<std::size_t>(e.at("issues").as_int64())) << f.name;
  const auto& calls = e.at("tool_calls").as_array();
  ASSERT_EQ(r.tool_calls.size(), calls.size()) << f.name;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(r.tool_calls[i].name, std::string_view(calls[i].at("name").as_string())) << f.name;
    auto args = parse_json(r.tool_calls[i].arguments);
    ASSERT_TRUE(args) << f.name << ": " << r.tool_calls[i].arguments;
    EXPECT_EQ(*args, calls[i].at("arguments")) << f.name << ": " << r.tool_calls[i].arguments;
    if (const auto* id = calls[i].as_object().if_contains("id")) {
      EXPECT_EQ(r.tool_calls[i].id, std::string_view(id->as_string())) << f.name;  // the model's own id
    } else {
      const bool mistral = f.options.syntax.format == OutputFormat::kMistral;
      EXPECT_EQ(r.tool_calls[i].id.starts_with("call_"), !mistral) << f.name;
      EXPECT_EQ(r.tool_calls[i].id.size(), mistral ? 9u : 29u) << f.name;
    }
  }
}

TEST(ParseFixtures, EveryFamilyHasRecordedGenerations) {
  const auto fixtures = load_fixtures();
  for (const char* format : {"hermes", "llama3", "mistral", "harmony", "deepseek-r1", "plain"}) {
    const auto n = std::count_if(fixtures.begin(), fixtures.end(), [&](const Fixture& f) {
      return f.options.syntax.format == output_format_from_name(format);
    });
    EXPECT_GE(n, 1) << format;
  }
  EXPECT_GE(fixtures.size(), 25u);
}

TEST(ParseFixtures, WholeOutputGivesTheRecordedResult) {
  for (const auto& f : load_fixtures()) {
    const ParseRun run = parse_test::run_whole(f.text, f.options);
    expect_matches_fixture(f, run.result);
    parse_test::expect_events_match_result(run, f.name + " (whole)");
  }
}

TEST(ParseFixtures, EveryByteAloneGivesTheSameResult) {
  for (const auto& f : load_fixtures()) {
    const ParseRun whole = parse_test::run_whole(f.text, f.options);
    const ParseRun split = parse_test::run_with_cuts(f.text, f.options, parse_test::every_byte(f.text.size()));
    EXPECT_EQ(split.result, whole.result) << f.name;
    parse_test::expect_events_match_result(split, f.name + " (bytes)");
  }
}

TEST(ParseFixtures, EverySingleCutGivesTheSameResult) {
  for (const auto& f : load_fixtures()) {
    const ParseRun whole = parse_test::run_whole(f.text, f.options);
    for (std::size_t cut = 1; cut < f.text.size(); ++cut) {
      const ParseRun split = parse_test::run_with_cuts(f.text, f.options, {cut});
      ASSERT_EQ(split.result, whole.result) << f.name << " cut at " << cut;
      parse_test::expect_events_match_result(split, f.name + " cut at " + std::to_string(cut));
    }
  }
}

TEST(ParseFixtures, RandomSmallPiecesGiveTheSameResult) {
  for (const auto& f : load_fixtures()) {
    const ParseRun whole = parse_test::run_whole(f.text, f.options);
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      const auto cuts = parse_test::random_cuts(f.text.size(), seed, 2 + seed % 9);
      const ParseRun split = parse_test::run_with_cuts(f.text, f.options, cuts);
      ASSERT_EQ(split.result, whole.result) << f.name << " seed " << seed;
      parse_test::expect_events_match_result(split, f.name + " seed " + std::to_string(seed));
    }
  }
}

TEST(ParseFixtures, ToolCallArgumentsAreStreamedNotBuffered) {
  // Where a call's arguments are JSON text after its name, they reach the consumer in several deltas when the
  // text arrives byte by byte. (Not so for Python calls, arguments encoded as a JSON string, or arguments written
  // before the name, as Hermes 2 Pro does: those come in one delta.)
  for (const auto& f : load_fixtures()) {
    if (f.expected.as_object().at("tool_calls").as_array().empty()) continue;
    bool whole_arguments = false;
    for (const char* kind : {"python_tag_builtin", "python_tag_code", "as_string", "arguments_first"}) {
      whole_arguments = whole_arguments || f.name.find(kind) != std::string::npos;
    }
    if (whole_arguments) continue;
    const ParseRun split = parse_test::run_with_cuts(f.text, f.options, parse_test::every_byte(f.text.size()));
    const auto deltas = std::count_if(split.events.begin(), split.events.end(), [](const ParseEvent& e) {
      return e.kind == ParseEventKind::kToolCallArguments && e.index == 0;
    });
    EXPECT_GT(deltas, 3) << f.name;
  }
}

}  // namespace
}  // namespace sovra::chat
