#include "routing/build_router.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "routing/mock_upstream.hpp"
#include "routing/model_vocabulary.hpp"
#include "support/eventually.hpp"
#include "support/scripted_backend.hpp"

namespace sovra::routing {
namespace {

using test::MockConnection;
using test::MockRequest;
using test::MockUpstream;

void answer(MockConnection& c, const MockRequest& r, std::atomic<bool>* healthy = nullptr) {
  if (r.method == "GET") {
    const bool ok = healthy == nullptr || healthy->load();
    c.write(test::json_response(ok ? 200 : 503, R"({"data":[]})"));
    return;
  }
  c.write(test::sse_head() + test::sse_event(test::chat_chunk("hi", "stop")) + test::sse_event(test::usage_chunk(3, 1)) +
          test::sse_event("[DONE]") + test::chunked_end());
}

DeploymentSpec upstream(std::string name, const std::string& url) {
  return DeploymentSpec{.name = std::move(name), .model = "m", .base_url = url, .upstream_model = "up-m"};
}

struct Done {
  std::mutex mu;
  std::optional<api::ChatEvent> end;
  std::string text;
};

// One chat call through the router; waits for its end.
std::pair<std::string, std::optional<Error>> chat(const ModelRouter& router, const std::string& model = "m") {
  auto r = router.route({.model = model});
  if (!r) return {"", r.error()};
  auto done = std::make_shared<Done>();
  auto started = r->backend->start_chat(api::ChatRequest{.model = model}, [done](api::ChatEvent&& e) {
    std::lock_guard lock(done->mu);
    done->text += e.delta.content.value_or("");
    if (e.kind == api::ChatEvent::Kind::kFinished) done->end = std::move(e);
  });
  if (!started) return {"", started.error()};
  EXPECT_TRUE(test::eventually([&] {
    std::lock_guard lock(done->mu);
    return done->end.has_value();
  }));
  std::lock_guard lock(done->mu);
  return {done->text, done->end ? done->end->error : std::optional<Error>(Error::internal("no end"))};
}

TEST(BuildRouter, LocalAndUpstreamDeploymentsWithAliases) {
  MockUpstream mock([](MockConnection& c, const MockRequest& r) { answer(c, r); });
  Config config;
  config.models = {{"qwen", "/m/qwen.gguf"}, {"tiny", "/m/tiny.gguf"}};
  config.routing.deployments = {upstream("remote", mock.base_url())};
  config.routing.aliases = {{"gpt-4o", "qwen"}};
  config.routing.local_jurisdiction = "SE";
  config.routing.local_zones = "EU,EEA";
  auto local = std::make_shared<testing::ScriptedBackend>();
  api::ChatEvent delta;
  delta.delta.content = "local";
  api::ChatEvent end;
  end.kind = api::ChatEvent::Kind::kFinished;
  local->chat_script = {delta, end};
  auto router = build_model_router(config, {{"qwen", local}, {"tiny", local}}, {.active_health_checks = false});
  ASSERT_TRUE(router.has_value()) << router.error().message;

  EXPECT_EQ(chat(**router, "m").first, "hi");  // through the upstream
  EXPECT_EQ(chat(**router, "gpt-4o").first, "local");
  auto route = (*router)->route({.model = "gpt-4o", .constraints = {.allowed_jurisdictions = {"EU"}}});
  ASSERT_TRUE(route.has_value());
  EXPECT_TRUE(route->deployment.local);
  EXPECT_EQ(route->deployment.jurisdiction, "SE");
  std::vector<std::string> ids;
  for (const auto& m : (*router)->models()) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"gpt-4o", "m", "qwen", "tiny"}));
  EXPECT_NE(mock.received().at(0).body.find("\"model\":\"up-m\""), std::string::npos);
}

TEST(BuildRouter, LocalDeploymentsTakeTheServerRegionUnlessRoutingNamesOne) {
  Config config;
  config.models = {{"qwen", "/m/qwen.gguf"}};
  config.server.region = "se-sto-1";
  config.server.jurisdiction = "SE";
  const LocalBackends local{{"qwen", std::make_shared<testing::ScriptedBackend>()}};
  auto router = build_model_router(config, local, {.active_health_checks = false});
  ASSERT_TRUE(router.has_value()) << router.error().message;
  auto infos = (*router)->deployment_infos();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].region, "se-sto-1");
  EXPECT_EQ(infos[0].jurisdiction, "SE");
  ASSERT_EQ((*router)->models().size(), 1u);
  EXPECT_EQ((*router)->models()[0].transparency.regions, std::vector<std::string>{"se-sto-1"});  // /v1/models
  EXPECT_FALSE((*router)->route({.model = "qwen", .constraints = {.allowed_jurisdictions = {"DE"}}}).has_value());

  config.routing.local_region = "fi-hel-1";
  config.routing.local_jurisdiction = "FI";
  auto named = build_model_router(config, local, {.active_health_checks = false});
  ASSERT_TRUE(named.has_value()) << named.error().message;
  EXPECT_EQ((*named)->deployment_infos().at(0).region, "fi-hel-1");
  EXPECT_EQ((*named)->deployment_infos().at(0).jurisdiction, "FI");
}

