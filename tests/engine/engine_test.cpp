// The in-process engine end to end on stories260K: streaming, usage, prefix caching, cancellation,
// back-pressure, shutdown and a 200-request stress with random cancellations (also run under TSan).
#include "engine/engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "observability/metrics.hpp"
#include "tokenizer/load.hpp"

namespace sovra::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kStories = fs::path(SOVRA_SHARED_DIR) / "models" / "stories260K.gguf";

// Everything one request received, filled on the engine thread.
struct Record {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<GenerationEvent> events;
  int finished = 0;

  EventSink sink() {
    return [this](GenerationEvent&& e) {
      std::lock_guard lock(mu);
      if (e.kind == GenerationEvent::Kind::kFinished) ++finished;
      events.push_back(std::move(e));
      cv.notify_all();
    };
  }
  bool wait(std::chrono::seconds timeout = 120s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return finished > 0; });
  }
  const GenerationEvent& last() { return events.back(); }
  std::string text() {
    std::string s;
    for (const auto& e : events) s += e.kind == GenerationEvent::Kind::kToken ? e.text : e.text_tail;
    return s;
  }
  std::vector<TokenId> tokens() {
    std::vector<TokenId> t;
    for (const auto& e : events) {
      if (e.kind == GenerationEvent::Kind::kToken) t.push_back(e.token);
    }
    return t;
  }
};

struct Loaded {
  std::shared_ptr<const model::Model> model;
  std::shared_ptr<const tokenizer::Tokenizer> tok;
};

Loaded load() {
  auto m = model::Model::load(kStories);
  EXPECT_TRUE(m.has_value());
  auto t = tokenizer::load_from_gguf((*m)->gguf());
  EXPECT_TRUE(t.has_value());
  return {std::shared_ptr<const model::Model>(std::move(*m)),
          std::shared_ptr<const tokenizer::Tokenizer>(std::move(*t))};
}

std::unique_ptr<Engine> make_engine(const Loaded& l, EngineOptions o) {
  auto e = Engine::create(l.model, l.tok, std::move(o));
  EXPECT_TRUE(e.has_value()) << (e ? "" : e.error().message);
  return std::move(*e);
}

GenerationRequest greedy(std::string prompt, std::int32_t max_tokens) {
  GenerationRequest r;
  r.prompt_text = std::move(prompt);
  r.sampling.temperature = 0.0f;
  r.max_tokens = max_tokens;
  r.ignore_eos = true;
  return r;
}

// Waits until the engine has nothing in flight and every block is back (cached-idle blocks count as free).
bool wait_drained(Engine& e, std::chrono::seconds timeout = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const EngineStats s = e.stats();
    if (s.active_requests == 0 && s.kv_blocks_used == 0 && s.running == 0 && s.waiting == 0) return true;
    std::this_thread::yield();
  }
  return false;
}

#define REQUIRE_STORIES() \
  if (!fs::exists(kStories)) GTEST_SKIP() << kStories << " is absent (needs ../shared/models)"

