// LocalBackend on real models: stories260K (greedy reference output, chat template of Qwen2.5) and
// llama-2-tiny-random (32000-token vocabulary).
#include "routing/local_backend.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/json.hpp"
#include "routing/local_backend_support.hpp"
#include "support/eventually.hpp"

namespace sovra::routing {
namespace {

using namespace testing;
using namespace std::chrono_literals;

#define REQUIRE_MODEL(file) \
  if (!std::filesystem::exists(shared_model(file))) GTEST_SKIP() << shared_model(file) << " is absent (../shared)"

boost::json::value read_reference(const std::string& file) {
  std::ifstream in(shared_model(file));
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = parse_json(ss.str());
  EXPECT_TRUE(v.has_value());
  return v ? *v : boost::json::value();
}

std::vector<std::int32_t> reference_ids(const boost::json::value& ref) {
  std::vector<std::int32_t> ids;
  for (const auto& v : ref.at("generated_token_ids").as_array()) ids.push_back(static_cast<std::int32_t>(v.as_int64()));
  return ids;
}

// What the engine streams for these tokens: each token's piece, in order.
std::string pieces(const tokenizer::Tokenizer& tok, const std::vector<std::int32_t>& ids) {
  std::string s;
  for (auto id : ids) s += tok.token_to_piece(id);
  return s;
}

api::TextCompletionRequest greedy_from_bos(const std::string& model, std::int64_t max_tokens) {
  api::TextCompletionRequest r;
  r.model = model;
  r.prompts.emplace_back(std::vector<std::int32_t>{1});
  r.params.temperature = 0.0f;
  r.params.max_tokens = max_tokens;
  return r;
}

TEST(LocalBackend, GreedyTextMatchesStoriesReference) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-stories-greedy");
  ASSERT_TRUE(l.backend);
  const auto ref = read_reference("stories260K.reference.json");
  const auto ids = reference_ids(ref);
  TextRecorder rec;
  auto id = l.backend->start_text(greedy_from_bos("stories", static_cast<std::int64_t>(ids.size())), rec.sink());
  ASSERT_TRUE(id.has_value()) << id.error().message;
  ASSERT_TRUE(rec.wait());
  const auto texts = text_by_choice(rec.events);
  ASSERT_EQ(texts.size(), 1u);
  const std::string expected = pieces(l.backend->model().tokenizer(), ids);
  EXPECT_EQ(texts.at(0), expected);
  // The reference text is the same, less SentencePiece's leading space after BOS.
  EXPECT_EQ(" " + std::string(ref.at("generated_text").as_string()), expected);
  const auto& fin = rec.last();
  ASSERT_EQ(fin.kind, api::TextEvent::Kind::kFinished);
  EXPECT_FALSE(fin.error.has_value());
  EXPECT_EQ(fin.usage.prompt_tokens, 1);
  EXPECT_EQ(fin.usage.completion_tokens, static_cast<std::int64_t>(ids.size()));
  EXPECT_EQ(rec.events[rec.events.size() - 2].delta.finish_reason, api::FinishReason::kLength);
  EXPECT_FALSE(rec.event_after_finish);
}

TEST(LocalBackend, GreedyTextMatchesLlama2TinyReferenceWithLogprobs) {
  REQUIRE_MODEL("llama-2-tiny-random.gguf");
  auto l = load_backend("llama-2-tiny-random.gguf", "lb-tiny-greedy");
  ASSERT_TRUE(l.backend);
  const auto ids = reference_ids(read_reference("llama-2-tiny-random.reference.json"));
  auto req = greedy_from_bos("tiny", static_cast<std::int64_t>(ids.size()));
  req.params.logprobs = true;
  req.params.top_logprobs = 2;
  TextRecorder rec;
  ASSERT_TRUE(l.backend->start_text(req, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  const auto& tok = l.backend->model().tokenizer();
  std::vector<std::string> got_tokens;
  for (const auto& e : rec.events) {
    if (e.kind != api::TextEvent::Kind::kDelta || !e.delta.logprobs) continue;
    for (const auto& lp : *e.delta.logprobs) {
      got_tokens.push_back(lp.token);
      EXPECT_LE(lp.logprob, 0.0f);
      ASSERT_EQ(lp.top.size(), 2u);
      EXPECT_EQ(lp.top[0].token, lp.token);  // greedy: the chosen token is the most likely one
    }
  }
  ASSERT_EQ(got_tokens.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string_view piece = tok.token_to_piece(ids[i]);
    EXPECT_EQ(got_tokens[i], piece) << "token " << i;
  }
  EXPECT_EQ(text_by_choice(rec.events).at(0), pieces(tok, ids));
}

TEST(LocalBackend, StopStringIsNeverEmitted) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-stories-stop");
  ASSERT_TRUE(l.backend);
  const auto ids = reference_ids(read_reference("stories260K.reference.json"));
  const std::string full = pieces(l.backend->model().tokenizer(), ids);
  const std::string stop = "girl";
  const auto at = full.find(stop);
  ASSERT_NE(at, std::string::npos);
  auto req = greedy_from_bos("stories", 200);
  req.params.stop = {stop};
  TextRecorder rec;
  ASSERT_TRUE(l.backend->start_text(req, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  EXPECT_EQ(text_by_choice(rec.events).at(0), full.substr(0, at));
  EXPECT_EQ(rec.events[rec.events.size() - 2].delta.finish_reason, api::FinishReason::kStop);
}

TEST(LocalBackend, TextPromptsTimesNChoicesWithEchoAndSummedUsage) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-stories-text-n");
  ASSERT_TRUE(l.backend);
  api::TextCompletionRequest r;
  r.model = "stories";
  r.prompts = {std::string("Once upon a time"), std::string("The dog")};
  r.params.n = 2;
  r.params.temperature = 0.9f;
  r.params.seed = 3;
  r.params.max_tokens = 8;
  r.echo = true;
  TextRecorder rec;
  ASSERT_TRUE(l.backend->start_text(r, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  const auto texts = text_by_choice(rec.events);
  ASSERT_EQ(texts.size(), 4u);
  EXPECT_TRUE(texts.at(0).starts_with("Once upon a time"));
  EXPECT_TRUE(texts.at(1).starts_with("Once upon a time"));
  EXPECT_TRUE(texts.at(2).starts_with("The dog"));
  EXPECT_TRUE(texts.at(3).starts_with("The dog"));
  const auto& tok = l.backend->model().tokenizer();
  const auto p0 = static_cast<std::int64_t>(tok.encode("Once upon a time", true).size());
  const auto p1 = static_cast<std::int64_t>(tok.encode("The dog", true).size());
  const auto& fin = rec.last();
  EXPECT_EQ(fin.usage.prompt_tokens, p0 + p1);  // each prompt once, not once per choice
  EXPECT_EQ(fin.usage.completion_tokens, 4 * 8);
}

TEST(LocalBackend, PromptLogprobsLeadEachChoicesFirstDelta) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-prompt-lp");
  ASSERT_TRUE(l.backend);
  api::TextCompletionRequest r;
  r.model = "stories";
  r.prompts = {std::string("Once upon a time")};
  r.params.n = 2;
  r.params.max_tokens = 3;
  r.params.logprobs = true;
  r.params.top_logprobs = 2;
  r.prompt_logprobs = true;
  TextRecorder rec;
  ASSERT_TRUE(l.backend->start_text(r, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  const auto n_prompt = l.backend->model().tokenizer().encode("Once upon a time", true).size();
  std::map<int, int> firsts;
  for (const auto& e : rec.events) {
    if (e.kind != api::TextEvent::Kind::kDelta || !e.delta.prompt_logprobs) continue;
    EXPECT_EQ(++firsts[e.delta.index], 1) << "once per choice";
    const auto& p = *e.delta.prompt_logprobs;
    ASSERT_EQ(p.size(), n_prompt);
    std::string text;
    for (std::size_t i = 0; i < p.size(); ++i) {
      EXPECT_EQ(p[i].first_prompt_token, i == 0);
      if (i > 0) {
        EXPECT_LT(p[i].logprob, 0.0f);
        EXPECT_EQ(p[i].top.size(), 2u);
      }
      text += p[i].token;
    }
    EXPECT_EQ(text, "Once upon a time") << "the tokens' texts spell the prompt";
  }
  EXPECT_EQ(firsts.size(), 2u);
}

TEST(LocalBackend, ChatWithTwoChoicesStreamsRoleFirstAndFinishLast) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-chat-n2");
  ASSERT_TRUE(l.backend);
  auto req = user_chat("stories", "Tell me a story about a cat.");
  req.params.n = 2;
  req.params.temperature = 0.8f;
  req.params.seed = 7;
  req.params.max_tokens = 24;
  req.params.logprobs = true;
  auto count = l.backend->count_chat_tokens(req);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_TRUE(count->exact);
  ChatRecorder rec;
  ASSERT_TRUE(l.backend->start_chat(req, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  std::map<int, int> deltas;
  std::map<int, int> tokens;
  std::map<int, bool> finished;
  for (const auto& e : rec.events) {
    if (e.kind != api::ChatEvent::Kind::kDelta) continue;
    const int i = e.delta.index;
    EXPECT_FALSE(finished[i]) << "a delta after choice " << i << " finished";
    EXPECT_EQ(e.delta.role, deltas[i] == 0) << "role only on the first delta of choice " << i;
    ++deltas[i];
    if (e.delta.logprobs) tokens[i] += static_cast<int>(e.delta.logprobs->size());
    if (e.delta.finish_reason) finished[i] = true;
  }
  EXPECT_EQ(deltas.size(), 2u);
  EXPECT_TRUE(finished[0]);
  EXPECT_TRUE(finished[1]);
  const auto& fin = rec.last();
  ASSERT_EQ(fin.kind, api::ChatEvent::Kind::kFinished);
  EXPECT_FALSE(fin.error.has_value());
  EXPECT_EQ(fin.usage.prompt_tokens, count->tokens);
  EXPECT_EQ(fin.usage.completion_tokens, tokens[0] + tokens[1]);
  const auto content = content_by_choice(rec.events);
  EXPECT_NE(content.at(0), content.at(1)) << "n choices with one seed must differ";
  EXPECT_TRUE(test::eventually([&] { return l.backend->active_calls() == 0; }));
}

TEST(LocalBackend, CancelMidStreamFreesTheEngine) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-cancel");
  ASSERT_TRUE(l.backend);
  auto req = greedy_from_bos("stories", 400);
  req.params.n = 2;
  TextRecorder rec;
  std::atomic<CallId> call{0};
  std::atomic<int> deltas{0};
  rec.on_event = [&](const api::TextEvent& e) {
    if (e.kind == api::TextEvent::Kind::kDelta && ++deltas == 3) l.backend->cancel(call.load());  // from the sink
  };
  auto id = l.backend->start_text(req, rec.sink());
  ASSERT_TRUE(id.has_value());
  call = *id;
  if (deltas.load() >= 3) l.backend->cancel(*id);  // the third delta came before the id was known
  ASSERT_TRUE(rec.wait());
  const auto& fin = rec.last();
  EXPECT_LT(fin.usage.completion_tokens, 2 * 400);
  EXPECT_FALSE(rec.event_after_finish);
  EXPECT_TRUE(test::eventually([&] {
    const auto s = l.engine->stats();
    return s.active_requests == 0 && s.kv_blocks_used == 0 && s.running == 0 && l.backend->active_calls() == 0;
  }));
  l.backend->cancel(*id);  // finished: nothing happens
  l.backend->cancel(12345);
}

TEST(LocalBackend, RefusesWhatTheModelCannotDo) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  REQUIRE_MODEL("stories260K.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-refusals", 256);
  ASSERT_TRUE(l.backend);
  auto sink = [](api::ChatEvent&&) { ADD_FAILURE() << "a refused call must not stream"; };

  auto image = user_chat("stories", "What is this?");
  image.messages[0].parts = {{.kind = api::ContentPart::Kind::kText, .text = "What is this?"},
                             {.kind = api::ContentPart::Kind::kImage, .text = "https://example.com/a.png"}};
  auto r = l.backend->start_chat(image, sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().message, "model 'stories' does not support images");
  EXPECT_EQ(r.error().param, "messages[0].content[1]");

  auto too_long = user_chat("stories", "Hello");
  too_long.params.max_tokens = 1000;
  r = l.backend->start_chat(too_long, sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().api_code, "context_length_exceeded");
  EXPECT_NE(r.error().message.find("256"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("1000 in the completion"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().param, "messages");

  auto huge = user_chat("stories", std::string(3000, 'a'));
  r = l.backend->start_chat(huge, sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().api_code, "context_length_exceeded");

  auto bias = user_chat("stories", "Hello");
  bias.params.logit_bias = {{.token = 100000, .bias = 1.0f}};
  r = l.backend->start_chat(bias, sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().param, "logit_bias");

  auto bad_schema = user_chat("stories", "Hello");
  bad_schema.response_format = {.kind = api::ResponseFormat::Kind::kJsonSchema,
                                .schema_name = "x",
                                .schema_json = R"({"type":"object","properties":{"a":{"type":"string"}}})",
                                .strict = true};
  r = l.backend->start_chat(bad_schema, sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().param, "response_format.json_schema.schema");

  api::TextCompletionRequest text;
  text.model = "stories";
  text.prompts = {std::vector<std::int32_t>{1, 99999}};
  auto t = l.backend->start_text(text, [](api::TextEvent&&) { ADD_FAILURE(); });
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().param, "prompt");

  // A model without a chat template answers completions but not chat.
  auto plain = load_backend("stories260K.gguf", "lb-no-template", 256);
  ASSERT_TRUE(plain.backend);
  r = plain.backend->start_chat(user_chat("plain", "Hello"), sink);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_EQ(r.error().param, "model");
  EXPECT_NE(r.error().message.find("no chat template"), std::string::npos);
  EXPECT_FALSE(plain.backend->count_chat_tokens(user_chat("plain", "Hello")).has_value());
  EXPECT_EQ(l.backend->active_calls(), 0u);
}

TEST(LocalBackend, CountChatTokensEqualsTokenizeAndPromptUsage) {
  REQUIRE_MODEL("stories260K-chat.gguf");
  auto l = load_backend("stories260K-chat.gguf", "lb-count");
  ASSERT_TRUE(l.backend);
  auto req = user_chat("stories", "Hi there");
  api::ToolDefinition tool{.name = "get_weather",
                           .description = "Weather of a city",
                           .parameters_json = R"({"type":"object","properties":{"city":{"type":"string"}}})"};
  req.tools = {tool};
  auto with_tools = l.backend->count_chat_tokens(req);
  ASSERT_TRUE(with_tools.has_value());
  auto tokens = l.backend->tokenize_chat(req, {});
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(with_tools->tokens, static_cast<std::int64_t>(tokens->size()));
  // tool_choice none: the template does not see the tools.
  req.tool_choice.mode = api::ToolChoice::Mode::kNone;
  auto without = l.backend->count_chat_tokens(req);
  ASSERT_TRUE(without.has_value());
  EXPECT_LT(without->tokens, with_tools->tokens);
  // Without the generation prompt the count is smaller still; detokenize gives the rendered text back.
  auto no_gen = l.backend->tokenize_chat(req, {.add_generation_prompt = false});
  ASSERT_TRUE(no_gen.has_value());
  EXPECT_LT(no_gen->size(), static_cast<std::size_t>(without->tokens));
  auto text = l.backend->detokenize(*no_gen);
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("<|im_start|>user\nHi there<|im_end|>"), std::string::npos) << *text;
  EXPECT_FALSE(l.backend->detokenize(std::vector<std::int32_t>{5, -1}).has_value());

  req.params.max_tokens = 4;
  ChatRecorder rec;
  ASSERT_TRUE(l.backend->start_chat(req, rec.sink()).has_value());
  ASSERT_TRUE(rec.wait());
  EXPECT_EQ(rec.last().usage.prompt_tokens, without->tokens);
}

}  // namespace
}  // namespace sovra::routing
