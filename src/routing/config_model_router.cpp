#include "routing/config_model_router.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
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
};

namespace {

bool is_failure(const Error& e) {
  return e.status() >= 500 || e.code == ErrorCode::kIo || e.code == ErrorCode::kUnavailable ||
         e.code == ErrorCode::kRequestTimeout;
}

// Counts the call as outstanding on its deployment from start_* to kFinished and reports the outcome.
class TrackedBackend final : public InferenceBackend {
 public:
  TrackedBackend(std::shared_ptr<ConfigModelRouter::State> state, std::size_t index)
      : state_(std::move(state)), index_(index), inner_(state_->deployments[index].backend) {}

  Result<CallId> start_chat(api::ChatRequest request, api::ChatSink sink) override {
    state_->start(index_);
    auto wrapped = [state = state_, i = index_, sink = std::move(sink)](api::ChatEvent&& e) {
      if (e.kind == api::ChatEvent::Kind::kFinished) state->finish(i, !(e.error && is_failure(*e.error)));
      sink(std::move(e));
    };
    auto r = inner_->start_chat(std::move(request), std::move(wrapped));
    if (!r) state_->finish(index_, !is_failure(r.error()));
    return r;
  }

  Result<CallId> start_text(api::TextCompletionRequest request, api::TextSink sink) override {
    state_->start(index_);
    auto wrapped = [state = state_, i = index_, sink = std::move(sink)](api::TextEvent&& e) {
      if (e.kind == api::TextEvent::Kind::kFinished) state->finish(i, !(e.error && is_failure(*e.error)));
      sink(std::move(e));
    };
    auto r = inner_->start_text(std::move(request), std::move(wrapped));
    if (!r) state_->finish(index_, !is_failure(r.error()));
    return r;
  }

  void cancel(CallId id) override { inner_->cancel(id); }
  Result<TokenCount> count_chat_tokens(const api::ChatRequest& request) override {
    return inner_->count_chat_tokens(request);
  }

  void embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) override {
    state_->start(index_);
    inner_->embed(std::move(request), [state = state_, i = index_, done = std::move(done)](auto r) {
      state->finish(i, r.has_value() || !is_failure(r.error()));
      done(std::move(r));
    });
  }
  void rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) override {
    state_->start(index_);
    inner_->rerank(std::move(request), [state = state_, i = index_, done = std::move(done)](auto r) {
      state->finish(i, r.has_value() || !is_failure(r.error()));
      done(std::move(r));
    });
  }

 private:
  std::shared_ptr<ConfigModelRouter::State> state_;
  std::size_t index_;
  std::shared_ptr<InferenceBackend> inner_;
};

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

  const auto now = s.options.now();
  bool any_inside = false;
  std::lock_guard lock(s.mu);
  for (const auto& m : chain) {
    auto found = s.by_model.find(m);
    if (found == s.by_model.end()) continue;
    std::vector<std::size_t> candidates;
    for (auto i : found->second) {
      const auto& d = s.deployments[i];
      if (!inside(d.info, query.constraints)) continue;
      any_inside = true;
      const auto& h = s.health[i];
      if (!h.available(now)) continue;
      if (d.max_concurrency > 0 && h.outstanding() >= d.max_concurrency) continue;
      candidates.push_back(i);
    }
    if (candidates.empty()) continue;

    std::size_t chosen = candidates.front();
    if (candidates.size() > 1 && s.options.affinity && !query.affinity_key.empty()) {
      // Rendezvous hashing weighted by `weight`: the highest w / -ln(u) wins; u from hash(key, deployment).
      const auto key = std::hash<std::string>{}(query.affinity_key);
      double best = -1;
      for (auto i : candidates) {
        const auto h = mix(key ^ mix(std::hash<std::string>{}(s.deployments[i].info.name)));
        const double u = (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;  // (0, 1)
        const double score = static_cast<double>(s.deployments[i].weight) / -std::log(u);
        if (score > best) {
          best = score;
          chosen = i;
        }
      }
    } else if (candidates.size() > 1) {
      std::int64_t total = 0;
      for (auto i : candidates) total += s.deployments[i].weight;
      auto pick = [&](std::size_t skip) {
        std::int64_t sum = total;
        if (skip != SIZE_MAX) sum -= s.deployments[skip].weight;
        std::uniform_int_distribution<std::int64_t> dist(0, sum - 1);
        auto r = dist(s.rng);
        for (auto i : candidates) {
          if (i == skip) continue;
          r -= s.deployments[i].weight;
          if (r < 0) return i;
        }
        return candidates.back();
      };
      const auto a = pick(SIZE_MAX);
      const auto b = pick(a);
      // Compare (outstanding + 1) / weight without division.
      const auto load_a = (s.health[a].outstanding() + 1) * s.deployments[b].weight;
      const auto load_b = (s.health[b].outstanding() + 1) * s.deployments[a].weight;
      chosen = load_b < load_a ? b : a;
    }
    s.health[chosen].on_chosen(now);
    Route route{.backend = std::make_shared<TrackedBackend>(state_, chosen), .deployment = s.deployments[chosen].info};
    return route;
  }

  if (!any_inside) {
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
