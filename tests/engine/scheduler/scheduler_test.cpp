#include "engine/scheduler/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <vector>

#include "fake_runner.hpp"

namespace sovra::engine {
namespace {

using testing::FakeRunner;

std::vector<TokenId> prompt_of(std::int32_t n, TokenId first = 1) {
  std::vector<TokenId> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), first);
  return p;
}

SequenceParams params(std::vector<TokenId> prompt, std::int32_t max_tokens, TokenId eos = -1) {
  SequenceParams p;
  p.prompt = std::move(prompt);
  p.max_tokens = max_tokens;
  p.eos_id = eos;
  return p;
}

struct Outcome {
  std::vector<TokenId> tokens;
  FinishReason finish = FinishReason::kNone;
  SequenceEvent last;
};

// Steps until nothing is left (or max_steps), collecting every sequence's tokens.
std::map<SeqId, Outcome> drain(Scheduler& s, FakeRunner& r, int max_steps = 10000) {
  std::map<SeqId, Outcome> res;
  for (int i = 0; i < max_steps && s.has_work(); ++i) {
    const SchedulerOutput out = s.schedule();
    EXPECT_LE(out.num_tokens, s.config().max_batched_tokens);
    const RunnerOutput ro = out.empty() ? RunnerOutput{} : r.execute(out);
    for (const auto& ev : s.update(out, ro).events) {
      auto& o = res[ev.id];
      if (ev.sample) o.tokens.push_back(ev.sample->token);
      if (ev.finish != FinishReason::kNone) o.finish = ev.finish;
      o.last = ev;
    }
  }
  EXPECT_FALSE(s.has_work()) << "did not finish within " << max_steps << " steps";
  return res;
}

std::map<SeqId, Outcome> run_alone(SchedulerConfig cfg, const std::vector<TokenId>& prompt, std::int32_t max_tokens) {
  Scheduler s(cfg);
  FakeRunner r(cfg.block_size);
  EXPECT_TRUE(s.add(1, params(prompt, max_tokens)).has_value());
  return drain(s, r);
}

TEST(Scheduler, NewRequestsJoinTheRunningBatchAtTheNextStep) {
  Scheduler s({.block_size = 4, .n_blocks = 64, .max_batched_tokens = 64});
  FakeRunner r(4);
  ASSERT_TRUE(s.add(1, params(prompt_of(5), 4)).has_value());
  auto out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 1u);
  EXPECT_EQ(out.sequences[0].tokens.size(), 5u);
  EXPECT_TRUE(out.sequences[0].sample);
  auto up = s.update(out, r.execute(out));
  ASSERT_EQ(up.events.size(), 1u);
  ASSERT_TRUE(up.events[0].sample.has_value());

  ASSERT_TRUE(s.add(2, params(prompt_of(7, 50), 4)).has_value());
  out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 2u);
  EXPECT_EQ(out.sequences[0].id, 1u);  // decode of the running one
  EXPECT_EQ(out.sequences[0].tokens.size(), 1u);
  EXPECT_EQ(out.sequences[0].pos0, 5);
  EXPECT_EQ(out.sequences[1].id, 2u);  // prefill of the newcomer, same step
  EXPECT_EQ(out.sequences[1].tokens.size(), 7u);
  EXPECT_EQ(out.num_tokens, 8);
  s.update(out, r.execute(out));
  auto res = drain(s, r);
  EXPECT_EQ(res[1].finish, FinishReason::kLength);
  EXPECT_EQ(res[1].last.completion_tokens, 4);
  EXPECT_EQ(res[2].finish, FinishReason::kLength);
  EXPECT_EQ(s.pool().used(), 0);
}

