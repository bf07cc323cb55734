#include <atomic>
#include <utility>

#include "common/deferred_wake.hpp"
#include "gateway/call.hpp"

namespace sovra::gateway {

CallResult refusal_result(const Error& error) {
  CallResult r;
  r.http_status = error.status();
  r.error_code = error.api_code.empty() ? error_code_name(error.code) : error.api_code;
  r.ended = std::chrono::system_clock::now();
  return r;
}

CallTickets::~CallTickets() {
  if (finished_ || tickets_.empty()) return;
  CallResult r = refusal_result(Error::internal("call ended without a result"));
  finish(r, [] {});
}

void CallTickets::finish(const CallResult& result, std::function<void()> done) {
  if (finished_) return;
  finished_ = true;
  std::vector<std::unique_ptr<CallTicket>> live;
  for (auto& t : tickets_)
    if (t) live.push_back(std::move(t));
  tickets_.clear();
  if (live.empty()) {
    done();
    return;
  }
  struct Join {
    std::atomic<std::size_t> left;
    std::function<void()> done;
  };
  auto join = std::make_shared<Join>();
  join->left = live.size();
  join->done = std::move(done);
  // Reverse order of admission: the last hook admitted is the first to settle. Writers that the tickets queue work
  // for (the ledger, carrying the audit record) are woken once, after all of them queued theirs.
  DeferWakes wake_once;
  for (auto it = live.rbegin(); it != live.rend(); ++it) {
    (*it)->finish(result, [join] {
      if (join->left.fetch_sub(1) == 1) join->done();
    });
  }
}

void CallChain::add(std::shared_ptr<CallHook> hook) { hooks_.push_back(std::move(hook)); }

namespace {

struct AdmitState {
  CallInfo info;
  const std::vector<std::shared_ptr<CallHook>>* hooks = nullptr;
  std::size_t next = 0;
  std::vector<http::Header> headers;
  std::vector<std::unique_ptr<CallTicket>> tickets;
  std::function<void(AdmitOutcome)> done;
};

void admit_next(const std::shared_ptr<AdmitState>& st) {
  if (st->next == st->hooks->size()) {
    AdmitOutcome out;
    out.headers = std::move(st->headers);
    out.tickets = CallTickets(std::move(st->tickets));
    auto done = std::move(st->done);
    done(std::move(out));
    return;
  }
  const auto& hook = (*st->hooks)[st->next++];
  hook->admit(st->info, st->headers, [st](Result<Admission> admission) {
    if (!admission) {
      AdmitOutcome out;
      out.headers = std::move(st->headers);
      out.refusal = admission.error();
      // Earlier hooks release what they reserved and record the refusal.
      CallTickets earlier(std::move(st->tickets));
      earlier.finish(refusal_result(admission.error()), [] {});
      auto done = std::move(st->done);
      done(std::move(out));
      return;
    }
    st->tickets.push_back(std::move(admission->ticket));
    admit_next(st);
  });
}

}  // namespace

void CallChain::admit(const CallInfo& info, std::function<void(AdmitOutcome)> done) const {
  auto st = std::make_shared<AdmitState>();
  st->info = info;
  st->hooks = &hooks_;
  st->done = std::move(done);
  admit_next(st);
}

}  // namespace sovra::gateway
