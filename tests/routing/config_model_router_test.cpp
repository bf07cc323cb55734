#include "routing/config_model_router.hpp"

#include <gtest/gtest.h>

#include <map>

#include "support/scripted_backend.hpp"

namespace sovra::routing {
namespace {

using testing::ScriptedBackend;

struct FakeClock {
  Clock::time_point t = Clock::time_point{} + std::chrono::hours(1);
  void advance(std::int64_t ms) { t += std::chrono::milliseconds(ms); }
};

api::ChatEvent finished(std::optional<Error> error = std::nullopt) {
  api::ChatEvent e;
  e.kind = api::ChatEvent::Kind::kFinished;
  e.error = std::move(error);
  return e;
}

Deployment deployment(std::string name, std::string model, std::shared_ptr<InferenceBackend> backend,
                      std::int64_t weight = 1, std::string region = "se-sto-1", std::string jurisdiction = "SE",
                      std::vector<std::string> zones = {"EU"}) {
  return Deployment{.info = {.name = std::move(name), .model = std::move(model), .region = std::move(region),
                             .jurisdiction = std::move(jurisdiction), .zones = std::move(zones), .local = false},
                    .backend = std::move(backend),
                    .weight = weight};
}

// Starts one chat call on the route; returns the route's deployment name.
std::string call(const ConfigModelRouter& router, const RouteQuery& q) {
  auto r = router.route(q);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  if (!r) return "";
  auto started = r->backend->start_chat(api::ChatRequest{.model = q.model}, [](api::ChatEvent&&) {});
  EXPECT_TRUE(started.has_value());
  return r->deployment.name;
}

TEST(ConfigModelRouter, UnknownModelIs404WithModelNotFound) {
  auto b = std::make_shared<ScriptedBackend>();
  ConfigModelRouter router({deployment("a", "m", b)}, {});
  auto r = router.route({.model = "nope"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status(), 404);
  EXPECT_EQ(r.error().api_code, "model_not_found");
}

TEST(ConfigModelRouter, AliasResolvesToTheModelAndIsListed) {
  auto b = std::make_shared<ScriptedBackend>();
  ConfigModelRouter router({deployment("a", "qwen", b)}, {.aliases = {{"gpt-4o", "qwen"}}});
  auto r = router.route({.model = "gpt-4o"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->deployment.model, "qwen");
  std::vector<std::string> ids;
  for (const auto& m : router.models()) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"gpt-4o", "qwen"}));
}

TEST(ConfigModelRouter, ResidencyNeverRoutesOutsideAndRefusesWith403) {
  auto b = std::make_shared<ScriptedBackend>();
  ConfigModelRouter router({deployment("us", "m", b, 1, "us-east-1", "US", {}),
                            deployment("se", "m", b, 1, "se-sto-1", "SE", {"EU", "EEA"})},
                           {});
  for (int i = 0; i < 50; ++i) {
    auto r = router.route({.model = "m", .constraints = {.allowed_jurisdictions = {"EU"}}});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->deployment.name, "se");
  }
  auto by_region = router.route({.model = "m", .constraints = {.allowed_regions = {"us-east-1"}}});
  ASSERT_TRUE(by_region.has_value());
  EXPECT_EQ(by_region->deployment.name, "us");
  auto none = router.route({.model = "m", .constraints = {.allowed_jurisdictions = {"CH"}}});
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().status(), 403);
  EXPECT_NE(none.error().message.find("jurisdictions [CH]"), std::string::npos) << none.error().message;
}

