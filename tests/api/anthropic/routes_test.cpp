// The /v1/messages and /v1/messages/count_tokens handlers driven end to end over a scripted backend: the real
// parser, CallFlow, MessagesCall, MessageBuilder and SSE framing; golden transcripts in golden/.
#include "api/anthropic/routes.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/json.hpp"
#include "http/deferred.hpp"
#include "support/openapi_schema.hpp"
#include "support/scripted_backend.hpp"

namespace sovra::api::anthropic {
namespace {

const testing::OpenApiSchemas* spec() {
  static std::string why;
  static const auto schemas = testing::OpenApiSchemas::load(SOVRA_SHARED_DIR "/specs/anthropic-openapi.json", &why);
  return schemas.get();
}

void expect_valid(const boost::json::value& v, std::string_view component, std::string_view text) {
  if (spec() == nullptr) return;
  for (const auto& e : spec()->validate(v, component)) ADD_FAILURE() << component << ": " << e << "\n" << text;
}

// Admission that records how calls ended; `hold` keeps the tickets' done callbacks until the test releases them.
class RecordingHook final : public gateway::CallHook {
 public:
  bool refuse = false;
  bool hold = false;
  std::vector<gateway::CallInfo> admitted;
  std::vector<gateway::CallResult> results;
  std::vector<std::function<void()>> held;

  const char* name() const override { return "recording"; }
  void admit(const gateway::CallInfo& info, std::vector<http::Header>& headers, gateway::AdmitDone done) override {
    headers.push_back({"x-ratelimit-limit-requests", "60"});
    headers.push_back({"x-ratelimit-remaining-requests", refuse ? "0" : "59"});
    headers.push_back({"x-ratelimit-reset-requests", "1s"});
    if (refuse) {
      headers.push_back({"retry-after", "1"});
      done(fail(Error{
          ErrorCode::kRateLimited, "Rate limit reached for requests per minute.", {}, 429, "rate_limit_exceeded"}));
      return;
    }
    admitted.push_back(info);
    done(gateway::Admission{std::make_unique<Ticket>(this)});
  }

 private:
  struct Ticket final : gateway::CallTicket {
    explicit Ticket(RecordingHook* hook) : hook_(hook) {}
    void finish(const gateway::CallResult& result, std::function<void()> done) override {
      hook_->results.push_back(result);
      if (hook_->hold) {
        hook_->held.push_back(std::move(done));
      } else {
        done();
      }
    }
    RecordingHook* hook_;
  };
};

ChatEvent text_delta(std::string text, bool first = false) {
  ChatEvent e;
  e.delta.role = first;
  e.delta.content = std::move(text);
  return e;
}

ChatEvent reasoning_delta(std::string text, bool first = false) {
  ChatEvent e;
  e.delta.role = first;
  e.delta.reasoning_content = std::move(text);
  return e;
}

ChatEvent tool_delta(std::int32_t index, std::string id, std::string name, std::string arguments) {
  ChatEvent e;
  e.delta.tool_calls.push_back(
      {.index = index, .id = std::move(id), .name = std::move(name), .arguments = std::move(arguments)});
  return e;
}

ChatEvent finish_delta(FinishReason reason, std::string stop_sequence = {}) {
  ChatEvent e;
  e.delta.finish_reason = reason;
  e.delta.stop_sequence = std::move(stop_sequence);
  return e;
}

ChatEvent finished(Usage usage, std::optional<Error> error = std::nullopt) {
  ChatEvent e;
  e.kind = ChatEvent::Kind::kFinished;
  e.usage = usage;
  e.error = std::move(error);
  return e;
}

constexpr Usage kUsage{.prompt_tokens = 12, .completion_tokens = 5, .cached_prompt_tokens = 4};

class AnthropicRoutes : public ::testing::Test {
 protected:
  std::shared_ptr<testing::ScriptedBackend> backend = std::make_shared<testing::ScriptedBackend>();
  std::shared_ptr<RecordingHook> hook = std::make_shared<RecordingHook>();