TEST(Scheduler, ChunkedPrefillRespectsTheBudgetAndDecodesGoFirst) {
  SchedulerConfig cfg{.block_size = 4, .n_blocks = 64, .max_batched_tokens = 8};
  Scheduler s(cfg);
  FakeRunner r(4);
  ASSERT_TRUE(s.add(1, params(prompt_of(3), 20)).has_value());
  auto out = s.schedule();
  s.update(out, r.execute(out));
  ASSERT_TRUE(s.add(2, params(prompt_of(20, 50), 2)).has_value());
  std::vector<std::size_t> chunks;
  for (int step = 0; step < 3; ++step) {
    out = s.schedule();
    EXPECT_LE(out.num_tokens, 8);
    ASSERT_EQ(out.sequences.size(), 2u);
    EXPECT_EQ(out.sequences[0].id, 1u);
    EXPECT_EQ(out.sequences[0].tokens.size(), 1u) << "the decode was held up by a prefill";
    chunks.push_back(out.sequences[1].tokens.size());
    EXPECT_EQ(out.sequences[1].sample, step == 2);
    s.update(out, r.execute(out));
  }
  EXPECT_EQ(chunks, (std::vector<std::size_t>{7, 7, 6}));
  // Chunking does not change what a sequence produces.
  auto res = drain(s, r);
  auto alone = run_alone({.block_size = 4, .n_blocks = 64, .max_batched_tokens = 64}, prompt_of(20, 50), 2);
  EXPECT_EQ(res[2].finish, FinishReason::kLength);
  ASSERT_EQ(res[2].tokens.size(), 1u);  // the first token came in the loop above
  EXPECT_EQ(alone.at(1).tokens.size(), 2u);
  EXPECT_EQ(res[2].tokens.back(), alone.at(1).tokens.back());
  EXPECT_EQ(s.pool().used(), 0);
}

TEST(Scheduler, MaxPrefillChunkCapsOneSequencePerStep) {
  Scheduler s({.block_size = 4, .n_blocks = 64, .max_batched_tokens = 100, .max_prefill_chunk = 6});
  FakeRunner r(4);
  ASSERT_TRUE(s.add(1, params(prompt_of(14), 1)).has_value());
  std::vector<std::size_t> chunks;
  while (s.has_work()) {
    auto out = s.schedule();
    for (const auto& q : out.sequences) chunks.push_back(q.tokens.size());
    s.update(out, r.execute(out));
  }
  EXPECT_EQ(chunks, (std::vector<std::size_t>{6, 6, 2}));
}

// prefill_group_tokens: a second long prompt does not share the first's step (which would only delay the first:
// on a CPU its tokens cost the same in either step), while short prompts still share one.
TEST(Scheduler, LongPromptsTakeTurnsAndShortOnesShareAStep) {
  const SchedulerConfig cfg{.block_size = 4, .n_blocks = 256, .max_batched_tokens = 100, .prefill_group_tokens = 16};
  Scheduler s(cfg);
  FakeRunner r(4);
  ASSERT_TRUE(s.add(1, params(prompt_of(40), 2)).has_value());
  ASSERT_TRUE(s.add(2, params(prompt_of(40, 100), 2)).has_value());
  auto out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 1u) << "the second long prompt joined the first's step";
  EXPECT_EQ(out.sequences[0].id, 1u);
  EXPECT_EQ(out.sequences[0].tokens.size(), 40u);  // the whole prompt in one step: its first token comes now
  EXPECT_TRUE(out.sequences[0].sample);
  s.update(out, r.execute(out));
  out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 2u);
  EXPECT_EQ(out.sequences[0].tokens.size(), 1u);  // 1 decodes
  EXPECT_EQ(out.sequences[1].id, 2u);
  EXPECT_EQ(out.sequences[1].tokens.size(), 40u);
  s.update(out, r.execute(out));
  drain(s, r);

  // Prompts of 5 tokens: three share a step (15 <= 16), the fourth waits for the next.
  for (SeqId id = 10; id < 14; ++id) {
    ASSERT_TRUE(s.add(id, params(prompt_of(5, static_cast<TokenId>(1000 + id * 10)), 1)).has_value());
  }
  out = s.schedule();
  EXPECT_EQ(out.sequences.size(), 3u);
  EXPECT_EQ(out.num_tokens, 15);
  s.update(out, r.execute(out));
  out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 1u);
  EXPECT_EQ(out.sequences[0].id, 13u);
  s.update(out, r.execute(out));
  drain(s, r);
  EXPECT_EQ(s.pool().used(), 0);

  // Without the limit (0) both long prompts fill one step, as before.
  Scheduler all({.block_size = 4, .n_blocks = 256, .max_batched_tokens = 100});
  ASSERT_TRUE(all.add(1, params(prompt_of(40), 2)).has_value());
  ASSERT_TRUE(all.add(2, params(prompt_of(40, 100), 2)).has_value());
  EXPECT_EQ(all.schedule().sequences.size(), 2u);
}