TEST(ConfigModelRouter, ResidencyAppliesToFallbacksToo) {
  auto b = std::make_shared<ScriptedBackend>();
  b->manual = true;
  ConfigModelRouter router({deployment("a", "m", b, 1, "se-sto-1", "SE", {"EU"}),
                            deployment("b", "other", b, 1, "us-east-1", "US", {})},
                           {.fallbacks = {{"m", {"other"}}}});
  router.set_healthy("a", false);
  auto r = router.route({.model = "m", .constraints = {.allowed_jurisdictions = {"EU"}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status(), 503);  // inside the constraints there is a deployment, but it is down
  auto unconstrained = router.route({.model = "m"});
  ASSERT_TRUE(unconstrained.has_value());
  EXPECT_EQ(unconstrained->deployment.name, "b");
}

TEST(ConfigModelRouter, FallbacksInOrderWhenTheModelIsUnavailable) {
  auto b = std::make_shared<ScriptedBackend>();
  ConfigModelRouter router({deployment("a", "m", b), deployment("f1", "first", b), deployment("f2", "second", b)},
                           {.fallbacks = {{"m", {"first", "second"}}}});
  EXPECT_EQ(router.route({.model = "m"})->deployment.name, "a");
  router.set_healthy("a", false);
  EXPECT_EQ(router.route({.model = "m"})->deployment.name, "f1");
  router.set_healthy("f1", false);
  EXPECT_EQ(router.route({.model = "m"})->deployment.name, "f2");
  router.set_healthy("f2", false);
  EXPECT_EQ(router.route({.model = "m"}).error().status(), 503);
  router.set_healthy("a", true);
  EXPECT_EQ(router.route({.model = "m"})->deployment.name, "a");
}

TEST(ConfigModelRouter, PowerOfTwoChoicesSpreadsOutstandingCallsByWeight) {
  auto heavy = std::make_shared<ScriptedBackend>();
  auto light = std::make_shared<ScriptedBackend>();
  heavy->manual = light->manual = true;  // calls stay outstanding
  ConfigModelRouter router({deployment("heavy", "m", heavy, 3), deployment("light", "m", light, 1)}, {});
  std::map<std::string, int> counts;
  for (int i = 0; i < 400; ++i) ++counts[call(router, {.model = "m"})];
  EXPECT_NEAR(counts["heavy"], 300, 12);
  EXPECT_NEAR(counts["light"], 100, 12);
  for (const auto& s : router.states()) EXPECT_EQ(s.outstanding, counts[s.name]);
}

TEST(ConfigModelRouter, LeastOutstandingAvoidsTheBusyDeployment) {
  auto a = std::make_shared<ScriptedBackend>();
  auto b = std::make_shared<ScriptedBackend>();
  a->manual = true;  // a's calls never finish; b's finish at once
  b->chat_script = {finished()};
  ConfigModelRouter router({deployment("a", "m", a), deployment("b", "m", b)}, {});
  std::map<std::string, int> counts;
  for (int i = 0; i < 200; ++i) ++counts[call(router, {.model = "m"})];
  EXPECT_LE(counts["a"], 3);  // with 2 candidates both are compared each time: a is chosen only while idle
  EXPECT_GE(counts["b"], 197);
}

TEST(ConfigModelRouter, MaxConcurrencyIsRespected) {
  auto a = std::make_shared<ScriptedBackend>();
  a->manual = true;
  auto d = deployment("a", "m", a);
  d.max_concurrency = 2;
  ConfigModelRouter router({d}, {});
  call(router, {.model = "m"});
  call(router, {.model = "m"});
  auto r = router.route({.model = "m"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status(), 503);
  a->release_all();  // nothing scripted: still outstanding
}

TEST(ConfigModelRouter, AffinityKeyKeepsItsDeployment) {
  auto b = std::make_shared<ScriptedBackend>();
  b->chat_script = {finished()};
  ConfigModelRouter router({deployment("a", "m", b), deployment("b", "m", b), deployment("c", "m", b)}, {});
  std::map<std::string, std::set<std::string>> seen;
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 30; ++k) {
      const auto key = "conversation-" + std::to_string(k);
      seen[key].insert(call(router, {.model = "m", .affinity_key = key}));
    }
  }
  std::set<std::string> used;
  for (const auto& [key, names] : seen) {
    EXPECT_EQ(names.size(), 1u) << key;
    used.insert(*names.begin());
  }
  EXPECT_EQ(used.size(), 3u);  // keys spread over all deployments
  // The key's deployment going down moves the key, and only while it is down.
  const auto home = *seen["conversation-0"].begin();
  router.set_healthy(home, false);
  EXPECT_NE(call(router, {.model = "m", .affinity_key = "conversation-0"}), home);
  router.set_healthy(home, true);
  EXPECT_EQ(call(router, {.model = "m", .affinity_key = "conversation-0"}), home);
}

TEST(ConfigModelRouter, BreakerOpensAfterConsecutiveFailuresAndHalfOpensAfterTheOpenTime) {
  FakeClock clock;
  auto bad = std::make_shared<ScriptedBackend>();
  bad->chat_script = {finished(Error::unavailable("upstream down"))};
  ConfigModelRouter router({deployment("a", "m", bad)},
                           {.health = {.breaker_failures = 3, .breaker_open_ms = 1000, .outlier_min_requests = 1000},
                            .now = [&] { return clock.t; }});
  for (int i = 0; i < 3; ++i) call(router, {.model = "m"});
  EXPECT_EQ(router.states()[0].breaker, DeploymentHealth::Breaker::kOpen);
  EXPECT_EQ(router.route({.model = "m"}).error().status(), 503);
  clock.advance(1000);
  EXPECT_EQ(router.states()[0].breaker, DeploymentHealth::Breaker::kHalfOpen);
  // One trial: taken, then no second call until it reports.
  auto trial = router.route({.model = "m"});
  ASSERT_TRUE(trial.has_value());
  EXPECT_FALSE(router.route({.model = "m"}).has_value());
  // The trial fails: open again.
  ASSERT_TRUE(trial->backend->start_chat({}, [](api::ChatEvent&&) {}).has_value());
  EXPECT_EQ(router.states()[0].breaker, DeploymentHealth::Breaker::kOpen);
  clock.advance(1000);
  // The next trial succeeds: closed.
  bad->chat_script = {finished()};
  call(router, {.model = "m"});
  EXPECT_EQ(router.states()[0].breaker, DeploymentHealth::Breaker::kClosed);
  EXPECT_TRUE(router.route({.model = "m"}).has_value());
}

TEST(ConfigModelRouter, ClientErrorsDoNotOpenTheBreaker) {
  auto b = std::make_shared<ScriptedBackend>();
  b->chat_script = {finished(Error::invalid("prompt too long", "messages"))};
  ConfigModelRouter router({deployment("a", "m", b)}, {.health = {.breaker_failures = 2}});
  for (int i = 0; i < 10; ++i) call(router, {.model = "m"});
  EXPECT_EQ(router.states()[0].breaker, DeploymentHealth::Breaker::kClosed);
}

TEST(ConfigModelRouter, OutlierIsEjectedButNeverTheLastDeployment) {
  FakeClock clock;
  auto good = std::make_shared<ScriptedBackend>();
  auto flaky = std::make_shared<ScriptedBackend>();
  good->chat_script = {finished()};
  flaky->chat_script = {finished(Error::io("connection reset"))};
  ConfigModelRouter router(
      {deployment("good", "m", good), deployment("flaky", "m", flaky)},
      {.health = {.breaker_failures = 1000, .outlier_min_requests = 4, .outlier_failure_percent = 50,
                  .outlier_ejection_ms = 5000},
       .max_ejection_percent = 50,
       .now = [&] { return clock.t; }});
  // Call the flaky one directly until its window ejects it.
  for (int i = 0; i < 4; ++i) {
    auto r = router.route({.model = "m"});
    ASSERT_TRUE(r.has_value());
    if (r->deployment.name != "flaky") {
      --i;
      ASSERT_TRUE(r->backend->start_chat({}, [](api::ChatEvent&&) {}).has_value());
      continue;
    }
    ASSERT_TRUE(r->backend->start_chat({}, [](api::ChatEvent&&) {}).has_value());
  }
  auto s = router.states();
  EXPECT_TRUE(s[1].ejected);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(call(router, {.model = "m"}), "good");
  clock.advance(5000);
  EXPECT_FALSE(router.states()[1].ejected);

  // The only deployment of a model is never ejected (max_ejection_percent keeps one).
  ConfigModelRouter single({deployment("only", "m", flaky)},
                           {.health = {.breaker_failures = 1000, .outlier_min_requests = 2},
                            .now = [&] { return clock.t; }});
  for (int i = 0; i < 10; ++i) call(single, {.model = "m"});
  EXPECT_FALSE(single.states()[0].ejected);
}

TEST(ConfigModelRouter, OutstandingEndsWithTheCallAndWhenStartRefuses) {
  auto b = std::make_shared<ScriptedBackend>();
  b->manual = true;
  b->chat_script = {finished()};
  ConfigModelRouter router({deployment("a", "m", b)}, {});
  call(router, {.model = "m"});
  EXPECT_EQ(router.states()[0].outstanding, 1);
  b->release_all();
  EXPECT_EQ(router.states()[0].outstanding, 0);
  b->refuse = Error::invalid("bad");
  auto r = router.route({.model = "m"});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->backend->start_chat({}, [](api::ChatEvent&&) {}).has_value());
  EXPECT_EQ(router.states()[0].outstanding, 0);
}

}  // namespace
}  // namespace sovra::routing

