// Two or three runtimes in one process, each on its own thread, talking BIN
// over loopback TCP. Timers: ping_interval 1 s, ping_timeout 500 ms,
// node_timeout 3 s. Every wait is bounded.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "libcluster/runtime/runtime.h"
#include "polling.h"

namespace lc::runtime {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

class TestNode {
 public:
  TestNode(int32_t id, const std::vector<std::pair<int32_t, uint16_t>>& all) {
    core::Config cfg;
    cfg.my_node_id = id;
    cfg.db_mode = false;
    cfg.ping_interval_s = 1;
    cfg.ping_timeout_ms = 500;
    cfg.node_timeout_s = 3;
    core::ClusterSpec spec;
    spec.cluster_id = 1;
    for (auto [nid, port] : all) {
      core::NodeInfo n;
      n.node_id = nid;
      n.url = "bin:127.0.0.1:" + std::to_string(port);
      if (nid == id) {
        spec.local = n;
        port_ = port;
      } else {
        spec.nodes.push_back(n);
      }
    }
    EXPECT_FALSE(core::Engine::validate(cfg, {spec}));
    Options opts;
    opts.listeners.push_back({"127.0.0.1", port_});
    rt_ = std::make_unique<Runtime>(core::Engine(cfg, {spec}, clock_now()), opts);
    rt_->add_event_listener([this](const core::Event& e) {
      std::lock_guard lock(mu_);
      if (auto* s = std::get_if<core::NodeStateChanged>(&e)) events_.push_back(*s);
    });
    auto err = rt_->start();
    EXPECT_FALSE(err) << *err;
    thread_ = std::thread([this] { rt_->run(); });
  }
  ~TestNode() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    rt_->stop();
    thread_.join();
  }

  Runtime& rt() { return *rt_; }
  std::vector<core::NodeStateChanged> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  core::LinkState link(int32_t node) {
    return rt_->call([&](core::Engine& e, core::Now) {
      const auto clusters = e.list();
      for (const auto& n : clusters[0].nodes)
        if (n.node_id == node) return n.link_state;
      return core::LinkState::kDown;
    });
  }
  bool reachable(int32_t node) {
    return rt_->call([&](core::Engine& e, core::Now) { return e.get_next_hop(1, node).has_value(); });
  }

 private:
  uint16_t port_ = 0;
  std::unique_ptr<Runtime> rt_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<core::NodeStateChanged> events_;
};

std::vector<std::pair<int32_t, uint16_t>> ports(int n) {
  std::vector<std::pair<int32_t, uint16_t>> v;
  for (int i = 1; i <= n; ++i) v.emplace_back(i, free_port());
  return v;
}

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