TEST(BuildRouter, GatewayWithoutEngineRefusesLocalDeployments) {
  Config config;
  config.models = {{"qwen", "/m/qwen.gguf"}};
  config.routing.deployments = {DeploymentSpec{.name = "l", .model = "qwen", .local = "qwen"}};
  auto router = build_model_router(config, {}, {.active_health_checks = false});
  ASSERT_FALSE(router.has_value());
  EXPECT_NE(router.error().message.find("runs no engine"), std::string::npos) << router.error().message;
}

TEST(BuildRouter, ActiveHealthChecksTakeAnUpstreamOutAndBackIn) {
  std::atomic<bool> healthy{true};
  MockUpstream a([&](MockConnection& c, const MockRequest& r) { answer(c, r, &healthy); });
  MockUpstream b([](MockConnection& c, const MockRequest& r) { answer(c, r); });
  Config config;
  config.routing.deployments = {upstream("a", a.base_url()), upstream("b", b.base_url())};
  config.routing.health_interval_ms = 20;
  auto router = build_model_router(config, {});
  ASSERT_TRUE(router.has_value());
  auto healthy_of = [&](const std::string& name) {
    for (const auto& s : (*router)->states()) {
      if (s.name == name) return s.healthy;
    }
    return false;
  };
  healthy = false;
  ASSERT_TRUE(test::eventually([&] { return !healthy_of("a"); }));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(chat(**router).first, "hi");
  int posts_to_a = 0;
  for (const auto& r : a.received()) posts_to_a += r.method == "POST" ? 1 : 0;
  EXPECT_EQ(posts_to_a, 0);
  healthy = true;
  ASSERT_TRUE(test::eventually([&] { return healthy_of("a"); }));
}

TEST(BuildRouter, AnUpstreamDyingMidLoadIsInvisibleToCallsNotYetStreaming) {
  auto a = std::make_unique<MockUpstream>([](MockConnection& c, const MockRequest& r) { answer(c, r); });
  MockUpstream b([](MockConnection& c, const MockRequest& r) { answer(c, r); });
  Config config;
  config.routing.deployments = {upstream("a", a->base_url()), upstream("b", b.base_url())};
  config.routing.health_interval_ms = 0;
  auto router = build_model_router(config, {});
  ASSERT_TRUE(router.has_value());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(chat(**router).first, "hi");
  EXPECT_GT(a->requests(), 0);
  a.reset();  // the upstream goes away (its pooled connections die with it)
  for (int i = 0; i < 40; ++i) {
    auto [text, error] = chat(**router);
    EXPECT_FALSE(error.has_value()) << error->message;
    EXPECT_EQ(text, "hi");
  }
}

}  // namespace
}  // namespace sovra::routing

namespace sovra::routing {
namespace {

// `tokenizer` on an upstream deployment: its calls are counted with that file's tokenizer and template when the
// upstream reports no usage; a file that cannot be read stops the build with the deployment's name and the path.
TEST(BuildRouter, AnUpstreamsTokenizerCountsItsCalls) {
  const auto path = std::filesystem::path(SOVRA_SHARED_DIR) / "models" / "stories260K-chat.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent (../shared)";
  MockUpstream mock([](MockConnection& c, const MockRequest&) {
    c.write(test::sse_head() + test::sse_event(test::chat_chunk("Once upon a time", "stop")) +
            test::sse_event("[DONE]") + test::chunked_end());
  });
  Config config;
  config.routing.deployments = {upstream("counted", mock.base_url())};
  config.routing.deployments[0].tokenizer = path.string();
  auto router = build_model_router(config, {}, {.active_health_checks = false});
  ASSERT_TRUE(router.has_value()) << router.error().message;
  auto route = (*router)->route({.model = "m"});
  ASSERT_TRUE(route.has_value());
  api::ChatRequest request{.model = "m"};
  request.messages.push_back({.role = api::Role::kUser, .content = "Hi", .has_content = true});
  auto count = route->backend->count_chat_tokens(request);
  ASSERT_TRUE(count.has_value());
  EXPECT_TRUE(count->exact);

  auto vocab = ModelVocabulary::open("m", path);
  ASSERT_TRUE(vocab.has_value());
  auto prompt = (*vocab)->chat_prompt_tokens(request, false);
  ASSERT_TRUE(prompt.has_value());
  EXPECT_EQ(count->tokens, static_cast<std::int64_t>(prompt->size()));

  config.routing.deployments[0].tokenizer = "/nonexistent/tokenizer.gguf";
  auto bad = build_model_router(config, {}, {.active_health_checks = false});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("deployment 'counted'"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("/nonexistent/tokenizer.gguf"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace sovra::routing