namespace sovra::routing {
namespace {

api::ChatEvent delta(std::string text) {
  api::ChatEvent e;
  e.delta.content = std::move(text);
  return e;
}

struct Outcome {
  std::string text;
  std::optional<Error> error;
  int finished = 0;
};

Outcome run_call(const ConfigModelRouter& router, bool stream = true) {
  Outcome out;
  auto r = router.route({.model = "m"});
  if (!r) {
    out.error = r.error();
    return out;
  }
  api::ChatRequest request{.model = "m"};
  request.stream = stream;
  auto started = r->backend->start_chat(std::move(request), [&](api::ChatEvent&& e) {
    if (e.kind == api::ChatEvent::Kind::kDelta) out.text += e.delta.content.value_or("");
    if (e.kind == api::ChatEvent::Kind::kFinished) {
      ++out.finished;
      out.error = e.error;
    }
  });
  if (!started) out.error = started.error();
  return out;
}

TEST(ConfigModelRouter, FailsOverToAnotherDeploymentBeforeTheFirstDelta) {
  auto refusing = std::make_shared<testing::ScriptedBackend>();
  refusing->refuse = Error::unavailable("overloaded");
  auto dropping = std::make_shared<testing::ScriptedBackend>();
  dropping->chat_script = {finished(Error::io("cannot connect to upstream"))};
  auto up = std::make_shared<testing::ScriptedBackend>();
  up->chat_script = {delta("ok"), finished()};
  ConfigModelRouter router({deployment("refusing", "m", refusing), deployment("dropping", "m", dropping),
                            deployment("up", "m", up)},
                           {.health = {.breaker_failures = 1000, .outlier_min_requests = 1000}});
  for (int i = 0; i < 60; ++i) {
    auto out = run_call(router);
    EXPECT_FALSE(out.error.has_value()) << out.error->message;
    EXPECT_EQ(out.text, "ok");
    EXPECT_EQ(out.finished, 1);
  }
  EXPECT_EQ(up->chat_requests.size(), 60u);
  EXPECT_GT(dropping->chat_requests.size(), 0u);  // it was tried, and its failure stayed invisible
  for (const auto& s : router.states()) EXPECT_EQ(s.outstanding, 0) << s.name;
}

TEST(ConfigModelRouter, NoFailoverOnceADeltaWasStreamedNorForClientErrors) {
  auto broken = std::make_shared<testing::ScriptedBackend>();
  broken->chat_script = {delta("par"), finished(Error::io("upstream broke off the response"))};
  auto up = std::make_shared<testing::ScriptedBackend>();
  up->chat_script = {delta("ok"), finished()};
  ConfigModelRouter router({deployment("broken", "m", broken, 1000), deployment("up", "m", up, 1)},
                           {.health = {.breaker_failures = 1000, .outlier_min_requests = 1000}});
  int broken_calls = 0;
  for (int i = 0; i < 20; ++i) {
    const auto before = up->chat_requests.size();
    auto out = run_call(router);
    if (up->chat_requests.size() > before) continue;  // routed to `up` in the first place
    ++broken_calls;
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.text, "par");
    EXPECT_EQ(out.finished, 1);
  }
  EXPECT_GT(broken_calls, 10);

