#include "routing/config_model_router.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <mutex>
#include <optional>
#include <random>
#include <utility>

namespace sovra::routing {

struct ConfigModelRouter::State {
  std::vector<Deployment> deployments;
  RouterOptions options;
  std::map<std::string, std::vector<std::size_t>> by_model;  // model → deployment indices, config order

  mutable std::mutex mu;
  std::vector<DeploymentHealth> health;  // parallel to deployments; guarded by mu
  std::mt19937_64 rng;                   // guarded by mu

  void start(std::size_t i) {
    std::lock_guard lock(mu);
    health[i].on_start();
  }

  void finish(std::size_t i, bool success) {
    const auto now = options.now();
    std::lock_guard lock(mu);
    if (!health[i].on_finish(success, now)) return;
    const auto& peers = by_model[deployments[i].info.model];
    std::int64_t ejected = 0;
    for (auto j : peers) ejected += health[j].ejected(now) ? 1 : 0;
    if ((ejected + 1) * 100 <= options.max_ejection_percent * static_cast<std::int64_t>(peers.size())) {
      health[i].eject(now);
    }
  }

  Pick pick(const std::vector<std::string>& chain, const RouteQuery& query, const std::vector<std::size_t>& exclude);
};

namespace {

bool is_failure(const Error& e) {
  return e.status() >= 500 || e.code == ErrorCode::kIo || e.code == ErrorCode::kUnavailable ||
         e.code == ErrorCode::kRequestTimeout;
}

bool contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool inside(const DeploymentInfo& d, const RoutingConstraints& c) {
  if (!c.allowed_regions.empty() && !contains(c.allowed_regions, d.region)) return false;
  if (!c.allowed_jurisdictions.empty()) {
    bool ok = contains(c.allowed_jurisdictions, d.jurisdiction);
    for (const auto& z : d.zones) ok = ok || contains(c.allowed_jurisdictions, z);
    if (!ok) return false;
  }
  return true;
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr int kMaxFailovers = 2;

}  // namespace

struct ConfigModelRouter::Pick {
  std::optional<std::size_t> index;
  bool any_inside = false;  // some deployment of the chain lies inside the constraints
};

ConfigModelRouter::Pick ConfigModelRouter::State::pick(const std::vector<std::string>& chain, const RouteQuery& query,
                                                       const std::vector<std::size_t>& exclude) {
  const auto now = options.now();
  Pick out;
  std::lock_guard lock(mu);
  for (const auto& m : chain) {
    auto found = by_model.find(m);
    if (found == by_model.end()) continue;
    std::vector<std::size_t> candidates;
    for (auto i : found->second) {
      const auto& d = deployments[i];
      if (!inside(d.info, query.constraints)) continue;
      out.any_inside = true;
      const auto& h = health[i];
      if (!h.available(now) || std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
      if (d.max_concurrency > 0 && h.outstanding() >= d.max_concurrency) continue;
      candidates.push_back(i);
    }
    if (candidates.empty()) continue;

    std::size_t chosen = candidates.front();
    if (candidates.size() > 1 && options.affinity && !query.affinity_key.empty()) {
      // Rendezvous hashing weighted by `weight`: the highest w / -ln(u) wins; u from hash(key, deployment).
      const auto key = std::hash<std::string>{}(query.affinity_key);
      double best = -1;
      for (auto i : candidates) {
        const auto h = mix(key ^ mix(std::hash<std::string>{}(deployments[i].info.name)));
        const double u = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;  // (0, 1)
        const double score = static_cast<double>(deployments[i].weight) / -std::log(u);
        if (score > best) {
          best = score;
          chosen = i;
        }
      }
    } else if (candidates.size() > 1) {
      std::int64_t total = 0;
      for (auto i : candidates) total += deployments[i].weight;
      auto sample = [&](std::size_t skip) {
        std::int64_t sum = total;
        if (skip != SIZE_MAX) sum -= deployments[skip].weight;
        std::uniform_int_distribution<std::int64_t> dist(0, sum - 1);
        auto r = dist(rng);
        for (auto i : candidates) {
          if (i == skip) continue;
          r -= deployments[i].weight;
          if (r < 0) return i;
        }
        return candidates.back();
      };
      const auto a = sample(SIZE_MAX);
      const auto b = sample(a);
      // Compare (outstanding + 1) / weight without division.
      const auto load_a = (health[a].outstanding() + 1) * deployments[b].weight;
      const auto load_b = (health[b].outstanding() + 1) * deployments[a].weight;
      chosen = load_b < load_a ? b : a;
    }
    health[chosen].on_chosen(now);
    out.index = chosen;
    return out;
  }
  return out;
}

namespace {

// The backend a route hands out. Counts each call as outstanding on its deployment from start_* to kFinished and
// reports the outcome to the breaker and the outlier detector. A call that fails with a server-side error before
// anything of it reached the sink (no delta yet: connect refused, upstream 5xx, engine overloaded) is started
// again, unchanged, on another deployment that satisfies the same query (at most kMaxFailovers times): the client
// never sees the first failure. Once a delta was delivered the failure is final. A call whose client did not ask
// for a stream holds its deltas until the call succeeds (its client sees nothing before the end anyway), so it is
// failed over also when its deployment dies mid-answer (a killed worker); the failed attempt's deltas are dropped.
template <class Request, class Event>
struct FailoverCall {
  Request request;
  std::function<void(Event&&)> sink;
  std::size_t index = 0;  // current deployment
  std::vector<std::size_t> tried;
  std::mutex mu;  // guards inner/cancelled against cancel()
  std::shared_ptr<InferenceBackend> inner;
  CallId inner_id = 0;
  bool cancelled = false;
  bool delivered = false;  // a delta reached the sink
  bool hold = false;       // non-streaming client: deltas wait in `held` until the call succeeds
  std::vector<Event> held;
};

class RoutedBackend final : public InferenceBackend, public std::enable_shared_from_this<RoutedBackend> {
 public:
  RoutedBackend(std::shared_ptr<ConfigModelRouter::State> state, std::size_t index, RouteQuery query,
                std::vector<std::string> chain)
      : state_(std::move(state)), first_(index), query_(std::move(query)), chain_(std::move(chain)) {}

  Result<CallId> start_chat(api::ChatRequest request, api::ChatSink sink) override {
    return start<api::ChatRequest, api::ChatEvent>(std::move(request), std::move(sink));
  }
  Result<CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) override {
    return start<api::TextCompletionRequest, api::TextEvent>(std::move(request), std::move(sink));
  }

  void cancel(CallId id) override {
    std::function<void()> action;
    {
      std::lock_guard lock(mu_);
      auto it = cancels_.find(id);
      if (it == cancels_.end()) return;
      action = it->second;
    }
    action();
  }

  Result<TokenCount> count_chat_tokens(const api::ChatRequest& request) override {
    return state_->deployments[first_].backend->count_chat_tokens(request);
  }

  void embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) override {
    state_->start(first_);
    state_->deployments[first_].backend->embed(
        std::move(request), [state = state_, i = first_, done = std::move(done)](auto r) {
          state->finish(i, r.has_value() || !is_failure(r.error()));
          done(std::move(r));
        });
  }
  void rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) override {
    state_->start(first_);
    state_->deployments[first_].backend->rerank(
        std::move(request), [state = state_, i = first_, done = std::move(done)](auto r) {
          state->finish(i, r.has_value() || !is_failure(r.error()));
          done(std::move(r));
        });
  }

