#include "engine/sampling/grammar/state_cache.hpp"

#include <algorithm>

namespace sovra::sampling::grammar {

namespace {

constexpr std::size_t kBudgetBytes = std::size_t{16} << 20;

}  // namespace

std::size_t StateCache::HeadsHash::operator()(const std::vector<std::uint32_t>& v) const {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const std::uint32_t x : v) h = (h ^ x) * 0x100000001B3ULL;
  return static_cast<std::size_t>(h);
}

std::uint32_t StateCache::cons(const StackNode& n) {
  const NodeKey key{(std::uint64_t{n.pos} << 32) | n.parent,
                    (std::uint64_t{n.partial} << 16) | (std::uint64_t{n.remaining} << 8) | n.length};
  auto [it, inserted] = node_ids_.try_emplace(key, static_cast<std::uint32_t>(nodes_.size()));
  if (inserted) nodes_.push_back(n);
  return it->second;
}

std::int32_t StateCache::intern(std::vector<std::uint32_t> heads) {
  std::sort(heads.begin(), heads.end());
  heads.erase(std::unique(heads.begin(), heads.end()), heads.end());
  if (auto it = state_ids_.find(heads); it != state_ids_.end()) return it->second;
  const auto id = static_cast<std::int32_t>(state_heads_.size());
  state_heads_.push_back(heads);
  state_ids_.emplace(std::move(heads), id);
  transitions_.resize(transitions_.size() + 256, kUnknown);
  return id;
}

std::int32_t StateCache::import(std::span<const StackNode> nodes, std::span<const std::uint32_t> heads) {
  // Matcher arenas hold parents before children, so one pass conses every chain.
  remap_.resize(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    StackNode n = nodes[i];
    if (n.parent != kNoNode) n.parent = remap_[n.parent];
    remap_[i] = cons(n);
  }
  std::vector<std::uint32_t> ids;
  ids.reserve(heads.size());
  for (const std::uint32_t h : heads) ids.push_back(h == kNoNode ? kNoNode : remap_[h]);
  return intern(std::move(ids));
}

std::int32_t StateCache::compute(std::int32_t state, std::uint8_t byte) {
  const std::size_t old_size = nodes_.size();
  const std::vector<std::uint32_t> in = state_heads_[static_cast<std::size_t>(state)];
  out_.clear();
  stepper_.step(nodes_, in, byte, out_);
  if (out_.empty()) {
    nodes_.resize(old_size);
    return kDeadState;
  }
  // The step appended plain (unconsed) nodes after old_size, parents first: cons them one by one.
  fresh_.assign(nodes_.begin() + static_cast<std::ptrdiff_t>(old_size), nodes_.end());
  nodes_.resize(old_size);
  remap_.resize(fresh_.size());
  for (std::size_t i = 0; i < fresh_.size(); ++i) {
    StackNode n = fresh_[i];
    if (n.parent != kNoNode && n.parent >= old_size) n.parent = remap_[n.parent - old_size];
    remap_[i] = cons(n);
  }
  std::vector<std::uint32_t> heads;
  heads.reserve(out_.size());
  for (const std::uint32_t h : out_) heads.push_back(h != kNoNode && h >= old_size ? remap_[h - old_size] : h);
  return intern(std::move(heads));
}

bool StateCache::over_budget() const {
  return nodes_.size() * 48 + transitions_.size() * sizeof(std::int32_t) + state_heads_.size() * 64 > kBudgetBytes;
}

void StateCache::clear() {
  nodes_.clear();
  node_ids_.clear();
  state_heads_.clear();
  state_ids_.clear();
  transitions_.clear();
}

}  // namespace sovra::sampling::grammar