  // A client that did not ask for a stream has seen nothing yet: its call fails over even after a delta, and the
  // failed attempt's deltas are dropped.
  const auto up_before = up->chat_requests.size();
  for (int i = 0; i < 20; ++i) {
    auto out = run_call(router, /*stream=*/false);
    EXPECT_FALSE(out.error.has_value()) << out.error->message;
    EXPECT_EQ(out.text, "ok");
    EXPECT_EQ(out.finished, 1);
  }
  EXPECT_EQ(up->chat_requests.size(), up_before + 20);

  auto invalid = std::make_shared<testing::ScriptedBackend>();
  invalid->chat_script = {finished(Error::invalid("prompt too long", "messages"))};
  ConfigModelRouter only_invalid({deployment("a", "m", invalid), deployment("b", "m", invalid)}, {});
  auto out = run_call(only_invalid);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(out.error->status(), 400);
  EXPECT_EQ(invalid->chat_requests.size(), 1u);
}

TEST(ConfigModelRouter, CancelReachesTheCurrentDeployment) {
  auto b = std::make_shared<testing::ScriptedBackend>();
  b->manual = true;
  ConfigModelRouter router({deployment("a", "m", b)}, {});
  auto r = router.route({.model = "m"});
  ASSERT_TRUE(r.has_value());
  auto id = r->backend->start_chat({}, [](api::ChatEvent&&) {});
  ASSERT_TRUE(id.has_value());
  r->backend->cancel(*id);
  r->backend->cancel(999);  // unknown: ignored
  ASSERT_EQ(b->cancelled.size(), 1u);
}

}  // namespace
}  // namespace sovra::routing