TEST(Engine, StreamsTokensAndTextThenOneFinishedEventWithUsage) {
  REQUIRE_STORIES();
  const Loaded l = load();
  auto engine = make_engine(l, {.model_name = "test-stream", .kv_budget_bytes = 8 << 20, .max_seq_len = 256});
  Record rec;
  GenerationRequest req = greedy("Once upon a time", 24);
  req.sampling.logprobs = true;
  req.sampling.top_logprobs = 3;
  auto id = engine->submit(std::move(req), rec.sink());
  ASSERT_TRUE(id.has_value()) << id.error().message;
  ASSERT_TRUE(rec.wait());
  std::lock_guard lock(rec.mu);
  ASSERT_EQ(rec.finished, 1);
  const GenerationEvent& fin = rec.last();
  EXPECT_EQ(fin.finish, FinishReason::kLength);
  const auto prompt = l.tok->encode("Once upon a time", l.tok->add_bos());
  EXPECT_EQ(fin.usage.prompt_tokens, static_cast<std::int32_t>(prompt.size()));
  EXPECT_EQ(fin.usage.completion_tokens, 24);
  EXPECT_EQ(fin.usage.computed_tokens, static_cast<std::int64_t>(prompt.size()) + 23);
  EXPECT_GT(fin.usage.first_token_seconds, 0.0);
  EXPECT_GE(fin.usage.total_seconds, fin.usage.first_token_seconds);
  const auto tokens = rec.tokens();
  ASSERT_EQ(tokens.size(), 24u);
  std::string pieces;
  for (TokenId t : tokens) pieces += l.tok->token_to_piece(t);
  EXPECT_EQ(rec.text(), pieces);
  for (const auto& e : rec.events) {
    if (e.kind != GenerationEvent::Kind::kToken) continue;
    ASSERT_TRUE(e.logprobs.has_value());
    EXPECT_LE(e.logprobs->logprob, 0.0f);
    ASSERT_EQ(e.logprobs->top.size(), 3u);
    EXPECT_EQ(e.logprobs->top[0].token, e.token);  // greedy picks the most likely
  }
  // The same request alone through a Context gives the same greedy tokens.
  model::Context ctx(*l.model, {.n_ctx = 256, .n_threads = 1});
  std::vector<TokenId> ref;
  auto logits = ctx.eval(prompt);
  for (int i = 0; i < 24; ++i) {
    ASSERT_TRUE(logits.has_value());
    const auto best = static_cast<TokenId>(std::max_element(logits->begin(), logits->end()) - logits->begin());
    ref.push_back(best);
    logits = ctx.eval(std::span<const TokenId>(&ref.back(), 1));
  }
  EXPECT_EQ(tokens, ref);
}

TEST(Engine, RefusesBadRequestsAtSubmit) {
  REQUIRE_STORIES();
  const Loaded l = load();
  auto engine = make_engine(l, {.model_name = "test-bad", .kv_budget_bytes = 8 << 20, .max_seq_len = 128});
  Record rec;
  GenerationRequest oov = greedy("x", 4);
  oov.prompt_tokens = {1, 100000};
  const auto r1 = engine->submit(oov, rec.sink());
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().param, "prompt");
  const auto r2 = engine->submit(greedy("hello", 500), rec.sink());
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().param, "max_tokens");
  GenerationRequest bad_temp = greedy("hello", 4);
  bad_temp.sampling.temperature = -1.0f;
  EXPECT_FALSE(engine->submit(bad_temp, rec.sink()).has_value());
  EXPECT_FALSE(engine->submit(greedy("hello", 4), nullptr).has_value());
  EXPECT_TRUE(rec.events.empty());
  // A budget too small for one request of max_seq_len is refused at creation.
  EXPECT_FALSE(Engine::create(l.model, l.tok, {.kv_budget_bytes = 1024, .max_seq_len = 128}).has_value());
}

TEST(Engine, StopStringsEndTheRequestAndAreNotSent) {
  REQUIRE_STORIES();
  const Loaded l = load();
  auto engine = make_engine(l, {.model_name = "test-stop", .kv_budget_bytes = 8 << 20, .max_seq_len = 256});
  Record full;
  ASSERT_TRUE(engine->submit(greedy("Once upon a time", 40), full.sink()).has_value());
  ASSERT_TRUE(full.wait());
  const std::string text = full.text();
  ASSERT_GT(text.size(), 12u);
  const std::string stop = text.substr(8, 4);
  Record cut;
  GenerationRequest req = greedy("Once upon a time", 40);
  req.stop = {stop};
  ASSERT_TRUE(engine->submit(req, cut.sink()).has_value());
  ASSERT_TRUE(cut.wait());
  EXPECT_EQ(cut.last().finish, FinishReason::kStop);
  EXPECT_EQ(cut.text(), text.substr(0, text.find(stop)));
  EXPECT_LT(cut.last().usage.completion_tokens, 40);
  EXPECT_TRUE(wait_drained(*engine));
}

