#include "engine/scheduler/scheduler.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace sovra::engine {
namespace {

bool older(const Sequence* a, const Sequence* b) { return a->arrival < b->arrival; }

template <typename C>
void erase_value(C& c, const Sequence* s) {
  c.erase(std::remove(c.begin(), c.end(), s), c.end());
}

}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kNone:
      return "none";
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
    case FinishReason::kError:
      return "error";
  }
  return "none";
}

Scheduler::Scheduler(SchedulerConfig config) : config_(config), pool_(config.n_blocks, config.prefix_caching) {
  config_.block_size = std::max(1, config_.block_size);
  config_.max_batched_tokens = std::max(1, config_.max_batched_tokens);
  config_.max_num_seqs = std::max(1, config_.max_num_seqs);
}

std::int32_t Scheduler::blocks_for(std::int32_t n_tokens) const {
  return (n_tokens + config_.block_size - 1) / config_.block_size;
}

Status Scheduler::check_request(std::size_t n_prompt_tokens, std::int32_t max_tokens) const {
  if (n_prompt_tokens == 0) return Error::invalid("the prompt is empty", "prompt");
  if (max_tokens < 1) return Error::invalid("max_tokens must be at least 1", "max_tokens");
  const auto n_prompt = static_cast<std::int64_t>(n_prompt_tokens);
  if (n_prompt + max_tokens > config_.max_seq_len) {
    return Error::invalid(fmt::format("prompt ({} tokens) plus max_tokens ({}) exceeds the context length {}", n_prompt,
                                      max_tokens, config_.max_seq_len),
                          "max_tokens");
  }
  const std::int64_t need = (n_prompt + max_tokens + config_.block_size - 1) / config_.block_size;
  if (need > pool_.n_blocks()) {
    return Error::invalid(fmt::format("request needs {} KV blocks but the cache holds {}", need, pool_.n_blocks()),
                          "max_tokens");
  }
  return {};
}

Status Scheduler::add(SeqId id, SequenceParams params) {
  SOVRA_CHECK(check_request(params.prompt.size(), params.max_tokens));
  const auto n_prompt = static_cast<std::int64_t>(params.prompt.size());
  if (static_cast<std::int32_t>(waiting_.size()) >= config_.max_waiting) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("overloaded: {} requests are already waiting; retry later", waiting_.size()),
                 {},
                 503};
  }
  if (seqs_.count(id) != 0) return Error::invalid(fmt::format("sequence {} already exists", id));
  auto s = std::make_unique<Sequence>();
  s->id = id;
  s->arrival = next_arrival_++;
  s->arrival_time = Clock::now();
  s->tokens = std::move(params.prompt);
  s->n_prompt = static_cast<std::int32_t>(n_prompt);
  s->max_tokens = params.max_tokens;
  s->stop_token_ids = std::move(params.stop_token_ids);
  s->eos_id = params.ignore_eos ? -1 : params.eos_id;
  s->sampler = std::move(params.sampler);
  s->constraint = std::move(params.constraint);
  s->prompt_logprobs = params.prompt_logprobs;
  waiting_.push_back(s.get());
  seqs_.emplace(id, std::move(s));
  return {};
}

void Scheduler::cancel(SeqId id, FinishReason reason) { cancels_.emplace_back(id, reason); }

const Sequence* Scheduler::find(SeqId id) const {
  const auto it = seqs_.find(id);
  return it == seqs_.end() ? nullptr : it->second.get();
}

std::int32_t Scheduler::chunk_limit(const Sequence& s, std::int32_t budget) const {
  std::int32_t n = std::min(s.num_tokens() - s.num_computed, budget);
  if (config_.max_prefill_chunk > 0) n = std::min(n, config_.max_prefill_chunk);
  return std::max(n, 0);
}

SequenceEvent Scheduler::usage_event(const Sequence& s) const {
  SequenceEvent ev;
  ev.id = s.id;
  ev.prompt_tokens = s.n_prompt;
  ev.cached_prompt_tokens = std::max(0, s.cached_prompt_tokens);
  ev.completion_tokens = s.num_generated();
  ev.preemptions = s.preemptions;
  ev.computed_tokens = s.computed_tokens_total;
  return ev;
}

void Scheduler::release_blocks(Sequence& s) {
  // Tail first: the end of a sequence is the least likely to be shared, so it is evicted first.
  for (auto it = s.blocks.rbegin(); it != s.blocks.rend(); ++it) pool_.release(*it);
  s.blocks.clear();
  s.num_computed = 0;
  s.num_registered = 0;
}

void Scheduler::finish(Sequence* s, FinishReason reason, SequenceEvent& ev) {
  ev.finish = reason;
  release_blocks(*s);
  erase_value(running_, s);
  erase_value(waiting_, s);
  seqs_.erase(s->id);  // destroys *s
}

