#include <gtest/gtest.h>

#include <map>

#include "libcluster/core/routing.h"

namespace lc::core {
namespace {

// Builds a graph from undirected links; node 0 of `ids` is the local node.
std::vector<GraphNode> graph(std::vector<std::pair<int32_t, int32_t>> ids_prio,
                             std::vector<std::pair<int32_t, int32_t>> links) {
  std::vector<GraphNode> g;
  for (auto [id, prio] : ids_prio) g.push_back(GraphNode{id, prio, {}});
  auto at = [&](int32_t id) -> GraphNode& {
    for (auto& n : g)
      if (n.id == id) return n;
    throw std::out_of_range("node");
  };
  for (auto [a, b] : links) {
    at(a).neighbours.push_back(b);
    at(b).neighbours.push_back(a);
  }
  return g;
}

std::map<int32_t, int32_t> hops(const std::vector<Route>& routes) {
  std::map<int32_t, int32_t> m;
  for (const auto& r : routes) m[r.dst] = r.next_hop;
  return m;
}

TEST(routing, DirectLinkWinsWhateverThePriority) {
  auto g = graph({{1, 50}, {2, 99}, {3, 1}}, {{1, 2}, {1, 3}, {3, 2}});
  EXPECT_EQ(hops(compute_routes(g))[2], 2);
}

TEST(routing, FewestHopsNotPriorityFirst) {
  // topology.md §7.2: OpenSIPS's priority-ordered search answers 5
  // (1-5-3-7); the shortest path is 1-9-7.
  auto g = graph({{1, 50}, {5, 50}, {9, 50}, {3, 50}, {7, 50}},
                 {{1, 5}, {1, 9}, {5, 3}, {3, 7}, {9, 7}});
  auto r = compute_routes(g);
  EXPECT_EQ(hops(r)[7], 9);
  for (const auto& route : r)
    if (route.dst == 7) {
      EXPECT_EQ(route.hops, 2);
    }
}

TEST(routing, TiesGoToLowerPriorityThenLowerId) {
  // Two 2-hop paths to 4: via 2 and via 3.
  auto by_prio = graph({{1, 50}, {2, 60}, {3, 40}, {4, 50}}, {{1, 2}, {1, 3}, {2, 4}, {3, 4}});
  EXPECT_EQ(hops(compute_routes(by_prio))[4], 3);
  auto by_id = graph({{1, 50}, {2, 50}, {3, 50}, {4, 50}}, {{1, 2}, {1, 3}, {2, 4}, {3, 4}});
  EXPECT_EQ(hops(compute_routes(by_id))[4], 2);
}

TEST(routing, TieBreakIsByFirstHopAtEveryDepth) {
  // 1-2-4-6 and 1-3-5-6: equal length, first hop 2 beats 3 even though the
  // second hop 5 has a better priority than 4.
  auto g = graph({{1, 50}, {2, 50}, {3, 50}, {4, 50}, {5, 1}, {6, 50}},
                 {{1, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}, {5, 6}});
  EXPECT_EQ(hops(compute_routes(g))[6], 2);
}

TEST(routing, EdgesAreDirected) {
  // 2 reaches 3 (as 2 advertises); 3's own list need not name 2, since
  // relays never report links towards themselves.
  std::vector<GraphNode> g{{1, 50, {2}}, {2, 50, {3}}, {3, 50, {}}};
  EXPECT_EQ(hops(compute_routes(g))[3], 2);
  // But 3 claiming a link to 2 gives no path from 2 to 3.
  std::vector<GraphNode> back{{1, 50, {2}}, {2, 50, {}}, {3, 50, {2}}};
  EXPECT_EQ(hops(compute_routes(back)).count(3), 0u);
}

TEST(routing, UnknownIdsAndSelfLoopsAreIgnored) {
  std::vector<GraphNode> g{{1, 50, {1, 2, 77}}, {2, 50, {2, 1, 3, 88}}, {3, 50, {2}}};
  auto r = hops(compute_routes(g));
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r[3], 2);
}

TEST(routing, IsolatedLocalNodeReachesNobody) {
  std::vector<GraphNode> g{{1, 50, {}}, {2, 50, {3}}, {3, 50, {2}}};
  EXPECT_TRUE(compute_routes(g).empty());
}

}  // namespace
}  // namespace lc::core