TEST(Engine, SharedLongPrefixSkipsItsPrefill) {
  REQUIRE_STORIES();
  const Loaded l = load();
  auto engine = make_engine(l, {.model_name = "test-prefix", .kv_budget_bytes = 32 << 20, .max_seq_len = 1024});
  std::mt19937 rng(3);
  std::vector<TokenId> prefix{l.tok->bos_id()};
  while (prefix.size() < 500) prefix.push_back(static_cast<TokenId>(10 + rng() % 400));
  auto with_suffix = [&](TokenId a) {
    GenerationRequest r = greedy("", 4);
    r.prompt_tokens = prefix;
    r.prompt_tokens.push_back(a);
    r.prompt_tokens.push_back(a + 1);
    return r;
  };
  Record first, second;
  ASSERT_TRUE(engine->submit(with_suffix(20), first.sink()).has_value());
  ASSERT_TRUE(first.wait());
  const EngineStats before = engine->stats();
  ASSERT_TRUE(engine->submit(with_suffix(30), second.sink()).has_value());
  ASSERT_TRUE(second.wait());
  const Usage& u1 = first.last().usage;
  const Usage& u2 = second.last().usage;
  EXPECT_EQ(u1.cached_prompt_tokens, 0);
  EXPECT_EQ(u2.prompt_tokens, 502);
  EXPECT_EQ(u2.cached_prompt_tokens, 496);  // 31 full blocks of 16
  EXPECT_EQ(u1.computed_tokens, 502 + 3);
  EXPECT_EQ(u2.computed_tokens, 502 - 496 + 3);  // only the uncached tail of the prompt ran
  EXPECT_TRUE(wait_drained(*engine));
  const EngineStats after = engine->stats();
  EXPECT_GE(after.prefix_hits - before.prefix_hits, 31u);
  const std::string metrics = observability::render_metrics_text();
  EXPECT_NE(metrics.find("sovra_engine_prefix_cache_hit_rate{model=\"test-prefix\"}"), std::string::npos);
  EXPECT_NE(metrics.find("sovra_engine_cached_prompt_tokens_total{model=\"test-prefix\"} 496"), std::string::npos)
      << metrics;
  std::printf("prefix cache: first request TTFT %.1f ms, second %.1f ms\n", u1.first_token_seconds * 1e3,
              u2.first_token_seconds * 1e3);
}

TEST(Engine, CancelStopsARequestAndFreesItsBlocks) {
  REQUIRE_STORIES();
  const Loaded l = load();
  auto engine = make_engine(l, {.model_name = "test-cancel", .kv_budget_bytes = 8 << 20, .max_seq_len = 512});
  auto rec = std::make_shared<Record>();
  std::atomic<RequestId> id{0};
  Engine* e = engine.get();
  // Cancel from inside the sink after the third token (allowed by the contract).
  auto inner = rec->sink();
  int seen = 0;
  auto sink = [&, inner](GenerationEvent&& ev) mutable {
    if (ev.kind == GenerationEvent::Kind::kToken && ++seen == 3) {
      // The engine thread can get here before submit() has returned the id to the test thread: wait for it.
      while (id.load() == 0) std::this_thread::yield();
      e->cancel(id.load());
    }
    inner(std::move(ev));
  };
  GenerationRequest req = greedy("Once upon a time", 400);
  auto r = engine->submit(std::move(req), sink);
  ASSERT_TRUE(r.has_value());
  id = *r;
  ASSERT_TRUE(rec->wait());
  std::lock_guard lock(rec->mu);
  EXPECT_EQ(rec->last().finish, FinishReason::kCancelled);
  EXPECT_GE(rec->last().usage.completion_tokens, 3);
  EXPECT_LE(rec->last().usage.completion_tokens, 5);  // stopped within a step or two
  EXPECT_TRUE(wait_drained(*engine));
  engine->cancel(*r);  // finished: no effect
  engine->cancel(12345);
}