 private:
  template <class Request, class Event>
  Result<CallId> start(Request request, std::function<void(Event&&)> sink) {
    using Call = FailoverCall<Request, Event>;
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    call->sink = std::move(sink);
    call->index = first_;
    call->hold = !call->request.stream;
    const CallId id = ++next_id_;
    {
      std::lock_guard lock(mu_);
      cancels_[id] = [call] {
        std::shared_ptr<InferenceBackend> inner;
        CallId inner_id = 0;
        {
          std::lock_guard l(call->mu);
          call->cancelled = true;
          inner = call->inner;
          inner_id = call->inner_id;
        }
        if (inner) inner->cancel(inner_id);
      };
    }
    // Synchronous refusals are failed over too; the last one is returned.
    while (true) {
      auto r = attempt<Request, Event>(call, id);
      if (r) return id;
      if (!is_failure(r.error()) || !next_deployment(*call)) {
        forget(id);
        return r.error();
      }
    }
  }

  // Moves the call to another deployment; false when failover is exhausted or nothing else is available.
  template <class Call>
  bool next_deployment(Call& call) {
    call.tried.push_back(call.index);
    if (static_cast<int>(call.tried.size()) > kMaxFailovers) return false;
    auto pick = state_->pick(chain_, query_, call.tried);
    if (!pick.index) return false;
    call.index = *pick.index;
    return true;
  }

