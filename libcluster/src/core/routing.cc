#include "libcluster/core/routing.h"

#include <algorithm>
#include <cassert>
#include <unordered_map>

namespace lc::core {

// Breadth-first search from the local node. Level by level, every node
// inherits the best first hop among its predecessors on a shortest path,
// where "best" is the lower (priority, id) of the first hop. Because a whole
// level is finished before the next is expanded, each node's first hop is
// final when it is expanded.
std::vector<Route> compute_routes(const std::vector<GraphNode>& nodes) {
  assert(!nodes.empty());
  const std::size_t n = nodes.size();
  std::unordered_map<int32_t, uint32_t> index;
  index.reserve(n * 2);
  for (uint32_t i = 0; i < n; ++i) index.emplace(nodes[i].id, i);

  // Dense adjacency, each entry resolved once.
  std::vector<std::vector<uint32_t>> adj(n);
  for (uint32_t i = 0; i < n; ++i) {
    adj[i].reserve(nodes[i].neighbours.size());
    for (int32_t id : nodes[i].neighbours) {
      auto it = index.find(id);
      if (it != index.end() && it->second != i && it->second != 0) adj[i].push_back(it->second);
    }
  }

  constexpr int32_t kUnseen = -1;
  std::vector<int32_t> dist(n, kUnseen);
  std::vector<uint32_t> first_hop(n, 0);
  auto better = [&](uint32_t a, uint32_t b) {
    if (nodes[a].priority != nodes[b].priority) return nodes[a].priority < nodes[b].priority;
    return nodes[a].id < nodes[b].id;
  };

  std::vector<uint32_t> level{0}, next;
  dist[0] = 0;
  // Bound: each node enters exactly one level, so at most n levels.
  for (int32_t depth = 0; !level.empty(); ++depth) {
    assert(depth < static_cast<int32_t>(n));
    next.clear();
    for (uint32_t u : level) {
      for (uint32_t v : adj[u]) {
        uint32_t hop = u == 0 ? v : first_hop[u];
        if (dist[v] == kUnseen) {
          dist[v] = depth + 1;
          first_hop[v] = hop;
          next.push_back(v);
        } else if (dist[v] == depth + 1 && better(hop, first_hop[v])) {
          first_hop[v] = hop;
        }
      }
    }
    level.swap(next);
  }

  std::vector<Route> routes;
  for (uint32_t i = 1; i < n; ++i)
    if (dist[i] != kUnseen) routes.push_back(Route{nodes[i].id, nodes[first_hop[i]].id, dist[i]});
  std::sort(routes.begin(), routes.end(),
            [](const Route& a, const Route& b) { return a.dst < b.dst; });
  return routes;
}

}  // namespace lc::core
