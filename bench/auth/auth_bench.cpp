// Authentication cost per request on the hot path (the key cache; no database): a valid key, an unknown key id
// and a wrong secret. The last two should cost the same (uniform failure path); a valid key is the baseline.
// Run: build/release/bench/bench_auth   (configure the release preset with -DSOVRA_BENCH=ON)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "platform/ids.hpp"
#include "platform/key_cache.hpp"
#include "platform/key_issuer.hpp"
#include "store/open.hpp"

namespace {

using namespace sovra;

struct Fixture {
  Fixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sovra-bench-auth-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    store = std::move(*store::open_store({.data_dir = dir}));
    (void)store->create_organization({"org_a", "A", 1});
    (void)store->create_project({"proj_a", "org_a", "p", 1, 0});
    // Enough keys that the map lookup is not trivially cached.
    for (int i = 0; i < 10000; ++i) {
      auto k = platform::issue_key(*store, {.org_id = "org_a", .project_id = "proj_a", .name = "k"});
      if (i == 0) valid = k->plaintext;
    }
    cache = std::make_unique<platform::KeyCache>(*store);
    (void)cache->reload_all();
    unknown = platform::generate_key().plaintext;
    wrong = valid.substr(0, valid.size() - 8) + "00000000";
  }
  ~Fixture() {
    cache.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<platform::KeyCache> cache;
  std::string valid, unknown, wrong;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void run(benchmark::State& state, const std::string& key, bool expect_ok) {
  auto& f = fixture();
  const auto now = platform::now_seconds();
  for (auto _ : state) {
    auto r = f.cache->authenticate(key, now);
    benchmark::DoNotOptimize(r);
    if (static_cast<bool>(r.principal) != expect_ok) state.SkipWithError("unexpected authentication result");
  }
}

void BM_AuthValidKey(benchmark::State& s) { run(s, fixture().valid, true); }
void BM_AuthUnknownKey(benchmark::State& s) { run(s, fixture().unknown, false); }
void BM_AuthWrongSecret(benchmark::State& s) { run(s, fixture().wrong, false); }

BENCHMARK(BM_AuthValidKey)->ThreadRange(1, 2);
BENCHMARK(BM_AuthUnknownKey);
BENCHMARK(BM_AuthWrongSecret);

}  // namespace

BENCHMARK_MAIN();