  std::shared_ptr<const CallFlow> flow() {
    auto chain = std::make_shared<gateway::CallChain>();
    chain->add(hook);
    return std::make_shared<const CallFlow>(CallFlowOptions{
        .router = std::make_shared<testing::ScriptedRouter>(backend, std::vector<std::string>{"stories"}),
        .chain = chain});
  }

  static http::Request post(std::string body, std::string path = "/v1/messages") {
    http::Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.target = r.path;
    r.body = std::move(body);
    r.request_id = "req_test";
    r.headers.push_back({"anthropic-version", "2023-06-01"});
    return r;
  }

  // The response a handler produced, once it is complete.
  static http::Response settle(http::Response r) {
    if (!r.deferred) return r;
    auto got = r.deferred->take([] {});
    EXPECT_TRUE(got) << "the response is not complete yet";
    if (!got) return http::Response::json(599, "{}");
    return std::move(*got);
  }

  http::Response call(std::string body) {
    auto request = post(std::move(body));
    return settle(handle_messages(request, flow(), {}));
  }

  // What the stream has written so far; `ended` tells whether it is over.
  static std::string read_stream(http::StreamSource& stream, bool* ended = nullptr) {
    std::string out;
    while (true) {
      const auto poll = stream.poll(out, [] {});
      if (poll == http::StreamSource::Poll::kData) continue;
      if (ended != nullptr) *ended = poll == http::StreamSource::Poll::kEnd;
      return out;
    }
  }
};

// Message and tool ids are random: golden files hold msg_ID / toolu_ID.
std::string normalise_ids(std::string s) {
  s = std::regex_replace(s, std::regex("msg_[0-9a-f]+"), "msg_ID");
  return std::regex_replace(s, std::regex("toolu_[0-9a-f]+"), "toolu_ID");
}

// Splits a transcript into (event, data) pairs and checks every data against the spec's event schema.
std::vector<std::pair<std::string, boost::json::value>> parse_events(const std::string& sse) {
  std::vector<std::pair<std::string, boost::json::value>> events;
  std::istringstream in(sse);
  std::string line;
  std::string event;
  while (std::getline(in, line)) {
    if (line.rfind("event: ", 0) == 0) event = line.substr(7);
    if (line.rfind("data: ", 0) != 0) continue;
    auto data = parse_json(line.substr(6));
    EXPECT_TRUE(data) << line;
    if (!data) continue;
    EXPECT_EQ(data->as_object().at("type").as_string(), event) << "the data's type names its event";
    static const std::map<std::string, std::string> kComponent{{"message_start", "MessageStartEvent"},
                                                               {"content_block_start", "ContentBlockStartEvent"},
                                                               {"content_block_delta", "ContentBlockDeltaEvent"},
                                                               {"content_block_stop", "ContentBlockStopEvent"},
                                                               {"message_delta", "MessageDeltaEvent"},
                                                               {"message_stop", "MessageStopEvent"},
                                                               {"error", "ErrorResponse"}};
    if (auto it = kComponent.find(event); it != kComponent.end()) expect_valid(*data, it->second, line);
    events.emplace_back(event, std::move(*data));
  }
  return events;
}

void expect_golden(const std::string& name, const std::string& transcript) {
  const std::string path = std::string(SOVRA_TESTS_SOURCE_DIR) + "/api/anthropic/golden/" + name;
  const std::string actual = normalise_ids(transcript);
  if (std::getenv("SOVRA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing (run with SOVRA_UPDATE_GOLDEN=1 to record it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "transcript differs from " << path;
}

std::string stream_body(std::string_view extra = {}) {
  return std::string(R"({"model":"stories","max_tokens":32,"stream":true)") + std::string(extra) +
         R"(,"messages":[{"role":"user","content":"Tell me a story"}]})";
}

TEST_F(AnthropicRoutes, SpecIsPresentOrSkipped) {
  if (spec() == nullptr) GTEST_SKIP() << "../shared/specs/anthropic-openapi.json absent: shape checks skipped";
  auto bad = parse_json(R"({"type":"message_delta","delta":{"stop_reason":"bored","stop_sequence":null},)"
                        R"("usage":{"output_tokens":1}})");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(spec()->validate(*bad, "MessageDeltaEvent").empty()) << "the validator must reject a bad event";
}

TEST_F(AnthropicRoutes, TextStreamGolden) {
  backend->chat_script = {text_delta("Once", true), text_delta(" upon"), text_delta(" a time"),
                          finish_delta(FinishReason::kStop), finished(kUsage)};
  auto r = call(stream_body());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/event-stream");
  ASSERT_TRUE(r.stream);
  bool ended = false;
  const std::string sse = read_stream(*r.stream, &ended);
  EXPECT_TRUE(ended);
  const auto events = parse_events(sse);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.front().first, "message_start");
  EXPECT_EQ(events.back().first, "message_stop");
  expect_golden("text_stream.sse", sse);
  ASSERT_EQ(hook->results.size(), 1u);
  EXPECT_EQ(hook->results[0].http_status, 200);
  EXPECT_EQ(hook->results[0].usage.completion_tokens, 5);
  ASSERT_EQ(backend->chat_requests.size(), 1u);
  EXPECT_EQ(backend->chat_requests[0].params.max_tokens, 32);
  ASSERT_EQ(hook->admitted.size(), 1u);
  EXPECT_EQ(hook->admitted[0].protocol, "anthropic");
  EXPECT_EQ(hook->admitted[0].endpoint, "/v1/messages");
  EXPECT_EQ(hook->admitted[0].prompt_tokens, 7);
  EXPECT_EQ(hook->admitted[0].max_output_tokens, 32);
}

TEST_F(AnthropicRoutes, ToolUseStreamGoldenAndPiecesFormValidJson) {
  backend->chat_script = {text_delta("Let me check.", true),      tool_delta(0, "call_abc", "get_weather", ""),
                          tool_delta(0, "", "", R"({"ci)"),       tool_delta(0, "", "", R"(ty": "Os)"),
                          tool_delta(0, "", "", R"(lo"})"),       tool_delta(1, "", "get_time", R"({"tz": "CET"})"),
                          finish_delta(FinishReason::kToolCalls), finished(kUsage)};
  auto r = call(stream_body(R"(,"tools":[{"name":"get_weather","input_schema":{"type":"object"}},)"
                            R"({"name":"get_time","input_schema":{"type":"object"}}])"));
  ASSERT_EQ(r.status, 200);
  const std::string sse = read_stream(*r.stream);
  expect_golden("tool_use_stream.sse", sse);
  std::map<std::int64_t, std::string> inputs;
  std::string stop_reason;
  for (const auto& [event, data] : parse_events(sse)) {
    if (event == "content_block_delta" && data.at("delta").at("type").as_string() == "input_json_delta") {
      inputs[data.at("index").as_int64()] += data.at("delta").at("partial_json").as_string().c_str();
    }
    if (event == "message_delta") stop_reason = data.at("delta").at("stop_reason").as_string().c_str();
  }
  ASSERT_EQ(inputs.size(), 2u);
  auto first = parse_json(inputs[1]);
  ASSERT_TRUE(first) << inputs[1];
  EXPECT_EQ(first->at("city").as_string(), "Oslo");
  auto second = parse_json(inputs[2]);
  ASSERT_TRUE(second) << inputs[2];
  EXPECT_EQ(stop_reason, "tool_use");
}

TEST_F(AnthropicRoutes, ThinkingStreamGolden) {
  backend->chat_script = {reasoning_delta("The user wants", true), reasoning_delta(" a story."),
                          text_delta("Once upon a time"), finish_delta(FinishReason::kLength), finished(kUsage)};
  auto r = call(stream_body(R"(,"max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024})"));
  ASSERT_EQ(r.status, 200);
  const std::string sse = read_stream(*r.stream);
  parse_events(sse);
  expect_golden("thinking_stream.sse", sse);
  EXPECT_EQ(backend->chat_requests.at(0).enable_thinking, true);
}

TEST_F(AnthropicRoutes, ThinkingDisabledDropsReasoning) {
  backend->chat_script = {reasoning_delta("hidden", true), text_delta("Hi"), finish_delta(FinishReason::kStop),
                          finished(kUsage)};
  auto r = call(R"({"model":"stories","max_tokens":8,"thinking":{"type":"disabled"},)"
                R"("messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  const auto& content = v->at("content").as_array();
  ASSERT_EQ(content.size(), 1u);
  EXPECT_EQ(content[0].at("type").as_string(), "text");
}

TEST_F(AnthropicRoutes, StopSequenceStreamGolden) {
  backend->chat_script = {text_delta("The end", true), finish_delta(FinishReason::kStop, "END"), finished(kUsage)};
  auto r = call(stream_body(R"(,"stop_sequences":["END"])"));
  const std::string sse = read_stream(*r.stream);
  parse_events(sse);
  expect_golden("stop_sequence_stream.sse", sse);
  EXPECT_EQ(backend->chat_requests.at(0).params.stop, std::vector<std::string>{"END"});
}

TEST_F(AnthropicRoutes, ErrorMidStreamIsAnErrorEvent) {
  Error overloaded = Error::unavailable("overloaded: the engine's queue is full");
  overloaded.http_status = 503;
  backend->chat_script = {text_delta("Once", true), finished(kUsage, overloaded)};
  auto r = call(stream_body());
  ASSERT_EQ(r.status, 200);
  bool ended = false;
  const std::string sse = read_stream(*r.stream, &ended);
  EXPECT_TRUE(ended);
  const auto events = parse_events(sse);
  expect_golden("error_stream.sse", sse);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().first, "error");
  EXPECT_EQ(events.back().second.at("error").at("type").as_string(), "overloaded_error");
  for (const auto& e : events) EXPECT_NE(e.first, "message_stop");
  ASSERT_EQ(hook->results.size(), 1u);
  EXPECT_EQ(hook->results[0].http_status, 529);
}

TEST_F(AnthropicRoutes, NonStreamingMessage) {
  backend->chat_script = {reasoning_delta("Hmm.", true),
                          text_delta("Calling."),
                          tool_delta(0, "bad id!", "get_weather", R"({"city":)"),
                          tool_delta(0, "", "", R"("Oslo"})"),
                          finish_delta(FinishReason::kToolCalls),
                          finished(kUsage)};
  auto r = call(R"({"model":"stories","max_tokens":64,"tools":[{"name":"get_weather","input_schema":)"
                R"({"type":"object"}}],"messages":[{"role":"user","content":"Weather?"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.stream);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v) << r.body;
  expect_valid(*v, "Message", r.body);
  EXPECT_TRUE(std::string_view(v->at("id").as_string()).starts_with("msg_"));
  EXPECT_EQ(v->at("type").as_string(), "message");
  EXPECT_EQ(v->at("role").as_string(), "assistant");
  EXPECT_EQ(v->at("model").as_string(), "stories");
  EXPECT_EQ(v->at("stop_reason").as_string(), "tool_use");
  EXPECT_TRUE(v->at("stop_sequence").is_null());
  const auto& content = v->at("content").as_array();
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0].at("type").as_string(), "thinking");
  EXPECT_EQ(content[0].at("thinking").as_string(), "Hmm.");
  EXPECT_EQ(content[1].at("text").as_string(), "Calling.");
  EXPECT_EQ(content[2].at("type").as_string(), "tool_use");
  EXPECT_TRUE(std::string_view(content[2].at("id").as_string()).starts_with("toolu_"))
      << "an id outside Anthropic's pattern is replaced";
  EXPECT_EQ(content[2].at("input").at("city").as_string(), "Oslo");
  const auto& usage = v->at("usage");
  EXPECT_EQ(usage.at("input_tokens").as_int64(), 8) << "cache reads are counted apart, as Anthropic does";
  EXPECT_EQ(usage.at("cache_read_input_tokens").as_int64(), 4);
  EXPECT_EQ(usage.at("output_tokens").as_int64(), 5);
  bool has_request_id = false;
  bool has_ratelimit = false;
  for (const auto& h : r.headers) {
    if (h.name == "request-id") has_request_id = h.value == "req_test";
    if (h.name == "anthropic-ratelimit-requests-remaining") has_ratelimit = h.value == "59";
  }
  EXPECT_TRUE(has_request_id);
  EXPECT_TRUE(has_ratelimit);
}

struct StopCase {
  FinishReason reason;
  std::string stop_sequence;
  std::string expected;
};

class AnthropicStopReasons : public AnthropicRoutes, public ::testing::WithParamInterface<StopCase> {};

TEST_P(AnthropicStopReasons, MapsTheFinishReason) {
  const StopCase& c = GetParam();
  backend->chat_script = {text_delta("x", true), finish_delta(c.reason, c.stop_sequence), finished(kUsage)};
  auto r = call(R"({"model":"stories","max_tokens":8,"messages":[{"role":"user","content":"x"}]})");
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  expect_valid(*v, "Message", r.body);
  EXPECT_EQ(v->at("stop_reason").as_string(), c.expected);
  if (c.stop_sequence.empty()) {
    EXPECT_TRUE(v->at("stop_sequence").is_null());
  } else {
    EXPECT_EQ(v->at("stop_sequence").as_string(), c.stop_sequence);
  }
}

INSTANTIATE_TEST_SUITE_P(All, AnthropicStopReasons,
                         ::testing::Values(StopCase{FinishReason::kStop, "", "end_turn"},
                                           StopCase{FinishReason::kStop, "END", "stop_sequence"},
                                           StopCase{FinishReason::kLength, "", "max_tokens"},
                                           StopCase{FinishReason::kToolCalls, "", "tool_use"},
                                           StopCase{FinishReason::kContentFilter, "", "refusal"}));

TEST_F(AnthropicRoutes, MessageStopOnlyAfterTheTicketsFinished) {
  hook->hold = true;
  backend->chat_script = {text_delta("Hi", true), finish_delta(FinishReason::kStop), finished(kUsage)};
  auto r = call(stream_body());
  bool ended = true;
  std::string sse = read_stream(*r.stream, &ended);
  EXPECT_FALSE(ended);
  EXPECT_NE(sse.find("event: message_delta"), std::string::npos);
  EXPECT_EQ(sse.find("event: message_stop"), std::string::npos) << "message_stop before the usage was committed";
  ASSERT_EQ(hook->held.size(), 1u);
  hook->held[0]();
  sse = read_stream(*r.stream, &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(sse, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
}

TEST_F(AnthropicRoutes, NonStreamingBodyOnlyAfterTheTicketsFinished) {
  hook->hold = true;
  backend->chat_script = {text_delta("Hi", true), finish_delta(FinishReason::kStop), finished(kUsage)};
  auto request = post(R"({"model":"stories","max_tokens":8,"messages":[{"role":"user","content":"x"}]})");
  auto r = handle_messages(request, flow(), {});
  ASSERT_TRUE(r.deferred);
  bool woken = false;
  EXPECT_FALSE(r.deferred->take([&] { woken = true; }));
  ASSERT_EQ(hook->held.size(), 1u);
  hook->held[0]();
  EXPECT_TRUE(woken);
  auto done = r.deferred->take([] {});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
}

TEST_F(AnthropicRoutes, ClientDisconnectCancelsTheCall) {
  backend->manual = true;
  backend->chat_script = {text_delta("Once", true), text_delta(" upon"),
                          finished(Usage{.prompt_tokens = 12, .completion_tokens = 1})};
  auto r = call(stream_body());
  ASSERT_TRUE(r.stream);
  ASSERT_TRUE(backend->release_next());
  EXPECT_NE(read_stream(*r.stream).find("Once"), std::string::npos);
  r.stream->cancel();  // what the session does when the client goes away
  ASSERT_EQ(backend->cancelled.size(), 1u);
  EXPECT_EQ(backend->cancelled[0], 1u);
  backend->release_all();  // the backend's kFinished after the cancel
  ASSERT_EQ(hook->results.size(), 1u);
  EXPECT_TRUE(hook->results[0].cancelled);
  EXPECT_EQ(hook->results[0].usage.completion_tokens, 1);
}

TEST_F(AnthropicRoutes, AdmissionRefusalKeepsHeadersInAnthropicShape) {
  hook->refuse = true;
  auto r = call(R"({"model":"stories","max_tokens":8,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 429);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  expect_valid(*v, "ErrorResponse", r.body);
  EXPECT_EQ(v->at("type").as_string(), "error");
  EXPECT_EQ(v->at("error").at("type").as_string(), "rate_limit_error");
  std::map<std::string, std::string> headers;
  for (const auto& h : r.headers) headers[h.name] = h.value;
  EXPECT_EQ(headers["retry-after"], "1");
  EXPECT_EQ(headers["x-ratelimit-remaining-requests"], "0");
  EXPECT_EQ(headers["anthropic-ratelimit-requests-remaining"], "0");
  EXPECT_EQ(headers["anthropic-ratelimit-requests-limit"], "60");
  EXPECT_EQ(headers["anthropic-ratelimit-requests-reset"].size(), 20u) << "an RFC 3339 time";
  EXPECT_TRUE(backend->chat_requests.empty());
}

TEST_F(AnthropicRoutes, BackendRefusalIsOverloaded529AndEndsTheCall) {
  Error overloaded = Error::unavailable("overloaded: too many requests waiting");
  overloaded.http_status = 503;
  backend->refuse = overloaded;
  auto r = call(stream_body());
  EXPECT_EQ(r.status, 529);
  EXPECT_FALSE(r.stream);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->at("error").at("type").as_string(), "overloaded_error");
  ASSERT_EQ(hook->results.size(), 1u);
  EXPECT_EQ(hook->results[0].http_status, 503);
}

TEST_F(AnthropicRoutes, FailedNonStreamingCallIsAnError) {
  backend->chat_script = {text_delta("x", true), finished(kUsage, Error::internal("engine step failed"))};
  auto r = call(R"({"model":"stories","max_tokens":8,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 500);
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->at("error").at("type").as_string(), "api_error");
  ASSERT_EQ(hook->results.size(), 1u);
  EXPECT_EQ(hook->results[0].http_status, 500);
}

TEST_F(AnthropicRoutes, BadRequestsAnswerInAnthropicShape) {
  struct Case {
    std::string body;
    int status;
    std::string type;
  };
  for (const Case& c : std::vector<Case>{
           {"{not json", 400, "invalid_request_error"},
           {R"({"model":"stories","messages":[{"role":"user","content":"x"}]})", 400, "invalid_request_error"},
           {R"({"model":"claude-9","max_tokens":8,"messages":[{"role":"user","content":"x"}]})", 404,
            "not_found_error"}}) {
    auto r = call(c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    auto v = parse_json(r.body);
    ASSERT_TRUE(v) << r.body;
    expect_valid(*v, "ErrorResponse", r.body);
    EXPECT_EQ(v->at("error").at("type").as_string(), c.type) << r.body;
    EXPECT_EQ(v->at("request_id").as_string(), "req_test");
  }
  EXPECT_TRUE(backend->chat_requests.empty());
}

TEST_F(AnthropicRoutes, CountTokens) {
  backend->prompt_tokens = 42;
  auto request = post(R"({"model":"stories","system":"Be brief.","messages":[{"role":"user","content":"Hello"}]})",
                      "/v1/messages/count_tokens");
  auto r = handle_count_tokens(request, *flow());
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse_json(r.body);
  ASSERT_TRUE(v);
  expect_valid(*v, "CountMessageTokensResponse", r.body);
  EXPECT_EQ(v->at("input_tokens").as_int64(), 42);
  EXPECT_TRUE(hook->admitted.empty()) << "counting is not an inference call";
  auto bad = post(R"({"model":"nope","messages":[{"role":"user","content":"x"}]})", "/v1/messages/count_tokens");
  EXPECT_EQ(handle_count_tokens(bad, *flow()).status, 404);
}

TEST_F(AnthropicRoutes, RoutesAreInstalled) {
  http::Router router;
  add_anthropic_routes(router, flow());
  EXPECT_TRUE(router.match("POST", "/v1/messages").route);
  EXPECT_TRUE(router.match("POST", "/v1/messages/count_tokens").route);
  EXPECT_FALSE(router.match("GET", "/v1/messages").route);
}

}  // namespace
}  // namespace sovra::api::anthropic