void Scheduler::insert_waiting(Sequence* s) {
  waiting_.insert(std::lower_bound(waiting_.begin(), waiting_.end(), s, older), s);
}

void Scheduler::apply_cancellations(SchedulerOutput& out) {
  for (const auto& [id, reason] : cancels_) {
    const auto it = seqs_.find(id);
    if (it == seqs_.end()) continue;  // already finished
    SequenceEvent ev = usage_event(*it->second);
    finish(it->second.get(), reason, ev);
    pending_events_.push_back(std::move(ev));
    out.finished.push_back(id);
  }
  cancels_.clear();
}

void Scheduler::preempt(Sequence* s, std::vector<Planned>& plan, std::int32_t& budget, SchedulerOutput& out) {
  const auto p = std::find_if(plan.begin(), plan.end(), [&](const Planned& x) { return x.seq == s; });
  if (p != plan.end()) {
    budget += p->n;
    plan.erase(p);
  }
  release_blocks(*s);
  s->status = SeqStatus::kWaiting;
  ++s->preemptions;
  ++preemptions_;
  erase_value(running_, s);
  insert_waiting(s);
  out.preempted.push_back(s->id);
}

bool Scheduler::joins_prefill(std::int32_t prompt_tokens, std::int32_t n) const {
  return config_.prefill_group_tokens <= 0 || prompt_tokens == 0 || prompt_tokens + n <= config_.prefill_group_tokens;
}

void Scheduler::schedule_running(std::vector<Planned>& plan, std::int32_t& budget, std::int32_t& prompt_tokens,
                                 SchedulerOutput& out) {
  // Decodes first so a long prompt never holds up everybody else's next token; then prompt chunks.
  for (const bool decode_pass : {true, false}) {
    const std::vector<Sequence*> snapshot = running_;
    for (Sequence* s : snapshot) {
      if (s->status != SeqStatus::kRunning || budget <= 0) continue;
      const bool is_decode = s->num_tokens() - s->num_computed == 1;
      if (is_decode != decode_pass) continue;
      const std::int32_t n = chunk_limit(*s, budget);
      if (n <= 0 || (!is_decode && !joins_prefill(prompt_tokens, n))) continue;
      const std::int32_t need = blocks_for(s->num_computed + n) - static_cast<std::int32_t>(s->blocks.size());
      while (pool_.available() < need && s->status == SeqStatus::kRunning) {
        Sequence* victim = running_.back();  // the youngest
        preempt(victim, plan, budget, out);  // may be s itself: then s waits
      }
      if (s->status != SeqStatus::kRunning) continue;
      for (std::int32_t i = 0; i < need; ++i) s->blocks.push_back(*pool_.allocate());
      plan.push_back({s, n});
      budget -= n;
      if (!is_decode) prompt_tokens += n;
    }
  }
}

std::int32_t Scheduler::reuse_cached_prefix(Sequence& s) {
  // A request for prompt logprobs needs the logits of every prompt position, so nothing may be skipped.
  if (!pool_.prefix_caching() || s.prompt_logprobs) return 0;
  // Never the block holding the last token: at least one token must run to produce logits.
  const std::int32_t usable = (s.num_tokens() - 1) / config_.block_size;
  kv::extend_block_hashes(
      std::span<const TokenId>(s.tokens).first(static_cast<std::size_t>(usable) * config_.block_size),
      config_.block_size, s.hashes);
  std::int32_t hits = 0;
  for (; hits < usable; ++hits) {
    const kv::BlockHash parent = hits == 0 ? kv::kRootHash : s.hashes[hits - 1];
    const auto tokens = std::span<const TokenId>(s.tokens).subspan(static_cast<std::size_t>(hits) * config_.block_size,
                                                                   config_.block_size);
    const auto block = pool_.lookup(s.hashes[hits], parent, tokens);
    if (!block) break;
    s.blocks.push_back(*block);
  }
  s.num_computed = hits * config_.block_size;
  s.num_registered = hits;
  return s.num_computed;
}

void Scheduler::schedule_waiting(std::vector<Planned>& plan, std::int32_t& budget, std::int32_t& prompt_tokens) {
  while (!waiting_.empty() && budget > 0 && static_cast<std::int32_t>(running_.size()) < config_.max_num_seqs) {
    Sequence* s = waiting_.front();
    const std::int32_t cached = reuse_cached_prefix(*s);
    const std::int32_t n = chunk_limit(*s, budget);
    const std::int32_t need = blocks_for(s->num_computed + n) - static_cast<std::int32_t>(s->blocks.size());
    const std::int32_t spare = running_.empty() ? 0 : config_.watermark_blocks;
    if (pool_.available() < need + spare || !joins_prefill(prompt_tokens, n)) {
      release_blocks(*s);  // give the cache hits back; FCFS: nobody behind it goes first
      break;
    }
    for (std::int32_t i = 0; i < need; ++i) s->blocks.push_back(*pool_.allocate());
    if (s->cached_prompt_tokens < 0) s->cached_prompt_tokens = std::min(cached, s->n_prompt);
    s->status = SeqStatus::kRunning;
    waiting_.pop_front();
    running_.insert(std::lower_bound(running_.begin(), running_.end(), s, older), s);
    plan.push_back({s, n});
    budget -= n;
    prompt_tokens += n;
  }
}

