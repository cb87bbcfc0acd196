// Benchmarks of lc::core::compute_routes (routing.h) on random connected
// link-state graphs: 64 and 256 nodes with an average degree of about 6, and
// a 64-node full mesh. Graphs come from a fixed seed (splitmix64), so every
// run measures the same inputs.
//
//   build/bin/routing_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "libcluster/core/routing.h"

namespace {

uint64_t next(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
uint64_t below(uint64_t& s, uint64_t n) { return next(s) % n; }  // bias irrelevant here

// Node ids 1..n, node 1 local; a random spanning tree plus random chords
// until the average degree reaches `degree` (or a full mesh when degree >= n-1).
std::vector<lc::core::GraphNode> make_graph(int n, int degree, uint64_t seed) {
  std::set<std::pair<int, int>> edges;
  auto add = [&](int a, int b) {
    if (a == b) return;
    edges.insert({std::min(a, b), std::max(a, b)});
  };
  if (degree >= n - 1) {
    for (int a = 1; a <= n; ++a)
      for (int b = a + 1; b <= n; ++b) add(a, b);
  } else {
    for (int i = 2; i <= n; ++i) add(i, 1 + static_cast<int>(below(seed, i - 1)));
    const std::size_t target = static_cast<std::size_t>(n) * degree / 2;
    while (edges.size() < target)
      add(1 + static_cast<int>(below(seed, n)), 1 + static_cast<int>(below(seed, n)));
  }
  std::vector<lc::core::GraphNode> nodes(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    nodes[i].id = i + 1;
    nodes[i].priority = static_cast<int32_t>(1 + below(seed, 4));
  }
  for (auto [a, b] : edges) {
    nodes[a - 1].neighbours.push_back(b);
    nodes[b - 1].neighbours.push_back(a);
  }
  return nodes;
}

void BM_ComputeRoutes(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int degree = static_cast<int>(state.range(1));
  const auto graph = make_graph(n, degree, 0x5eed + static_cast<uint64_t>(n));
  std::size_t routes = 0;
  for (auto _ : state) {
    auto r = lc::core::compute_routes(graph);
    routes = r.size();
    benchmark::DoNotOptimize(r);
  }
  std::size_t e = 0;
  for (const auto& g : graph) e += g.neighbours.size();
  state.counters["nodes"] = n;
  state.counters["edges"] = static_cast<double>(e / 2);
  state.counters["routes"] = static_cast<double>(routes);
}

}  // namespace

BENCHMARK(BM_ComputeRoutes)->Args({64, 6})->Args({256, 6})->Args({64, 63})->Unit(benchmark::kMicrosecond);
