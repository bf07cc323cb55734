#include "routing/engine_call.hpp"

namespace sovra::routing {

EngineCall::EngineCall(std::shared_ptr<engine::Engine> engine, std::size_t n_choices)
    : engine_(std::move(engine)), n_choices_(n_choices) {}

Status EngineCall::start(std::vector<engine::GenerationRequest> requests, std::vector<bool> counts_prompt,
                         std::function<void()> done) {
  std::lock_guard events(mu_);
  const std::shared_ptr<engine::Engine> engine = engine_.lock();
  if (!engine) return fail(Error::unavailable("the model is being unloaded"));
  counts_prompt_ = std::move(counts_prompt);
  done_ = std::move(done);
  const auto self = shared_from_this();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto id = engine->submit(std::move(requests[i]),
                             [self, i](engine::GenerationEvent&& ev) { self->on_event(i, std::move(ev)); });
    if (!id) {
      refused_ = true;
      cancel();
      return fail(std::move(id).error());
    }
    bool cancel_now = false;
    {
      std::lock_guard lock(ids_mu_);
      ids_.push_back(*id);
      cancel_now = cancelled_;
    }
    if (cancel_now) engine->cancel(*id);
  }
  return {};
}

void EngineCall::cancel() {
  std::vector<engine::RequestId> ids;
  {
    std::lock_guard lock(ids_mu_);
    cancelled_ = true;
    ids = ids_;
  }
  if (ids.empty()) return;
  if (const auto engine = engine_.lock()) {
    for (const engine::RequestId id : ids) engine->cancel(id);
  }
}

void EngineCall::cancel_choice(std::size_t choice) {
  std::optional<engine::RequestId> id;
  {
    std::lock_guard lock(ids_mu_);
    if (choice < ids_.size()) id = ids_[choice];
  }
  if (!id) return;  // still being submitted: start() holds the event lock, so no hook runs before the id exists
  if (const auto engine = engine_.lock()) engine->cancel(*id);
}

void EngineCall::on_event(std::size_t choice, engine::GenerationEvent&& ev) {
  std::function<void()> done;
  {
    std::lock_guard lock(mu_);
    if (refused_) return;
    if (ev.kind == engine::GenerationEvent::Kind::kToken) {
      on_token(choice, ev);
      return;
    }
    const engine::Usage& u = ev.usage;
    if (choice < counts_prompt_.size() && counts_prompt_[choice]) {
      usage_.prompt_tokens += u.prompt_tokens;
      usage_.cached_prompt_tokens += u.cached_prompt_tokens;
    }
    usage_.completion_tokens += u.completion_tokens;
    if (ev.error && !error_ && ev.finish == engine::FinishReason::kError) error_ = ev.error;
    on_choice_finished(choice, ev);
    if (++finished_ < n_choices_) return;
    on_all_finished(usage_, error_);
    done = std::move(done_);
  }
  if (done) done();
}

}  // namespace sovra::routing
