// Next-hop computation over a link-state graph. Pure: the same graph always
// gives the same table. Rule (docs/decisions.md): a direct Up link wins;
// otherwise the fewest-hops path, ties broken by the first hop's lower
// priority value, then its lower node id. Edges are directed, as advertised
// ("X reaches Y"), like OpenSIPS's: relays never report a node's link to
// themselves, so the reverse direction is often unknown (docs/decisions.md R2).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace lc::core {

struct GraphNode {
  int32_t id = 0;
  int32_t priority = 0;
  // For the local node: nodes its direct link is Up with. For remote nodes:
  // the adjacency they advertised.
  std::vector<int32_t> neighbours;
};

struct Route {
  int32_t dst = 0;
  int32_t next_hop = 0;
  int32_t hops = 0;
};

// `nodes[0]` is the local node. Returns one Route per reachable remote node,
// sorted by dst. Runs in O(V + E log E).
std::vector<Route> compute_routes(const std::vector<GraphNode>& nodes);

}  // namespace lc::core
