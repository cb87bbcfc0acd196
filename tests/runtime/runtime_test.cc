// Two or three runtimes in one process, each on its own thread, talking BIN
// over loopback TCP. Timers: ping_interval 1 s, ping_timeout 500 ms,
// node_timeout 3 s. Every wait is bounded.
#include <algorithm>

#include "test_node.h"

namespace lc::runtime {
namespace {

using namespace lc::runtime::test;

TEST(runtime, TwoNodesFormACluster) {
  auto all = ports(2);
  TestNode a(1, all), b(2, all);
  ASSERT_TRUE(wait_for([&] { return a.link(2) == core::LinkState::kUp; }, 3s));
  ASSERT_TRUE(wait_for([&] { return b.link(1) == core::LinkState::kUp; }, 3s));
  ASSERT_TRUE(wait_for([&] { return a.events().size() == 1; }, 1s));
  EXPECT_TRUE(a.events()[0].up);
}

TEST(runtime, StoppedPeerIsSeenDownWithinARoundTrip) {
  auto all = ports(2);
  TestNode a(1, all);
  auto b = std::make_unique<TestNode>(2, all);
  ASSERT_TRUE(wait_for([&] { return a.reachable(2); }, 3s));
  auto t0 = std::chrono::steady_clock::now();
  b->stop();
  auto took = wait_for([&] { return !a.reachable(2); }, 2s);
  ASSERT_TRUE(took) << "node 2 still reachable 2 s after it stopped";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 400ms) << "took " << took->count() << " ms";
  // Restart: back Up quickly thanks to the new node's own probes.
  b = std::make_unique<TestNode>(2, all);
  EXPECT_TRUE(wait_for([&] { return a.reachable(2); }, 2s));
}

// Plays node `id` of cluster 1 on its own thread: answers every PING with a
// PONG, so that the real nodes hold their links to it Up and, it being their
// other Up neighbour, send it an LS_UPDATE each time one of their links
// leaves or enters Up (even for an instant: the update is queued on the
// transition itself), and records those LS_UPDATEs.
class WitnessNode {
 public:
  WitnessNode(int32_t id, uint16_t port, std::vector<int32_t> others)
      : id_(id), others_(std::move(others)),
        peer_(port, [this](int fd, const wire::InternalMessage& m) { handle(fd, m); }) {
    thread_ = std::thread([this] {
      while (!stop_) peer_.serve_for(50ms);
    });
  }
  ~WitnessNode() {
    stop_ = true;
    thread_.join();
  }
  bool ok() const { return peer_.ok(); }
  // LS_UPDATEs received about the link between a and b, from either side.
  int ls_updates_about(int32_t a, int32_t b) {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(updates_.begin(), updates_.end(), [&](auto u) {
      return (u.first == a && u.second == b) || (u.first == b && u.second == a);
    }));
  }

 private:
  void handle(int fd, const wire::InternalMessage& m) {
    if (auto* ping = std::get_if<wire::Ping>(&m.body)) {
      wire::Pong pong;
      if (ping->req_node_list)
        for (int32_t other : others_)
          if (other != m.src_node_id) pong.node_ids.push_back(other);
      auto bytes = wire::encode(wire::InternalMessage{m.cluster_id, id_, pong, wire::kBinVersion});
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    } else if (auto* ls = std::get_if<wire::LsUpdate>(&m.body)) {
      std::lock_guard lock(mu_);
      updates_.emplace_back(m.src_node_id, ls->neigh_id);
    }
  }

  int32_t id_;
  std::vector<int32_t> others_;
  std::mutex mu_;
  std::vector<std::pair<int32_t, int32_t>> updates_;  // (originator, neighbour)
  FakePeer peer_;  // after what its handler uses
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Two real nodes and a witness (node 3) linked to both: every way the link
// 1-2 can leave Up (to Probe after a missed PONG, to Down after a refused
// connection) sends the witness an LS_UPDATE and, the witness relaying
// nothing, makes node 2 unreachable from 1 (a NODE_DOWN event and a
// node_states report).
struct PairWithWitness {
  NodePorts all = ports(3);
  WitnessNode witness{3, all[2].second, {1, 2}};
  TestNode a{1, all}, b{2, all};

  bool all_up() {
    return a.link(2) == core::LinkState::kUp && b.link(1) == core::LinkState::kUp &&
           a.link(3) == core::LinkState::kUp && b.link(3) == core::LinkState::kUp;
  }
};

TEST(runtime, RecycledConnectionsChangeNothing) {
  PairWithWitness p;
  ASSERT_TRUE(p.witness.ok());
  ASSERT_TRUE(wait_for([&] { return p.all_up(); }, 3s));
  std::this_thread::sleep_for(300ms);  // the link-up exchanges settle
  const int updates = p.witness.ls_updates_about(1, 2);
  const auto events_a = p.a.events().size(), events_b = p.b.events().size();
  const auto reports_a = p.a.node_state_reports(), reports_b = p.b.node_state_reports();
  const auto resets_a = p.a.counters().resets, resets_b = p.b.counters().resets;
  // Each side recycles its connections in turn, several times, each time
  // long enough for the re-check PING and its PONG (loopback: well within
  // ping_timeout) and sometimes across a keep-alive.
  for (int i = 0; i < 6; ++i) {
    (i % 2 ? p.a : p.b).rt().close_connections();
    std::this_thread::sleep_for(250ms);
  }
  std::this_thread::sleep_for(1500ms);  // past ping_timeout and a keep-alive
  EXPECT_GE(p.a.counters().resets - resets_a, 3u) << "node 1 never saw its peer's closes";
  EXPECT_GE(p.b.counters().resets - resets_b, 3u) << "node 2 never saw its peer's closes";
  EXPECT_EQ(p.witness.ls_updates_about(1, 2), updates) << "the link 1-2 left Up at some point";
  EXPECT_EQ(p.a.events().size(), events_a);
  EXPECT_EQ(p.b.events().size(), events_b);
  EXPECT_EQ(p.a.node_state_reports(), reports_a);
  EXPECT_EQ(p.b.node_state_reports(), reports_b);
  EXPECT_EQ(p.a.link(2), core::LinkState::kUp);
  EXPECT_EQ(p.b.link(1), core::LinkState::kUp);
}

// The witness of the test above sees a link leave Up even for an instant:
// a send failure takes 1-2 Down and the next PING from 2 brings it back Up
// within milliseconds, yet the LS_UPDATEs and the events are there.
TEST(runtime, WitnessSeesEvenABriefLinkDrop) {
  PairWithWitness p;
  ASSERT_TRUE(p.witness.ok());
  ASSERT_TRUE(wait_for([&] { return p.all_up(); }, 3s));
  std::this_thread::sleep_for(300ms);
  const int updates = p.witness.ls_updates_about(1, 2);
  const auto events_a = p.a.events().size();
  p.a.rt().call([](core::Engine& e, core::Now now) { e.on_send_failed(now, 2); });
  EXPECT_TRUE(wait_for([&] { return p.witness.ls_updates_about(1, 2) > updates; }, 1s));
  EXPECT_TRUE(wait_for([&] { return p.a.events().size() > events_a; }, 1s));
}

}  // namespace
}  // namespace lc::runtime