TEST(Scheduler, FullWaitingQueueRefusesAtOnceWithOverloaded) {
  Scheduler s({.block_size = 4, .n_blocks = 64, .max_waiting = 2});
  ASSERT_TRUE(s.add(1, params(prompt_of(4), 1)).has_value());
  ASSERT_TRUE(s.add(2, params(prompt_of(4), 1)).has_value());
  const Status st = s.add(3, params(prompt_of(4), 1));
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(st.error().status(), 503);
  EXPECT_NE(st.error().message.find("overloaded"), std::string::npos);
  EXPECT_EQ(s.num_waiting(), 2u);
  FakeRunner r(4);
  auto out = s.schedule();  // both admitted: the queue has room again
  s.update(out, r.execute(out));
  EXPECT_TRUE(s.add(3, params(prompt_of(4), 1)).has_value());
}

TEST(Scheduler, RefusesRequestsThatCanNeverRun) {
  Scheduler s({.block_size = 4, .n_blocks = 4, .max_seq_len = 64});
  EXPECT_FALSE(s.add(1, params({}, 1)).has_value());
  EXPECT_FALSE(s.add(2, params(prompt_of(4), 0)).has_value());
  EXPECT_FALSE(s.add(3, params(prompt_of(60), 10)).has_value());  // over max_seq_len
  const Status st = s.add(4, params(prompt_of(10), 10));          // 5 blocks > 4
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(s.add(5, params(prompt_of(10), 6)).has_value());
}

TEST(Scheduler, PreemptsTheYoungestWhenThePoolRunsOutAndEveryoneStillFinishesIdentically) {
  // 3 sequences of 8 + 16 tokens need 6 blocks each (block 4); 12 blocks hold two at a time.
  SchedulerConfig cfg{
      .block_size = 4, .n_blocks = 12, .max_batched_tokens = 64, .watermark_blocks = 0, .prefix_caching = false};
  Scheduler s(cfg);
  FakeRunner r(4);
  for (SeqId id = 1; id <= 3; ++id)
    ASSERT_TRUE(s.add(id, params(prompt_of(8, static_cast<TokenId>(id * 10)), 16)).has_value());
  std::vector<SeqId> preempted;
  std::map<SeqId, Outcome> res;
  while (s.has_work()) {
    auto out = s.schedule();
    preempted.insert(preempted.end(), out.preempted.begin(), out.preempted.end());
    EXPECT_LE(s.pool().used(), 12);
    for (const auto& ev : s.update(out, out.empty() ? RunnerOutput{} : r.execute(out)).events) {
      if (ev.sample) res[ev.id].tokens.push_back(ev.sample->token);
      if (ev.finish != FinishReason::kNone) res[ev.id].finish = ev.finish;
    }
  }
  ASSERT_FALSE(preempted.empty());
  EXPECT_EQ(std::count(preempted.begin(), preempted.end(), SeqId{1}), 0) << "the oldest was preempted";
  for (SeqId id = 1; id <= 3; ++id) {
    EXPECT_EQ(res[id].finish, FinishReason::kLength);
    const auto alone = run_alone(cfg, prompt_of(8, static_cast<TokenId>(id * 10)), 16);
    EXPECT_EQ(res[id].tokens, alone.at(1).tokens) << "sequence " << id;
  }
  EXPECT_EQ(s.pool().used(), 0);
  EXPECT_GT(r.tokens_run_[3], 8 + 16 - 1) << "a preempted sequence recomputes";
}

TEST(Scheduler, FairnessUnderPressureFinishesInArrivalOrderWithoutStarvation) {
  SchedulerConfig cfg{.block_size = 4,
                      .n_blocks = 10,
                      .max_num_seqs = 8,
                      .max_batched_tokens = 16,
                      .watermark_blocks = 0,
                      .prefix_caching = false};
  Scheduler s(cfg);
  FakeRunner r(4);
  std::vector<SeqId> finished;
  SeqId next = 1;
  // A steady stream of newcomers must not starve the early ones.
  for (int step = 0; step < 5000 && (next <= 40 || s.has_work()); ++step) {
    if (next <= 40 && step % 2 == 0 && s.add(next, params(prompt_of(6, static_cast<TokenId>(next)), 12)).has_value())
      ++next;
    auto out = s.schedule();
    for (const auto& ev : s.update(out, out.empty() ? RunnerOutput{} : r.execute(out)).events) {
      if (ev.finish != FinishReason::kNone) finished.push_back(ev.id);
    }
  }
  ASSERT_EQ(finished.size(), 40u);
  // FCFS: a request never finishes more than max_num_seqs places after a younger one.
  for (std::size_t i = 0; i < finished.size(); ++i) {
    EXPECT_LE(std::abs(static_cast<std::int64_t>(finished[i]) - static_cast<std::int64_t>(i + 1)), cfg.max_num_seqs)
        << "request " << finished[i] << " finished at place " << i + 1;
  }
  EXPECT_EQ(s.pool().used(), 0);
}