  template <class Request, class Event>
  Result<CallId> attempt(const std::shared_ptr<FailoverCall<Request, Event>>& call, CallId id) {
    const auto i = call->index;
    const auto tried_before = call->tried.size();
    auto backend = state_->deployments[i].backend;
    state_->start(i);
    auto self = shared_from_this();
    auto wrapped = [self, call, i, id](Event&& e) {
      if (e.kind != Event::Kind::kFinished) {
        if (call->hold) {
          call->held.push_back(std::move(e));
          return;
        }
        call->delivered = true;
        call->sink(std::move(e));
        return;
      }
      const bool failed = e.error && is_failure(*e.error);
      self->state_->finish(i, !failed);
      bool cancelled = false;
      {
        std::lock_guard l(call->mu);
        cancelled = call->cancelled;
      }
      if (failed && !call->delivered && !cancelled && self->next_deployment(*call)) {
        // Not a byte of this call reached the client: start it over elsewhere.
        call->held.clear();
        while (true) {
          auto r = self->template attempt<Request, Event>(call, id);
          if (r) return;
          if (!is_failure(r.error()) || !self->next_deployment(*call)) {
            Event end;
            end.kind = Event::Kind::kFinished;
            end.error = r.error();
            self->forget(id);
            call->sink(std::move(end));
            return;
          }
        }
      }
      self->forget(id);
      for (auto& h : call->held) call->sink(std::move(h));
      call->held.clear();
      call->sink(std::move(e));
    };
    Result<CallId> r = [&] {
      if constexpr (std::is_same_v<Request, api::ChatRequest>) {
        return backend->start_chat(call->request, std::move(wrapped));
      } else {
        return backend->start_text(call->request, std::move(wrapped));
      }
    }();
    if (!r) {
      state_->finish(i, !is_failure(r.error()));
      return r;
    }
    bool cancel_now = false;
    {
      std::lock_guard l(call->mu);
      if (call->index == i && call->tried.size() == tried_before) {  // not failed over already (synchronous sinks)
        call->inner = backend;
        call->inner_id = *r;
      }
      cancel_now = call->cancelled;
    }
    if (cancel_now) backend->cancel(*r);
    return r;
  }

  void forget(CallId id) {
    std::lock_guard lock(mu_);
    cancels_.erase(id);
  }

  std::shared_ptr<ConfigModelRouter::State> state_;
  std::size_t first_;
  RouteQuery query_;
  std::vector<std::string> chain_;
  std::atomic<CallId> next_id_{0};
  std::mutex mu_;
  std::map<CallId, std::function<void()>> cancels_;
};

}  // namespace

ConfigModelRouter::ConfigModelRouter(std::vector<Deployment> deployments, RouterOptions options)
    : state_(std::make_shared<State>()) {
  state_->deployments = std::move(deployments);
  state_->options = std::move(options);
  state_->rng.seed(state_->options.seed);
  for (std::size_t i = 0; i < state_->deployments.size(); ++i) {
    state_->by_model[state_->deployments[i].info.model].push_back(i);
    state_->health.emplace_back(state_->options.health);
  }
}

ConfigModelRouter::~ConfigModelRouter() = default;

