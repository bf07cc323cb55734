// /v1/embeddings and /v1/rerank: request parsing (every input form, errors with param), response encoding
// (float, base64 little-endian float32, schema of OpenAI's CreateEmbeddingResponse, rerank order/top_n), and the
// handlers end to end over CallFlow with a real EncoderBackend (tickets finished before the answer).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "api/openai/embedding_routes.hpp"
#include "api/openai/embeddings_request.hpp"
#include "api/openai/rerank_request.hpp"
#include "common/json.hpp"
#include "http/deferred.hpp"
#include "routing/encoder_backend.hpp"
#include "support/encoder_fixture.hpp"
#include "support/eventually.hpp"
#include "support/openapi_schema.hpp"

namespace sovra::api::openai {
namespace {

namespace json = boost::json;

json::value js(std::string_view s) {
  auto v = parse_json(s);
  EXPECT_TRUE(v) << s;
  return v ? *v : json::value();
}

TEST(EmbeddingsRequest, EveryInputForm) {
  auto r = parse_embedding_request(js(R"({"model":"m","input":"hello"})"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->request.inputs.size(), 1u);
  EXPECT_EQ(std::get<std::string>(r->request.inputs[0]), "hello");
  EXPECT_EQ(r->format, EncodingFormat::kFloat);
  r = parse_embedding_request(js(R"({"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":8,"user":"u","truncate":true})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.inputs.size(), 2u);
  EXPECT_EQ(r->format, EncodingFormat::kBase64);
  EXPECT_EQ(r->request.dimensions, 8);
  EXPECT_EQ(r->request.user, "u");
  EXPECT_TRUE(r->request.truncate);
  r = parse_embedding_request(js(R"({"model":"m","input":[1,2,3]})"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->request.inputs.size(), 1u);
  EXPECT_EQ(std::get<std::vector<std::int32_t>>(r->request.inputs[0]), (std::vector<std::int32_t>{1, 2, 3}));
  r = parse_embedding_request(js(R"({"model":"m","input":[[1,2],[3],"x"]})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request.inputs.size(), 3u);
  EXPECT_EQ(r->given_tokens, 3);
}

TEST(EmbeddingsRequest, ErrorsNameTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"input":"a"})", "model"},
      {R"({"model":"m"})", "input"},
      {R"({"model":"m","input":""})", "input"},
      {R"({"model":"m","input":[]})", "input"},
      {R"({"model":"m","input":["a",""]})", "input[1]"},
      {R"({"model":"m","input":[[1],[]]})", "input[1]"},
      {R"({"model":"m","input":[1,-2]})", "input[1]"},
      {R"({"model":"m","input":[{"a":1}]})", "input[0]"},
      {R"({"model":"m","input":5})", "input"},
      {R"({"model":"m","input":"a","encoding_format":"int8"})", "encoding_format"},
      {R"({"model":"m","input":"a","dimensions":0})", "dimensions"},
      {R"({"model":"m","input":"a","dimensions":"8"})", "dimensions"},
      {R"({"model":"m","input":"a","truncate":"yes"})", "truncate"},
  };
  for (const auto& [body, param] : cases) {
    auto r = parse_embedding_request(js(body));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().param, param) << body;
    EXPECT_EQ(r.error().status(), 400) << body;
  }
  EXPECT_FALSE(parse_embedding_request(js("[1]")));
  std::string many = R"({"model":"m","input":[)";
  for (std::size_t i = 0; i <= kMaxEmbeddingInputs; ++i) many += (i ? ",\"x\"" : "\"x\"");
  EXPECT_FALSE(parse_embedding_request(js(many + "]}")));
}

TEST(EmbeddingsResponse, FloatMatchesOpenApiSchemaAndBase64DecodesToTheSameFloats) {
  EmbeddingResult result{.embeddings = {{0.5f, -0.25f, 1e-7f}, {0.1f, 0.2f, 0.3f}}, .prompt_tokens = 9};
  const auto f = js(encode_embedding_response(result, "emb\"1", EncodingFormat::kFloat));
  EXPECT_EQ(f.at("model").as_string(), "emb\"1");
  EXPECT_EQ(f.at("usage").at("prompt_tokens").as_int64(), 9);
  EXPECT_EQ(f.at("usage").at("total_tokens").as_int64(), 9);
  const auto& data = f.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(data[i].at("index").as_int64(), static_cast<std::int64_t>(i));
    const auto& v = data[i].at("embedding").as_array();
    for (std::size_t d = 0; d < 3; ++d) EXPECT_EQ(static_cast<float>(v[d].to_number<double>()), result.embeddings[i][d]);
  }
  std::string why;
  auto schemas = testing::OpenApiSchemas::load(std::string(SOVRA_SHARED_DIR) + "/specs/openai-openapi.json", &why);
  if (schemas) {
    const auto errors = schemas->validate(f, "CreateEmbeddingResponse");
    EXPECT_TRUE(errors.empty()) << errors.front();
  }
  const auto b = js(encode_embedding_response(result, "emb", EncodingFormat::kBase64));
  const std::string b64(b.at("data").at(1).at("embedding").as_string());
  // Decode as the SDK does: base64 → bytes → little-endian float32.
  std::string bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : b64) {
    if (c == '=') break;
    const auto pos = std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/").find(c);
    ASSERT_NE(pos, std::string_view::npos);
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  ASSERT_EQ(bytes.size(), 12u);
  for (std::size_t d = 0; d < 3; ++d) {
    std::uint32_t u = 0;
    for (int k = 3; k >= 0; --k) u = (u << 8) | static_cast<unsigned char>(bytes[d * 4 + static_cast<std::size_t>(k)]);
    EXPECT_EQ(std::bit_cast<float>(u), result.embeddings[1][d]);
  }
  EXPECT_EQ(base64_encode("Ma"), "TWE=");
  EXPECT_EQ(base64_encode("M"), "TQ==");
  EXPECT_EQ(base64_encode("Man"), "TWFu");
}

TEST(RerankRequest, ParsesDocumentsAndOptions) {
  auto r = parse_rerank_request(js(R"({"model":"r","query":"q","documents":["a",{"text":"b"}],"top_n":1,"return_documents":true,"rank_fields":["text"]})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->request.documents, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->request.top_n, 1);
  EXPECT_TRUE(r->request.return_documents);
  const std::pair<const char*, const char*> cases[] = {
      {R"({"query":"q","documents":["a"]})", "model"},
      {R"({"model":"r","documents":["a"]})", "query"},
      {R"({"model":"r","query":"","documents":["a"]})", "query"},
      {R"({"model":"r","query":"q"})", "documents"},
      {R"({"model":"r","query":"q","documents":[]})", "documents"},
      {R"({"model":"r","query":"q","documents":[1]})", "documents[0]"},
      {R"({"model":"r","query":"q","documents":[{"txt":"a"}]})", "documents[0].text"},
      {R"({"model":"r","query":"q","documents":["a"],"top_n":0})", "top_n"},
  };
  for (const auto& [body, param] : cases) {
    auto e = parse_rerank_request(js(body));
    ASSERT_FALSE(e) << body;
    EXPECT_EQ(e.error().param, param) << body;
  }
}

TEST(RerankResponse, SortedDescendingCutToTopN) {
  RerankRequest req{.model = "r", .query = "q", .documents = {"a", "b", "c"}, .top_n = 2, .return_documents = true};
  const auto v = js(encode_rerank_response(req, {.scores = {0.2f, 0.9f, 0.5f}, .prompt_tokens = 12}, "rerank-1"));
  const auto& res = v.at("results").as_array();
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].at("index").as_int64(), 1);
  EXPECT_EQ(res[0].at("document").at("text").as_string(), "b");
  EXPECT_EQ(res[1].at("index").as_int64(), 2);
  EXPECT_GT(res[0].at("relevance_score").to_number<double>(), res[1].at("relevance_score").to_number<double>());
  EXPECT_EQ(v.at("usage").at("total_tokens").as_int64(), 12);
  req.return_documents = false;
  req.top_n.reset();
  const auto w = js(encode_rerank_response(req, {.scores = {0.2f, 0.9f, 0.5f}}, "x"));
  EXPECT_EQ(w.at("results").as_array().size(), 3u);
  EXPECT_FALSE(w.at("results").at(0).as_object().contains("document"));
}

// Routes every name to one backend.
class OneRouter final : public routing::ModelRouter {
 public:
  explicit OneRouter(std::map<std::string, std::shared_ptr<routing::InferenceBackend>> m) : m_(std::move(m)) {}
  Result<routing::Route> route(const routing::RouteQuery& q) const override {
    auto it = m_.find(q.model);
    if (it == m_.end()) return fail(Error::not_found("The model '" + q.model + "' does not exist"));
    return routing::Route{.backend = it->second, .deployment = {.name = q.model, .model = q.model}};
  }
  std::vector<api::ModelInfo> models() const override { return {}; }

 private:
  std::map<std::string, std::shared_ptr<routing::InferenceBackend>> m_;
};

// A hook whose ticket holds the call's end until the test releases it.
class HoldingHook final : public gateway::CallHook {
 public:
  struct Ticket final : gateway::CallTicket {
    HoldingHook* hook;
    explicit Ticket(HoldingHook* h) : hook(h) {}
    void finish(const gateway::CallResult& result, std::function<void()> done) override {
      std::lock_guard lock(hook->mu);
      hook->results.push_back(result);
      hook->pending.push_back(std::move(done));
    }
  };
  const char* name() const override { return "holding"; }
  void admit(const gateway::CallInfo& info, std::vector<http::Header>& headers, gateway::AdmitDone done) override {
    {
      std::lock_guard lock(mu);
      infos.push_back(info);
    }
    headers.push_back({"x-test-hook", "1"});
    done(gateway::Admission{std::make_unique<Ticket>(this)});
  }
  void release() {
    std::vector<std::function<void()>> p;
    {
      std::lock_guard lock(mu);
      p.swap(pending);
    }
    for (auto& f : p) f();
  }
  std::mutex mu;
  std::vector<gateway::CallInfo> infos;
  std::vector<gateway::CallResult> results;
  std::vector<std::function<void()>> pending;
};

struct Server {
  testing::EncoderFixture emb = testing::make_encoder({.n_ctx = 32, .matryoshka = true});
  testing::EncoderFixture rr = testing::make_encoder({.n_ctx = 32, .pooling = model::Pooling::kRank, .seed = 3});
  std::shared_ptr<HoldingHook> hook = std::make_shared<HoldingHook>();
  http::Router router;

  Server() {
    auto chain = std::make_shared<gateway::CallChain>();
    chain->add(hook);
    auto backends = std::map<std::string, std::shared_ptr<routing::InferenceBackend>>{
        {"emb", std::make_shared<routing::EncoderBackend>(emb.model, routing::EncoderBackendOptions{.model_name = "emb", .threads = 1})},
        {"rr", std::make_shared<routing::EncoderBackend>(rr.model, routing::EncoderBackendOptions{.model_name = "rr", .threads = 1})}};
    auto flow = std::make_shared<CallFlow>(CallFlowOptions{.router = std::make_shared<OneRouter>(backends), .chain = chain});
    add_embedding_routes(router, flow);
  }

  // Sends the request; releases held tickets once the backend has finished; returns the response.
  http::Response call(const std::string& path, const std::string& body, bool expect_ticket = true) {
    auto m = router.match("POST", path);
    EXPECT_TRUE(m.route) << path;
    http::Request req{.method = "POST", .target = path, .path = path, .body = body, .request_id = "req-1"};
    http::Response r = router.dispatch(*m.route, req);
    if (!r.deferred) return r;
    std::optional<http::Response> got;
    if (expect_ticket) {
      EXPECT_TRUE(sovra::test::eventually([&] {
        std::lock_guard lock(hook->mu);
        return !hook->pending.empty();
      }));
      // The answer waits for the ticket.
      EXPECT_FALSE(r.deferred->take([] {}).has_value());
      hook->release();
    }
    EXPECT_TRUE(sovra::test::eventually([&] { return (got = r.deferred->take([] {})).has_value(); }));
    return got ? std::move(*got) : http::Response{};
  }
};

TEST(EmbeddingRoutes, EmbeddingsEndToEndOverCallFlow) {
  Server s;
  ASSERT_TRUE(s.emb.model && s.rr.model);
  auto r = s.call("/v1/embeddings", R"({"model":"emb","input":["hello world","a"],"dimensions":8})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto v = js(r.body);
  EXPECT_EQ(v.at("data").as_array().size(), 2u);
  EXPECT_EQ(v.at("data").at(0).at("embedding").as_array().size(), 8u);
  EXPECT_EQ(v.at("usage").at("prompt_tokens").as_int64(), 4 + 3);
  bool hook_header = false;
  for (const auto& h : r.headers) hook_header |= h.name == "x-test-hook";
  EXPECT_TRUE(hook_header);
  std::lock_guard lock(s.hook->mu);
  ASSERT_EQ(s.hook->results.size(), 1u);
  EXPECT_EQ(s.hook->results[0].usage.prompt_tokens, 7);
  EXPECT_EQ(s.hook->infos[0].endpoint, "/v1/embeddings");
  EXPECT_EQ(s.hook->infos[0].max_output_tokens, 0);
}

TEST(EmbeddingRoutes, ErrorsBeforeAndAfterAdmission) {
  Server s;
  auto r = s.call("/v1/embeddings", "{not json", false);
  EXPECT_EQ(r.status, 400);
  r = s.call("/v1/embeddings", R"({"model":"nope","input":"a"})", false);
  EXPECT_EQ(r.status, 404) << r.body;
  // The backend refuses after admission: the ticket is finished with the refusal.
  r = s.call("/v1/embeddings", R"({"model":"rr","input":"a"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("\"param\":\"model\""), std::string::npos) << r.body;
  std::lock_guard lock(s.hook->mu);
  ASSERT_EQ(s.hook->results.size(), 1u);
  EXPECT_EQ(s.hook->results[0].http_status, 400);
}

TEST(EmbeddingRoutes, RerankOnEveryPath) {
  Server s;
  for (const char* path : {"/v1/rerank", "/rerank", "/v2/rerank"}) {
    auto r = s.call(path, R"({"model":"rr","query":"fox","documents":["the quick brown fox",{"text":"lazy dog"},"hello"],"return_documents":true})");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto v = js(r.body);
    const auto& res = v.at("results").as_array();
    ASSERT_EQ(res.size(), 3u);
    for (std::size_t i = 1; i < res.size(); ++i) {
      EXPECT_GE(res[i - 1].at("relevance_score").to_number<double>(), res[i].at("relevance_score").to_number<double>());
    }
    EXPECT_TRUE(res[0].at("document").at("text").is_string());
    EXPECT_GT(v.at("usage").at("prompt_tokens").as_int64(), 0);
    EXPECT_EQ(v.at("id").as_string(), "rerank-req-1");
  }
}

}  // namespace
}  // namespace sovra::api::openai
