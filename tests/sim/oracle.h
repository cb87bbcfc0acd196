// The routing oracle of the property tests, written independently of the
// engine's routing code: breadth-first search over the real up-graph.
//
// Rule (DESIGN.md, routing.h): a direct link wins; otherwise the fewest hops;
// among the shortest paths, the first hop with the lowest (priority, node id).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lc::sim {

class UpGraph {
 public:
  // Nodes 1..n; priority indexed by node id (entry 0 unused).
  UpGraph(int n, std::vector<int32_t> priority);
  int size() const { return n_; }
  void add_edge(int a, int b);
  bool edge(int a, int b) const { return adj_[idx(a, b)]; }
  // Hop distance from a to b; -1 when unreachable; 0 when a == b.
  int dist(int a, int b) const;
  // Next hop from src to dst (rerouting on); nullopt when unreachable or equal.
  std::optional<int> next_hop(int src, int dst) const;
  bool reachable(int src, int dst) const { return src != dst && dist(src, dst) > 0; }
  // "1-2 1-3 ..." for failure messages.
  std::string edges_string() const;

 private:
  std::size_t idx(int a, int b) const { return static_cast<std::size_t>(a * (n_ + 1) + b); }
  void compute() const;
  int n_;
  std::vector<int32_t> prio_;
  std::vector<bool> adj_;
  mutable bool dirty_ = true;
  mutable std::vector<int> dist_;  // all pairs
};

}  // namespace lc::sim
