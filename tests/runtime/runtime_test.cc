// Two or three runtimes in one process, each on its own thread, talking BIN
// over loopback TCP. Timers: ping_interval 1 s, ping_timeout 500 ms,
// node_timeout 3 s. Every wait is bounded.
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

TEST(runtime, RecycledConnectionsChangeNothing) {
  auto all = ports(3);
  TestNode a(1, all), b(2, all), c(3, all);
  ASSERT_TRUE(wait_for(
      [&] {
        return a.link(2) == core::LinkState::kUp && a.link(3) == core::LinkState::kUp &&
               b.link(1) == core::LinkState::kUp && c.link(1) == core::LinkState::kUp;
      },
      3s));
  std::this_thread::sleep_for(300ms);
  auto before_a = a.events().size(), before_b = b.events().size(), before_c = c.events().size();
  for (int i = 0; i < 3; ++i) {
    b.rt().close_connections();
    std::this_thread::sleep_for(200ms);
  }
  std::this_thread::sleep_for(1500ms);  // past ping_timeout and a keep-alive
  EXPECT_EQ(a.events().size(), before_a);
  EXPECT_EQ(b.events().size(), before_b);
  EXPECT_EQ(c.events().size(), before_c);
  EXPECT_EQ(a.link(2), core::LinkState::kUp);
  EXPECT_EQ(b.link(1), core::LinkState::kUp);
}

}  // namespace
}  // namespace lc::runtime