TEST(Engine, FullQueueRefusesWithOverloaded) {
  REQUIRE_STORIES();
  const Loaded l = load();
  auto engine = make_engine(l, {.model_name = "test-overload",
                                .kv_budget_bytes = 8 << 20,
                                .max_num_seqs = 1,
                                .max_waiting = 4,
                                .max_seq_len = 256});
  std::vector<std::unique_ptr<Record>> accepted;
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto rec = std::make_unique<Record>();
    auto r = engine->submit(greedy("Once upon a time", 60), rec->sink());
    if (r.has_value()) {
      accepted.push_back(std::move(rec));
    } else {
      EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
      EXPECT_EQ(r.error().status(), 503);
      EXPECT_EQ(r.error().message.rfind("overloaded", 0), 0u) << r.error().message;
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_LE(accepted.size(), 10u);
  for (auto& rec : accepted) {
    ASSERT_TRUE(rec->wait());
    std::lock_guard lock(rec->mu);
    EXPECT_EQ(rec->finished, 1);
  }
  EXPECT_NE(observability::render_metrics_text().find("sovra_engine_requests_rejected_total{model=\"test-overload\"}"),
            std::string::npos);
}

TEST(Engine, DestroyingTheEngineCancelsOutstandingRequests) {
  REQUIRE_STORIES();
  const Loaded l = load();
  std::vector<std::unique_ptr<Record>> recs;
  {
    auto engine = make_engine(l, {.model_name = "test-shutdown", .kv_budget_bytes = 8 << 20, .max_seq_len = 512});
    for (int i = 0; i < 6; ++i) {
      recs.push_back(std::make_unique<Record>());
      ASSERT_TRUE(engine->submit(greedy("Once upon a time", 400), recs.back()->sink()).has_value());
    }
  }
  for (auto& rec : recs) {
    std::lock_guard lock(rec->mu);
    ASSERT_EQ(rec->finished, 1);
    EXPECT_EQ(rec->last().finish, FinishReason::kCancelled);
  }
}

TEST(Engine, StressTwoHundredConcurrentRequestsWithRandomCancellations) {
  REQUIRE_STORIES();
  const Loaded l = load();
  // A small pool forces preemption; prefixes overlap so the prefix cache is exercised too.
  auto engine = make_engine(l, {.model_name = "test-stress",
                                .kv_budget_bytes = 1 << 20,
                                .block_size = 8,
                                .max_num_seqs = 32,
                                .max_batched_tokens = 128,
                                .max_waiting = 400,
                                .max_seq_len = 96,
                                .n_threads = 2});
  constexpr int kRequests = 200;
  std::vector<std::unique_ptr<Record>> recs(kRequests);
  std::vector<RequestId> ids(kRequests, 0);
  std::vector<std::thread> submitters;
  std::mutex ids_mu;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&, t] {
      std::mt19937 rng(static_cast<std::uint32_t>(t));
      for (int i = t; i < kRequests; i += 4) {
        recs[static_cast<std::size_t>(i)] = std::make_unique<Record>();
        GenerationRequest r =
            greedy(i % 3 == 0 ? "Once upon a time" : "The little dog", 1 + static_cast<int>(rng() % 60));
        r.sampling.temperature = (i % 2 == 0) ? 0.0f : 0.8f;
        r.sampling.seed = static_cast<std::uint64_t>(i);
        auto id = engine->submit(std::move(r), recs[static_cast<std::size_t>(i)]->sink());
        ASSERT_TRUE(id.has_value()) << id.error().message;
        {
          std::lock_guard lock(ids_mu);
          ids[static_cast<std::size_t>(i)] = *id;
        }
        if (rng() % 3 == 0) {
          if (rng() % 2 == 0) std::this_thread::yield();
          engine->cancel(*id);
        }
      }
    });
  }
  for (auto& th : submitters) th.join();
  int cancelled = 0;
  for (auto& rec : recs) {
    ASSERT_TRUE(rec->wait(300s));
    std::lock_guard lock(rec->mu);
    EXPECT_EQ(rec->finished, 1);
    EXPECT_EQ(rec->events.back().kind, GenerationEvent::Kind::kFinished);
    EXPECT_NE(rec->events.back().finish, FinishReason::kError);
    if (rec->events.back().finish == FinishReason::kCancelled) ++cancelled;
  }
  EXPECT_GT(cancelled, 0);
  ASSERT_TRUE(wait_drained(*engine));
  const EngineStats s = engine->stats();
  EXPECT_EQ(s.kv_blocks_used, 0);
  EXPECT_EQ(s.active_requests, 0u);
  const std::string metrics = observability::render_metrics_text();
  for (const char* line :
       {"sovra_engine_kv_blocks_used{model=\"test-stress\"} 0\n", "sovra_engine_queue_depth{model=\"test-stress\"} 0\n",
        "sovra_engine_running_sequences{model=\"test-stress\"} 0\n"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line;
  }
  EXPECT_NE(metrics.find("sovra_engine_preemptions_total{model=\"test-stress\"}"), std::string::npos);
  EXPECT_EQ(metrics.find("sovra_engine_generated_tokens_total{model=\"test-stress\"} 0\n"), std::string::npos);
  std::printf("stress: %d of %d cancelled, %llu preemptions, %llu steps\n", cancelled, kRequests,
              static_cast<unsigned long long>(s.preemptions), static_cast<unsigned long long>(s.steps));
}

}  // namespace
}  // namespace sovra::engine