TEST(Scheduler, CancelFreesBlocksInTheNextStepAndReportsUsage) {
  Scheduler s({.block_size = 4, .n_blocks = 64, .max_batched_tokens = 64});
  FakeRunner r(4);
  ASSERT_TRUE(s.add(1, params(prompt_of(9), 100)).has_value());
  ASSERT_TRUE(s.add(2, params(prompt_of(9), 100)).has_value());
  for (int i = 0; i < 3; ++i) {
    auto out = s.schedule();
    s.update(out, r.execute(out));
  }
  const auto used_before = s.pool().used();
  EXPECT_GT(used_before, 0);
  s.cancel(1);
  s.cancel(99);  // unknown ids are ignored
  auto out = s.schedule();
  ASSERT_EQ(out.finished, (std::vector<SeqId>{1}));
  for (const auto& q : out.sequences) EXPECT_NE(q.id, 1u);
  EXPECT_LT(s.pool().used(), used_before);
  const auto up = s.update(out, r.execute(out));
  const auto ev = std::find_if(up.events.begin(), up.events.end(), [](const auto& e) { return e.id == 1; });
  ASSERT_NE(ev, up.events.end());
  EXPECT_EQ(ev->finish, FinishReason::kCancelled);
  EXPECT_EQ(ev->prompt_tokens, 9);
  EXPECT_EQ(ev->completion_tokens, 3);
  EXPECT_EQ(ev->computed_tokens, 9 + 2);  // the last sampled token was never run
  EXPECT_EQ(r.tokens_run_[1], 9 + 2);
  s.cancel(2);
  // A waiting request can be cancelled too.
  ASSERT_TRUE(s.add(3, params(prompt_of(9), 100)).has_value());
  s.cancel(3);
  out = s.schedule();
  EXPECT_TRUE(out.sequences.empty());
  s.update(out, {});
  EXPECT_FALSE(s.has_work());
  EXPECT_EQ(s.pool().used(), 0);
}

TEST(Scheduler, StopsOnEosAndStopTokenIds) {
  Scheduler s({.block_size = 4, .n_blocks = 64});
  FakeRunner r(4, /*eos=*/2);
  r.force_eos_after_[1] = 7;
  ASSERT_TRUE(s.add(1, params(prompt_of(5), 50, /*eos=*/2)).has_value());
  auto res = drain(s, r);
  EXPECT_EQ(res[1].finish, FinishReason::kStop);
  EXPECT_EQ(res[1].tokens.back(), 2);
  EXPECT_EQ(res[1].tokens.size(), 3u);
}

TEST(Scheduler, SharedPrefixIsReusedFromTheCacheAndNotRecomputed) {
  Scheduler s({.block_size = 4, .n_blocks = 64, .max_batched_tokens = 256});
  FakeRunner r(4);
  std::vector<TokenId> prefix = prompt_of(20);
  auto a = prefix;
  a.push_back(100);
  ASSERT_TRUE(s.add(1, params(a, 2)).has_value());
  auto ra = drain(s, r);
  EXPECT_EQ(ra[1].last.cached_prompt_tokens, 0);
  auto b = prefix;
  b.push_back(200);
  b.push_back(201);
  ASSERT_TRUE(s.add(2, params(b, 2)).has_value());
  auto out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 1u);
  EXPECT_EQ(out.sequences[0].pos0, 20);  // five full blocks of the shared prefix come from the cache
  EXPECT_EQ(out.sequences[0].tokens.size(), 2u);
  s.update(out, r.execute(out));
  auto rb = drain(s, r);
  EXPECT_EQ(rb[2].last.cached_prompt_tokens, 20);
  EXPECT_GE(s.pool().stats().hits, 5u);
  EXPECT_EQ(s.pool().used(), 0);
  // An identical prompt reuses all but the block holding its last token.
  ASSERT_TRUE(s.add(3, params(prefix, 1)).has_value());
  out = s.schedule();
  ASSERT_EQ(out.sequences.size(), 1u);
  EXPECT_EQ(out.sequences[0].pos0, 16);
}

}  // namespace
}  // namespace sovra::engine