Result<Route> ConfigModelRouter::route(const RouteQuery& query) const {
  auto& s = *state_;
  std::string model = query.model;
  if (auto it = s.options.aliases.find(model); it != s.options.aliases.end()) model = it->second;
  if (!s.by_model.contains(model)) {
    Error e = Error::not_found("The model '" + query.model + "' does not exist or you do not have access to it.");
    e.param = "model";
    e.api_code = "model_not_found";
    return fail(std::move(e));
  }
  std::vector<std::string> chain = {model};
  if (auto it = s.options.fallbacks.find(model); it != s.options.fallbacks.end()) {
    chain.insert(chain.end(), it->second.begin(), it->second.end());
  }
  const auto pick = s.pick(chain, query, {});
  if (pick.index) {
    const auto i = *pick.index;
    return Route{.backend = std::make_shared<RoutedBackend>(state_, i, query, std::move(chain)),
                 .deployment = s.deployments[i].info};
  }
  if (!pick.any_inside) {
    std::string rules;
    if (!query.constraints.allowed_regions.empty()) rules = "regions [" + join(query.constraints.allowed_regions) + "]";
    if (!query.constraints.allowed_jurisdictions.empty()) {
      rules += (rules.empty() ? "" : " and ") + std::string("jurisdictions [") +
               join(query.constraints.allowed_jurisdictions) + "]";
    }
    Error e{ErrorCode::kPermissionDenied,
            "No deployment of model '" + query.model + "' runs inside the residency constraints of this project (" +
                rules + "); the request was not sent elsewhere.",
            "model", 403, "residency_constraint"};
    return fail(std::move(e));
  }
  Error e = Error::unavailable("All deployments of model '" + query.model +
                               "' are unavailable (circuit open, ejected, failing health checks or at max "
                               "concurrency); try again later.");
  e.http_status = 503;
  return fail(std::move(e));
}

std::vector<api::ModelInfo> ConfigModelRouter::models() const {
  const auto& s = *state_;
  std::map<std::string, api::ModelInfo> out;
  for (const auto& [model, indices] : s.by_model) {
    api::ModelInfo info;
    if (auto it = s.options.model_infos.find(model); it != s.options.model_infos.end()) {
      info = it->second;
    } else {
      info.id = model;
      for (auto i : indices) info.context_length = std::max(info.context_length, s.deployments[i].info.context_length);
      info.capabilities.chat = true;
      info.capabilities.completions = true;
    }
    info.id = model;
    // Transparency: where the model runs (each deployment's region, once, in deployment order).
    info.transparency.regions.clear();
    for (auto i : indices) {
      const std::string& region = s.deployments[i].info.region;
      if (region.empty()) continue;
      if (std::find(info.transparency.regions.begin(), info.transparency.regions.end(), region) ==
          info.transparency.regions.end()) {
        info.transparency.regions.push_back(region);
      }
    }
    out[model] = info;
  }
  for (const auto& [alias, model] : s.options.aliases) {
    if (auto it = out.find(model); it != out.end()) {
      auto info = it->second;
      info.id = alias;
      out.emplace(alias, std::move(info));
    }
  }
  std::vector<api::ModelInfo> list;
  for (auto& [id, info] : out) list.push_back(std::move(info));
  return list;
}

void ConfigModelRouter::set_healthy(const std::string& deployment, bool healthy) {
  std::lock_guard lock(state_->mu);
  for (std::size_t i = 0; i < state_->deployments.size(); ++i) {
    if (state_->deployments[i].info.name == deployment) state_->health[i].set_active_healthy(healthy);
  }
}

std::vector<DeploymentInfo> ConfigModelRouter::deployment_infos() const {
  std::lock_guard lock(state_->mu);
  std::vector<DeploymentInfo> out;
  for (const auto& d : state_->deployments) out.push_back(d.info);
  return out;
}

std::vector<ConfigModelRouter::DeploymentState> ConfigModelRouter::states() const {
  const auto now = state_->options.now();
  std::lock_guard lock(state_->mu);
  std::vector<DeploymentState> out;
  for (std::size_t i = 0; i < state_->deployments.size(); ++i) {
    const auto& h = state_->health[i];
    out.push_back({.name = state_->deployments[i].info.name,
                   .outstanding = h.outstanding(),
                   .breaker = h.breaker(now),
                   .ejected = h.ejected(now),
                   .healthy = h.active_healthy()});
  }
  return out;
}

}  // namespace sovra::routing
