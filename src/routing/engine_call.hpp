#pragma once
// EngineCall: one API call answered by the local engine — one engine request per choice (n choices, or prompts ×
// n for legacy completions), their events merged into one call stream, usage summed, cancellation of every
// choice. Subclasses turn a choice's engine events into protocol-neutral deltas (ChatCall, TextCall).
//
// Contract:
// - start() submits every choice's request; when one is refused it cancels those already accepted, nothing is
//   ever delivered for the call, and the refusal is returned. Events that arrive while start() is still
//   submitting wait for it (the call's lock is held), so a refused call never leaks a delta.
// - Hooks run on the engine thread with the call's lock held: one at a time, in order per choice.
// - cancel() may be called from any thread, any number of times, also from inside the sink.
// - After the last choice finishes, on_all_finished() runs once, then the done callback (the backend forgets it).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "api/types/completion.hpp"
#include "common/error.hpp"
#include "engine/engine.hpp"

namespace sovra::routing {

class EngineCall : public std::enable_shared_from_this<EngineCall> {
 public:
  EngineCall(std::shared_ptr<engine::Engine> engine, std::size_t n_choices);
  virtual ~EngineCall() = default;
  EngineCall(const EngineCall&) = delete;
  EngineCall& operator=(const EngineCall&) = delete;

  // `counts_prompt[i]`: choice i's prompt tokens count in usage (a prompt shared by n choices counts once).
  Status start(std::vector<engine::GenerationRequest> requests, std::vector<bool> counts_prompt,
               std::function<void()> done);
  void cancel();

 protected:
  // Ends one choice's engine request early (a hook decided its output is complete); its kFinished still comes,
  // with reason kCancelled and the tokens actually generated. Tokens already on their way may still arrive.
  void cancel_choice(std::size_t choice);

  virtual void on_token(std::size_t choice, engine::GenerationEvent& ev) = 0;
  virtual void on_choice_finished(std::size_t choice, engine::GenerationEvent& ev) = 0;
  virtual void on_all_finished(const api::Usage& usage, std::optional<Error> error) = 0;

  api::Usage usage_;  // completion tokens and cached prompt tokens so far; subclasses may add reasoning tokens

 private:
  void on_event(std::size_t choice, engine::GenerationEvent&& ev);

  // Weak: the engine's sinks own the call, so a strong reference here could make the engine thread drop the
  // engine's last reference and join itself.
  std::weak_ptr<engine::Engine> engine_;
  std::size_t n_choices_;
  std::vector<bool> counts_prompt_;
  std::function<void()> done_;

  std::mutex mu_;  // events
  bool refused_ = false;
  std::size_t finished_ = 0;
  std::optional<Error> error_;

  std::mutex ids_mu_;  // never held while a hook or the sink runs
  std::vector<engine::RequestId> ids_;
  bool cancelled_ = false;
};

}  // namespace sovra::routing
