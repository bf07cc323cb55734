#pragma once
// A Runner without a model, for scheduler tests: it checks that every step's block tables cover the positions
// the step writes, records what ran, and "samples" a token that depends only on the sequence's tokens so far
// (so a sequence produces the same tokens whether it ran alone, batched or after preemption).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "engine/scheduler/step.hpp"

namespace sovra::engine::testing {

class FakeRunner final : public Runner {
 public:
  explicit FakeRunner(std::int32_t block_size, TokenId eos = -1) : block_size_(block_size), eos_(eos) {}

  RunnerOutput execute(const SchedulerOutput& out) override {
    RunnerOutput r;
    steps_.push_back(out.num_tokens);
    std::map<kv::BlockId, SeqId> writer;
    for (const auto& s : out.sequences) {
      const auto end = s.pos0 + static_cast<std::int32_t>(s.tokens.size());
      EXPECT_LE((end + block_size_ - 1) / block_size_, static_cast<std::int32_t>(s.block_table.size()));
      // Two sequences never write into the same block in one step (shared blocks are read-only).
      for (std::int32_t p = s.pos0; p < end; ++p) {
        const kv::BlockId b = s.block_table[static_cast<std::size_t>(p / block_size_)];
        const auto [it, inserted] = writer.emplace(b, s.id);
        EXPECT_TRUE(inserted || it->second == s.id) << "block " << b << " written by two sequences";
      }
      tokens_run_[s.id] += static_cast<std::int64_t>(s.tokens.size());
      if (!s.sample) continue;
      SampleResult sr;
      sr.id = s.id;
      std::uint64_t h = 1469598103934665603ULL;
      for (TokenId t : *s.history) h = (h ^ static_cast<std::uint64_t>(t)) * 1099511628211ULL;
      sr.token = static_cast<TokenId>(h % 97) + 3;
      if (force_eos_after_.count(s.id) && static_cast<std::int32_t>(s.history->size()) >= force_eos_after_[s.id])
        sr.token = eos_;
      r.samples.push_back(sr);
    }
    return r;
  }

  std::vector<std::int32_t> steps_;                // tokens per step
  std::map<SeqId, std::int64_t> tokens_run_;       // tokens computed per sequence
  std::map<SeqId, std::int32_t> force_eos_after_;  // emit EOS once the history has this many tokens

 private:
  std::int32_t block_size_;
  TokenId eos_;
};

}  // namespace sovra::engine::testing