SchedulerOutput Scheduler::schedule() {
  SchedulerOutput out;
  apply_cancellations(out);
  std::int32_t budget = config_.max_batched_tokens;
  std::vector<Planned> plan;
  std::int32_t prompt_tokens = 0;
  schedule_running(plan, budget, prompt_tokens, out);
  if (out.preempted.empty()) schedule_waiting(plan, budget, prompt_tokens);

  std::sort(plan.begin(), plan.end(), [](const Planned& a, const Planned& b) { return older(a.seq, b.seq); });
  out.sequences.reserve(plan.size());
  const auto now = Clock::now();
  for (const Planned& p : plan) {
    Sequence& s = *p.seq;
    if (!s.first_scheduled_time) s.first_scheduled_time = now;
    ScheduledSequence ss;
    ss.id = s.id;
    ss.tokens.assign(s.tokens.begin() + s.num_computed, s.tokens.begin() + s.num_computed + p.n);
    ss.pos0 = s.num_computed;
    ss.block_table = s.blocks;
    ss.sample = s.num_computed + p.n == s.num_tokens();
    ss.sampler = s.sampler.get();
    ss.constraint = s.constraint.get();
    ss.history = &s.tokens;
    ss.prompt_logprobs = s.prompt_logprobs && ss.pos0 + 1 < s.n_prompt;
    ss.n_prompt = s.n_prompt;
    out.num_tokens += p.n;
    out.sequences.push_back(std::move(ss));
  }
  return out;
}

void Scheduler::register_full_blocks(Sequence& s) {
  if (!pool_.prefix_caching()) return;
  const std::int32_t full = s.num_computed / config_.block_size;
  if (full <= s.num_registered) return;
  kv::extend_block_hashes(std::span<const TokenId>(s.tokens).first(static_cast<std::size_t>(full) * config_.block_size),
                          config_.block_size, s.hashes);
  for (std::int32_t b = s.num_registered; b < full; ++b) {
    const kv::BlockHash parent = b == 0 ? kv::kRootHash : s.hashes[b - 1];
    pool_.register_content(s.blocks[b], s.hashes[b], parent,
                           std::span<const TokenId>(s.tokens).subspan(static_cast<std::size_t>(b) * config_.block_size,
                                                                      config_.block_size));
  }
  s.num_registered = full;
}

StepUpdate Scheduler::update(const SchedulerOutput& out, const RunnerOutput& result) {
  StepUpdate up;
  up.events = std::move(pending_events_);
  pending_events_.clear();
  std::size_t next_sample = 0;
  for (const ScheduledSequence& ss : out.sequences) {
    const SampleResult* sample = nullptr;
    if (ss.sample && next_sample < result.samples.size() && result.samples[next_sample].id == ss.id) {
      sample = &result.samples[next_sample++];
    }
    const auto it = seqs_.find(ss.id);
    if (it == seqs_.end() || it->second->status != SeqStatus::kRunning) continue;
    Sequence& s = *it->second;
    const auto n = static_cast<std::int32_t>(ss.tokens.size());
    s.num_computed += n;
    s.computed_tokens_total += n;
    register_full_blocks(s);
    if (!ss.sample) continue;
    SequenceEvent ev;
    FinishReason reason = FinishReason::kNone;
    if (sample == nullptr || sample->failed) {
      reason = FinishReason::kError;
    } else {
      s.tokens.push_back(sample->token);
      ev.sample = *sample;
      const bool stop =
          sample->stop_token || (s.eos_id >= 0 && sample->token == s.eos_id) ||
          std::find(s.stop_token_ids.begin(), s.stop_token_ids.end(), sample->token) != s.stop_token_ids.end();
      if (stop) {
        reason = FinishReason::kStop;
      } else if (s.num_generated() >= s.max_tokens || s.num_tokens() >= config_.max_seq_len) {
        reason = FinishReason::kLength;
      }
    }
    SequenceEvent usage = usage_event(s);
    ev.id = usage.id;
    ev.prompt_tokens = usage.prompt_tokens;
    ev.cached_prompt_tokens = usage.cached_prompt_tokens;
    ev.completion_tokens = usage.completion_tokens;
    ev.preemptions = usage.preemptions;
    ev.computed_tokens = usage.computed_tokens;
    if (reason != FinishReason::kNone) finish(&s, reason, ev);
    up.events.push_back(std::move(ev));
  }
  return up;
}

}  // namespace sovra::engine
