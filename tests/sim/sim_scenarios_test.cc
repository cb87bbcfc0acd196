// Scenario tests: hand-written situations with the timings of topology.md §4
// (default timers: ping_interval 4 s, ping_timeout 1000 ms, node_timeout
// 60 s, 3 retries; heartbeat tick = gcd = 1000 ms), and the OpenSIPS issues
// the reimplementation must not reproduce.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "libcluster/wire/codec.h"
#include "oracle.h"
#include "schedule.h"
#include "sim.h"

namespace lc::sim {
namespace {

using core::LinkState;
using core::SendResult;
using wire::MsgType;

constexpr int32_t kCl = 1;
constexpr int64_t kTick = 1000;

SimConfig defaults(int n, uint64_t seed = 1) {
  SimConfig c;
  c.n = n;
  c.seed = seed;
  c.min_latency_ms = 1;
  c.max_latency_ms = 5;
  return c;  // Config's defaults: 4 s / 1000 ms / 60 s, db_mode, rerouting
}

// Every packet handed to the network, decoded to what scenarios look at.
struct Wire {
  struct Pkt {
    int64_t t;
    int src, dst;
    MsgType type;
    int32_t req_list = -1;  // PING only
    int32_t trailer_dst = 0;
    std::string tag;
  };
  std::vector<Pkt> pkts;
  void attach(Sim& sim) {
    sim.set_observer([this](int64_t t, int src, int dst, const wire::Packet& p) {
      Pkt k{t, src, dst, MsgType::kPing, -1, 0, {}};
      if (auto* m = std::get_if<wire::InternalMessage>(&p)) {
        k.type = wire::type_of(m->body);
        if (auto* ping = std::get_if<wire::Ping>(&m->body)) k.req_list = ping->req_node_list;
      } else if (auto* x = std::get_if<wire::ExtraMessage>(&p)) {
        k.type = wire::type_of(x->body);
        k.trailer_dst = x->trailer.dst_node_id;
        if (auto* g = std::get_if<wire::GenericMsg>(&x->body)) k.tag = g->tag;
      } else {
        return;
      }
      pkts.push_back(std::move(k));
    });
  }
  std::vector<int64_t> times(int src, int dst, MsgType type, int64_t from = 0,
                             int64_t to = INT64_MAX) const {
    std::vector<int64_t> v;
    for (const auto& p : pkts)
      if (p.src == src && p.dst == dst && p.type == type && p.t >= from && p.t <= to)
        v.push_back(p.t);
    return v;
  }
  int count(MsgType type, int src = 0, int dst = 0) const {
    int c = 0;
    for (const auto& p : pkts)
      if (p.type == type && (!src || p.src == src) && (!dst || p.dst == dst)) ++c;
    return c;
  }
};

std::string state_name(const Sim& sim, int a, int b) {
  auto v = sim.view(a, b);
  return v ? std::string(core::link_state_name(v->link_state)) : "unknown";
}

// Time of the first moment (polled every `step` ms) where pred holds.
std::optional<int64_t> wait_for(Sim& sim, const std::function<bool()>& pred, int64_t timeout,
                                int64_t step = 1) {
  const int64_t end = sim.now_ms() + timeout;
  while (sim.now_ms() <= end) {
    if (pred()) return sim.now_ms();
    sim.run_for(step);
  }
  return std::nullopt;
}

std::optional<int64_t> event_time(const Sim& sim, int n, int peer, bool up, int64_t since = 0) {
  for (const auto& r : sim.log(n))
    if (auto* e = std::get_if<core::NodeStateChanged>(&r.ev))
      if (r.incarnation == sim.incarnation(n) && e->node_id == peer && e->up == up &&
          r.t >= since)
        return r.t;
  return std::nullopt;
}

int total_state_events(const Sim& sim, int64_t since = 0) {
  int c = 0;
  for (int n = 1; n <= sim.size(); ++n)
    for (const auto& r : sim.log(n))
      if (std::holds_alternative<core::NodeStateChanged>(r.ev) && r.t >= since) ++c;
  return c;
}

void expect_all_up(const Sim& sim, const char* when) {
  for (int a = 1; a <= sim.size(); ++a)
    for (int b = 1; b <= sim.size(); ++b)
      if (a != b && sim.alive(a) && sim.alive(b)) {
        EXPECT_EQ(sim.link_label(a, b), "Up") << when << ": link " << a << " -> " << b << " is "
                                              << state_name(sim, a, b);
      }
}

SendResult send(Sim& sim, int src, int dst, const std::string& tag) {
  return sim.call(src, [&](core::Engine& e, core::Now now) {
    return e.send_generic(now, kCl, dst, true, tag, "payload");
  });
}

// ---------------------------------------------------------------- startup

void startup(int n) {
  Sim sim(defaults(n));
  Wire w;
  w.attach(sim);
  const int64_t t0 = sim.now_ms();
  // Before the first tick every remote node is being probed.
  for (int a = 1; a <= n; ++a)
    for (int b = 1; b <= n; ++b)
      if (a != b) {
        EXPECT_EQ(sim.link_label(a, b), "Probe");
      }
  // The first tick (at t0) pings everyone; the PONGs bring the links Up.
  sim.run_for(100);
  expect_all_up(sim, "100 ms after start");
  for (int a = 1; a <= n; ++a)
    for (int b = 1; b <= n; ++b) {
      if (a == b) continue;
      auto pings = w.times(a, b, MsgType::kPing);
      ASSERT_FALSE(pings.empty());
      EXPECT_EQ(pings.front(), t0) << "first ping " << a << " -> " << b;
      EXPECT_EQ(sim.count_state(a, b, true), 1) << a << " about " << b;
    }
  sim.run_for(30'000);
  expect_all_up(sim, "after 30 s");
  for (int a = 1; a <= n; ++a)
    for (int b = 1; b <= n; ++b) {
      if (a == b) continue;
      EXPECT_EQ(sim.count_state(a, b, true), 1) << a << " about " << b;
      EXPECT_EQ(sim.count_state(a, b, false), 0) << a << " about " << b;
      auto hop = sim.engine(a).get_next_hop(kCl, b);
      ASSERT_TRUE(hop);
      EXPECT_EQ(hop->node_id, b);
    }
  EXPECT_TRUE(sim.violations().empty()) << sim.violations().front();
}

TEST(sim_scenario, StartupTwoNodes) { startup(2); }
TEST(sim_scenario, StartupThreeNodes) { startup(3); }

// ---------------------------------------------------------------- peer death

// The host of node 2 vanishes (black hole: nothing answers, nothing is
// refused). §4.6: keep-alive at t, link leaves Up at ≈t+1 s (DOWN event),
// retries at t+1, t+2, t+3, state Down at ≈t+4 s, next probe ≈60 s after
// the last ping.
TEST(sim_scenario, PeerDiesWhileIdle) {
  SimConfig c = defaults(2);
  c.crash_refuses = false;
  Sim sim(c);
  Wire w;
  w.attach(sim);
  sim.run_for(20'300);
  expect_all_up(sim, "before the crash");
  const int64_t crash_t = sim.now_ms();
  sim.crash(2);

  auto left = wait_for(sim, [&] { return sim.link_label(1, 2) != "Up"; }, 10'000);
  ASSERT_TRUE(left) << "link never left Up";
  const auto pings = w.times(1, 2, MsgType::kPing, crash_t);
  ASSERT_FALSE(pings.empty());
  const int64_t keepalive = pings.front();
  EXPECT_LE(keepalive - crash_t, 4 * kTick) << "a keep-alive every ping_interval";
  EXPECT_GE(*left - keepalive, 1000) << "left Up before ping_timeout";
  EXPECT_LE(*left - keepalive, 1000 + kTick) << "left Up late";
  auto down_ev = event_time(sim, 1, 2, false);
  ASSERT_TRUE(down_ev) << "no DOWN event";
  EXPECT_EQ(*down_ev, *left);

  auto down = wait_for(sim, [&] { return state_name(sim, 1, 2) == "LS_DOWN"; }, 10'000);
  ASSERT_TRUE(down);
  EXPECT_GE(*down - keepalive, 4000 - kTick);
  EXPECT_LE(*down - keepalive, 4000 + kTick);
  const auto retries = w.times(1, 2, MsgType::kPing, keepalive + 1, *down);
  EXPECT_EQ(retries.size(), 3u) << "no_ping_retries = 3";
  EXPECT_EQ(sim.link_label(1, 2), "Down");

  // Re-probe after node_timeout.
  const int64_t last_ping = w.times(1, 2, MsgType::kPing).back();
  sim.run_until(last_ping + 70'000);
  const auto reprobe = w.times(1, 2, MsgType::kPing, last_ping + 1);
  ASSERT_FALSE(reprobe.empty()) << "never re-probed";
  EXPECT_GE(reprobe.front() - last_ping, 60'000);
  EXPECT_LE(reprobe.front() - last_ping, 60'000 + kTick);
  EXPECT_EQ(sim.count_state(1, 2, false), 1);
  EXPECT_EQ(sim.count_state(1, 2, true), 1);
}

// The process of node 2 dies but its host refuses connections: the next
// keep-alive fails to send, the link leaves Up at once and goes Down after
// the retries.
TEST(sim_scenario, PeerProcessCrashRefusesConnections) {
  Sim sim(defaults(2));
  Wire w;
  w.attach(sim);
  sim.run_for(20'300);
  const int64_t crash_t = sim.now_ms();
  sim.crash(2);
  auto left = wait_for(sim, [&] { return sim.link_label(1, 2) != "Up"; }, 10'000);
  ASSERT_TRUE(left);
  const int64_t keepalive = w.times(1, 2, MsgType::kPing, crash_t).front();
  EXPECT_LE(*left - keepalive, 20) << "a refused send is noticed within a round trip";
  EXPECT_TRUE(event_time(sim, 1, 2, false));
  auto down = wait_for(sim, [&] { return state_name(sim, 1, 2) == "LS_DOWN"; }, 10'000);
  ASSERT_TRUE(down) << state_name(sim, 1, 2);
  EXPECT_LE(*down - keepalive, 4000 + kTick);
}


// ---------------------------------------------------------------- §4.1 rows

// Each row of the heartbeat table, seen through list() and the wire.
TEST(sim_scenario, LinkStateTransitions) {
  Sim sim(defaults(2));
  Wire w;
  w.attach(sim);
  const int64_t t0 = sim.now_ms();
  // Row 0: RESTART_PINGING --first tick, ping(1)--> RESTARTED.
  EXPECT_EQ(state_name(sim, 1, 2), "LS_RESTART_PINGING");
  sim.run_until(t0);
  EXPECT_EQ(state_name(sim, 1, 2), "LS_RESTARTED");
  EXPECT_EQ(sim.link_label(1, 2), "Probe");
  ASSERT_EQ(w.times(1, 2, MsgType::kPing).size(), 1u);
  EXPECT_EQ(w.pkts.front().req_list, 1);
  // PONG within ping_timeout --> Up.
  ASSERT_TRUE(wait_for(sim, [&] { return sim.link_label(1, 2) == "Up"; }, 50));

  // Row 5: keep-alive pings (req_node_list 0) every ping_interval while idle.
  sim.run_until(t0 + 20'500);
  auto pings = w.times(1, 2, MsgType::kPing, t0 + 1);
  ASSERT_GE(pings.size(), 4u);
  for (std::size_t i = 1; i < pings.size(); ++i) EXPECT_EQ(pings[i] - pings[i - 1], 4000);
  for (const auto& p : w.pkts)
    if (p.type == MsgType::kPing && p.t > t0 && p.src == 1) {
      EXPECT_EQ(p.req_list, 0);
    }
  EXPECT_EQ(sim.link_label(1, 2), "Up");

  // Row 2: node 1 stops hearing node 2 (its PONGs are lost): the keep-alive
  // is not answered within ping_timeout --> RETRYING (Probe), ping(1).
  const int64_t tb = sim.now_ms();
  sim.block(2, 1);
  auto left = wait_for(sim, [&] { return sim.link_label(1, 2) != "Up"; }, 6000);
  ASSERT_TRUE(left);
  const int64_t keepalive = w.times(1, 2, MsgType::kPing, tb).front();
  EXPECT_EQ(*left - keepalive, 1000);
  EXPECT_EQ(state_name(sim, 1, 2), "LS_RETRYING");
  // Row 3: retries every ping_timeout, then DOWN.
  auto down = wait_for(sim, [&] { return sim.link_label(1, 2) == "Down"; }, 6000);
  ASSERT_TRUE(down);
  EXPECT_EQ(*down - keepalive, 4000);
  EXPECT_EQ(w.times(1, 2, MsgType::kPing, keepalive + 1, *down).size(), 3u);

  // Row 4: DOWN --node_timeout after the last ping--> ping(1), RESTARTED.
  // Node 2 must stay unheard until then (its own re-probe would otherwise
  // wake node 1 up earlier, §4.3).
  const int64_t last_ping = w.times(1, 2, MsgType::kPing).back();
  sim.run_until(last_ping + 59'000);
  EXPECT_EQ(sim.link_label(1, 2), "Down");
  sim.unblock(2, 1);
  auto reprobe_state =
      wait_for(sim, [&] { return state_name(sim, 1, 2) != "LS_DOWN"; }, 3000);
  ASSERT_TRUE(reprobe_state);
  const auto reprobe = w.times(1, 2, MsgType::kPing, last_ping + 1);
  ASSERT_FALSE(reprobe.empty());
  EXPECT_GE(reprobe.front() - last_ping, 59'000);
  EXPECT_LE(reprobe.front() - last_ping, 60'000 + kTick);
  ASSERT_TRUE(wait_for(sim, [&] { return sim.link_label(1, 2) == "Up"; }, 3000));

  // Sending fails (node 2's process is gone, connections refused): the
  // refusal is proof, the link is Down at once (docs/decisions.md L1), not
  // after RETRY_SEND_FAIL retries as in OpenSIPS, which cannot see it.
  sim.run_for(10'000);
  ASSERT_EQ(sim.link_label(1, 2), "Up");
  const int64_t crashed = sim.now_ms();
  sim.crash(2);
  auto gone = wait_for(sim, [&] { return sim.link_label(1, 2) == "Down"; }, 6000);
  ASSERT_TRUE(gone) << state_name(sim, 1, 2);
  EXPECT_LE(sim.now_ms() - crashed, 4'000 + kTick) << "down before the ping retries would end";
  EXPECT_TRUE(sim.violations().empty()) << sim.violations().front();
}

// ---------------------------------------------------------------- issue 3542

// OpenSIPS issue 3542 (flapping under load). A node that stalls for less
// than ping_timeout is not declared down and nothing is raised.
TEST(sim_scenario, Issue3542ShortStallIsNotADeath) {
  Sim sim(defaults(3));
  Wire w;
  w.attach(sim);
  sim.run_for(10'000);
  expect_all_up(sim, "settled");
  const int events0 = total_state_events(sim);
  for (int round = 0; round < 5; ++round) {
    // Stall right after node 1's keep-alive to node 2: the worst moment.
    const int64_t from = sim.now_ms();
    ASSERT_TRUE(wait_for(sim, [&] { return !w.times(1, 2, MsgType::kPing, from).empty(); }, 5000));
    sim.pause(2);
    const int64_t until = sim.now_ms() + 900;
    while (sim.now_ms() < until) {
      sim.run_for(10);
      for (int a = 1; a <= 3; ++a)
        for (int b = 1; b <= 3; ++b)
          if (a != b && a != 2) {
            EXPECT_EQ(sim.link_label(a, b), "Up") << a << "->" << b;
          }
    }
    sim.resume(2);
    sim.run_for(3000);
    expect_all_up(sim, "after a 900 ms stall");
  }
  sim.run_for(20'000);
  EXPECT_EQ(total_state_events(sim), events0) << "a short stall raised node events";
}

// A stall longer than ping_timeout but inside the retry window: the peer is
// declared down, and back up as soon as it answers (not after node_timeout).
TEST(sim_scenario, Issue3542StallWithinRetriesRecoversAtOnce) {
  Sim sim(defaults(2));
  Wire w;
  w.attach(sim);
  sim.run_for(10'000);
  const int64_t from = sim.now_ms();
  ASSERT_TRUE(wait_for(sim, [&] { return !w.times(1, 2, MsgType::kPing, from).empty(); }, 5000));
  const int64_t keepalive = sim.now_ms();
  sim.pause(2);
  sim.run_until(keepalive + 2500);
  EXPECT_NE(sim.link_label(1, 2), "Up");
  EXPECT_TRUE(event_time(sim, 1, 2, false, from));
  EXPECT_NE(state_name(sim, 1, 2), "LS_DOWN") << "still within the retries";
  const int64_t resumed = sim.now_ms();
  sim.resume(2);
  auto up = wait_for(sim, [&] { return sim.link_label(1, 2) == "Up"; }, 70'000);
  ASSERT_TRUE(up);
  EXPECT_LE(*up - resumed, 1000 + 20) << "waited for a re-probe instead of the answer";
  EXPECT_TRUE(event_time(sim, 1, 2, true, resumed));
  sim.run_for(5000);
  expect_all_up(sim, "after recovery");
  EXPECT_EQ(sim.last_state(1, 2), true);
  EXPECT_EQ(sim.last_state(2, 1), true);
}

// ---------------------------------------------------------------- issue 3341

// OpenSIPS issue 3341: with an asymmetric link (1 hears 2, 2 does not hear
// 1) nobody may believe in a direct 1-2 edge; 1<->2 traffic goes via 3.
TEST(sim_scenario, Issue3341AsymmetricLinkMakesNoPhantomRoute) {
  Sim sim(quick_config(3));
  sim.block(1, 2);  // 2 does not hear 1
  sim.run_for(2000);
  for (int i = 0; i < 60; ++i) {
    sim.run_for(1000);
    for (int a : {1, 2}) {
      const int b = 3 - a;
      EXPECT_NE(sim.link_label(a, b), "Up") << a << "->" << b << " at " << sim.elapsed_ms();
      auto hop = sim.engine(a).get_next_hop(kCl, b);
      ASSERT_TRUE(hop) << a << " cannot reach " << b << " at " << sim.elapsed_ms();
      EXPECT_EQ(hop->node_id, 3) << a << "->" << b << " at " << sim.elapsed_ms();
    }
    for (int b : {1, 2}) {
      auto hop = sim.engine(3).get_next_hop(kCl, b);
      ASSERT_TRUE(hop);
      EXPECT_EQ(hop->node_id, b);
    }
    if (i % 10 == 9) {
      const std::string t12 = "a12-" + std::to_string(i), t21 = "a21-" + std::to_string(i);
      EXPECT_EQ(send(sim, 1, 2, t12), SendResult::kSuccess);
      EXPECT_EQ(send(sim, 2, 1, t21), SendResult::kSuccess);
      sim.run_for(200);
      EXPECT_EQ(sim.count_generic(2, t12), 1);
      EXPECT_EQ(sim.count_generic(1, t21), 1);
      EXPECT_EQ(sim.count_generic_anywhere(t12) + sim.count_generic_anywhere(t21), 2);
    }
  }
  // 1 and 2 never lost each other: a path via 3 existed all along.
  EXPECT_EQ(sim.count_state(1, 2, false), 0);
  EXPECT_EQ(sim.count_state(2, 1, false), 0);
}

// ---------------------------------------------------------------- rerouting

TEST(sim_scenario, ReroutesThroughRelayWhenDirectLinkIsCut) {
  Sim sim(quick_config(3));
  Wire w;
  w.attach(sim);
  sim.run_for(3000);
  expect_all_up(sim, "settled");
  sim.cut(1, 2);
  ASSERT_TRUE(wait_for(sim, [&] {
    return sim.link_label(1, 2) != "Up" && sim.link_label(2, 1) != "Up";
  }, 5000));
  sim.run_for(1000);
  for (int a : {1, 2}) {
    auto hop = sim.engine(a).get_next_hop(kCl, 3 - a);
    ASSERT_TRUE(hop);
    EXPECT_EQ(hop->node_id, 3);
  }
  const int64_t t = sim.now_ms();
  EXPECT_EQ(send(sim, 1, 2, "via-3"), SendResult::kSuccess);
  sim.run_for(500);
  EXPECT_EQ(sim.count_generic(2, "via-3"), 1);
  EXPECT_EQ(sim.count_generic_anywhere("via-3"), 1);
  int hops_13 = 0, hops_32 = 0;
  for (const auto& p : w.pkts)
    if (p.t >= t && p.type == MsgType::kGenericMsg && p.tag == "via-3") {
      EXPECT_EQ(p.trailer_dst, 2);
      hops_13 += p.src == 1 && p.dst == 3;
      hops_32 += p.src == 3 && p.dst == 2;
    }
  EXPECT_EQ(hops_13, 1);
  EXPECT_EQ(hops_32, 1);
  // Reachable through the relay all along: no DOWN (§6).
  EXPECT_EQ(sim.count_state(1, 2, false), 0);
  EXPECT_EQ(sim.count_state(2, 1, false), 0);
  // Healing brings the direct route back.
  sim.heal(1, 2);
  ASSERT_TRUE(wait_for(sim, [&] {
    return sim.link_label(1, 2) == "Up" && sim.link_label(2, 1) == "Up";
  }, 10'000, 10));
  EXPECT_EQ(sim.engine(1).get_next_hop(kCl, 2)->node_id, 2);
}

TEST(sim_scenario, NoReroutingOnlyDirectNeighbours) {
  SimConfig c = quick_config(3);
  c.base.enable_rerouting = false;
  Sim sim(c);
  sim.cut(1, 3);  // chain 1-2-3
  sim.run_for(10'000);
  EXPECT_EQ(sim.link_label(1, 2), "Up");
  EXPECT_EQ(sim.link_label(2, 3), "Up");
  EXPECT_EQ(sim.last_state(1, 2), true);
  EXPECT_EQ(sim.last_state(2, 3), true);
  EXPECT_NE(sim.last_state(1, 3), std::optional<bool>(true));
  EXPECT_NE(sim.last_state(3, 1), std::optional<bool>(true));
  EXPECT_FALSE(sim.engine(1).get_next_hop(kCl, 3));
  EXPECT_FALSE(sim.engine(3).get_next_hop(kCl, 1));
  EXPECT_EQ(send(sim, 1, 2, "direct"), SendResult::kSuccess);
  EXPECT_NE(send(sim, 1, 3, "relayed"), SendResult::kSuccess);
  sim.run_for(1000);
  EXPECT_EQ(sim.count_generic(2, "direct"), 1);
  EXPECT_EQ(sim.count_generic_anywhere("relayed"), 0);
}

// ---------------------------------------------------------------- discovery

SimConfig discovery3() {
  SimConfig c = defaults(3);
  c.base.db_mode = false;
  c.known = {{}, {2}, {1}, {2}};  // node 3 knows only node 2
  return c;
}

TEST(sim_scenario, DiscoveryLearnsUnknownNodes) {
  Sim sim(discovery3());
  Wire w;
  w.attach(sim);
  EXPECT_FALSE(sim.view(3, 1));
  sim.run_for(5000);
  expect_all_up(sim, "5 s after start");
  EXPECT_GE(w.count(MsgType::kUnknownId, 2, 3), 1) << "2 did not know 3";
  EXPECT_GE(w.count(MsgType::kNodeDescription, 3), 1);
  auto added = [&](int n, int id) {
    for (const auto& r : sim.log(n))
      if (auto* e = std::get_if<core::NodeAdded>(&r.ev))
        if (e->node_id == id) return true;
    return false;
  };
  EXPECT_TRUE(added(2, 3));
  EXPECT_TRUE(added(1, 3));
  EXPECT_TRUE(added(3, 1));
  for (int a = 1; a <= 3; ++a)
    for (int b = 1; b <= 3; ++b)
      if (a != b) {
        EXPECT_EQ(sim.last_state(a, b), true) << a << " about " << b;
        EXPECT_EQ(sim.count_state(a, b, false), 0) << a << " about " << b;
      }
  EXPECT_EQ(send(sim, 3, 1, "hello-1"), SendResult::kSuccess);
  sim.run_for(100);
  EXPECT_EQ(sim.count_generic(1, "hello-1"), 1);
}

// ---------------------------------------------------------------- admin

TEST(sim_scenario, DisableAndEnableRemoteNode) {
  Sim sim(defaults(3));
  sim.run_for(10'000);
  auto r = sim.call(1, [](core::Engine& e, core::Now now) { return e.set_status(now, kCl, 2, false); });
  EXPECT_EQ(r, core::CommandResult::kOk);
  auto v = sim.view(1, 2);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->enabled);
  EXPECT_EQ(sim.link_label(1, 2), "Down");
  sim.run_for(15'000);
  EXPECT_EQ(sim.link_label(1, 2), "Down") << "a disabled node is not pinged";
  EXPECT_NE(sim.link_label(2, 1), "Up") << "node 1 no longer answers node 2";
  // Routing ignores the flag (§9.1): 2 is still reachable through 3.
  auto hop = sim.engine(1).get_next_hop(kCl, 2);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->node_id, 3);
  EXPECT_EQ(sim.count_state(1, 2, false), 0);
  EXPECT_EQ(sim.count_state(2, 1, false), 0);

  r = sim.call(1, [](core::Engine& e, core::Now now) { return e.set_status(now, kCl, 2, true); });
  EXPECT_EQ(r, core::CommandResult::kOk);
  EXPECT_EQ(sim.link_label(1, 2), "Probe");
  ASSERT_TRUE(wait_for(sim, [&] {
    return sim.link_label(1, 2) == "Up" && sim.link_label(2, 1) == "Up";
  }, 3000, 10)) << state_name(sim, 1, 2) << " / " << state_name(sim, 2, 1);
  EXPECT_EQ(sim.engine(1).get_next_hop(kCl, 2)->node_id, 2);
  EXPECT_EQ(sim.call(1, [](core::Engine& e, core::Now now) { return e.set_status(now, kCl, 9, false); }),
            core::CommandResult::kUnknownNode);
  EXPECT_EQ(sim.call(1, [](core::Engine& e, core::Now now) { return e.set_status(now, 7, 2, false); }),
            core::CommandResult::kUnknownCluster);
}

TEST(sim_scenario, DisableAndEnableLocalNode) {
  Sim sim(defaults(3));
  sim.run_for(10'000);
  const int64_t t = sim.now_ms();
  auto r = sim.call(1, [](core::Engine& e, core::Now now) { return e.set_status(now, kCl, 1, false); });
  EXPECT_EQ(r, core::CommandResult::kOk);
  EXPECT_FALSE(sim.engine(1).list().front().local_enabled);
  for (int b : {2, 3}) {
    EXPECT_EQ(sim.link_label(1, b), "Down");
    EXPECT_EQ(event_time(sim, 1, b, false, t), t) << "DOWN at once for " << b;
  }
  EXPECT_EQ(send(sim, 1, 2, "from-disabled"), SendResult::kCurrDisabled);
  // The others see node 1 fall silent and lose it (no path anywhere).
  sim.run_for(10'000);
  for (int a : {2, 3}) {
    EXPECT_NE(sim.link_label(a, 1), "Up") << a;
    EXPECT_EQ(sim.last_state(a, 1), false) << a;
    EXPECT_EQ(sim.last_state(a, 5 - a), true) << "2-3 unaffected";
  }
  const int64_t t2 = sim.now_ms();
  r = sim.call(1, [](core::Engine& e, core::Now now) { return e.set_status(now, kCl, 1, true); });
  EXPECT_EQ(r, core::CommandResult::kOk);
  ASSERT_TRUE(wait_for(sim, [&] {
    for (int a = 1; a <= 3; ++a)
      for (int b = 1; b <= 3; ++b)
        if (a != b && sim.link_label(a, b) != "Up") return false;
    return true;
  }, 5000, 10));
  for (int a : {2, 3}) EXPECT_TRUE(event_time(sim, a, 1, true, t2)) << a;
  for (int b : {2, 3}) EXPECT_TRUE(event_time(sim, 1, b, true, t2)) << b;
}

TEST(sim_scenario, RemoveNodePropagates) {
  Sim sim(discovery3());
  sim.run_for(5000);
  expect_all_up(sim, "settled");
  const int64_t t = sim.now_ms();
  auto r = sim.call(1, [](core::Engine& e, core::Now now) { return e.remove_node(now, kCl, 3); });
  EXPECT_EQ(r, core::CommandResult::kOk);
  EXPECT_FALSE(sim.view(1, 3));
  sim.run_for(2000);
  EXPECT_FALSE(sim.view(2, 3)) << "node 2 did not remove node 3";
  EXPECT_FALSE(sim.engine(3).list().front().local_enabled) << "the target disables itself";
  for (int a : {1, 2}) {
    bool removed = false;
    for (const auto& rec : sim.log(a))
      if (auto* e = std::get_if<core::NodeRemoved>(&rec.ev)) removed |= e->node_id == 3 && rec.t >= t;
    EXPECT_TRUE(removed) << "no NodeRemoved at " << a;
    EXPECT_EQ(sim.last_state(a, 3), false) << a;
  }
  sim.run_for(30'000);
  EXPECT_FALSE(sim.view(1, 3));
  EXPECT_FALSE(sim.view(2, 3));
  EXPECT_EQ(sim.link_label(1, 2), "Up");
  // db_mode=1 refuses the command.
  Sim db(defaults(2));
  EXPECT_EQ(db.call(1, [](core::Engine& e, core::Now now) { return e.remove_node(now, kCl, 2); }),
            core::CommandResult::kNotAllowed);
}

// ---------------------------------------------------------------- restart

TEST(sim_scenario, RestartedNodeIsRelearned) {
  Sim sim(defaults(3));
  sim.run_for(10'000);
  sim.crash(2);
  ASSERT_TRUE(wait_for(sim, [&] {
    return sim.last_state(1, 2) == false && sim.last_state(3, 2) == false;
  }, 15'000, 10));
  sim.run_for(5000);
  const int64_t t = sim.now_ms();
  sim.restart(2);
  auto up = wait_for(sim, [&] {
    for (int a = 1; a <= 3; ++a)
      for (int b = 1; b <= 3; ++b)
        if (a != b && sim.link_label(a, b) != "Up") return false;
    return true;
  }, 5000, 10);
  ASSERT_TRUE(up) << sim.dump();
  EXPECT_LE(*up - t, 1000) << "a restarted node pings everyone at once";
  sim.run_for(5000);
  for (int a : {1, 3}) {
    EXPECT_EQ(sim.count_state(a, 2, true, t), 1) << a;
    EXPECT_EQ(sim.engine(a).get_next_hop(kCl, 2)->node_id, 2);
    EXPECT_EQ(sim.count_state(2, a, true), 1) << "new incarnation about " << a;
    EXPECT_EQ(sim.count_state(2, a, false), 0);
  }
  EXPECT_EQ(send(sim, 1, 2, "after-restart"), SendResult::kSuccess);
  EXPECT_EQ(send(sim, 2, 3, "from-restarted"), SendResult::kSuccess);
  sim.run_for(100);
  EXPECT_EQ(sim.count_generic(2, "after-restart"), 1);
  EXPECT_EQ(sim.count_generic(3, "from-restarted"), 1);
}

// ---------------------------------------------------------------- found bugs

// Chain 1-2-3 where 1-2 comes up before 2 can talk to 3. Node 3 learns about
// node 1 only from node 2's FULL_TOP_UPDATE; 1 must be reachable via 2.
TEST(sim_scenario, LeafThatJoinedBeforeTheRelayIsReachable) {
  Sim sim(quick_config(3));
  sim.cut(1, 3);  // never linked
  sim.cut(2, 3);
  sim.run_for(3000);
  ASSERT_EQ(sim.link_label(1, 2), "Up");
  sim.heal(2, 3);
  sim.run_for(10'000);
  EXPECT_EQ(sim.link_label(2, 3), "Up");
  auto h31 = sim.engine(3).get_next_hop(kCl, 1);
  auto h13 = sim.engine(1).get_next_hop(kCl, 3);
  EXPECT_TRUE(h31 && h31->node_id == 2) << "3 cannot route to 1\n" << sim.dump();
  EXPECT_TRUE(h13 && h13->node_id == 2) << "1 cannot route to 3";
  EXPECT_EQ(sim.last_state(3, 1), true);
  EXPECT_EQ(sim.last_state(1, 3), true);
  EXPECT_EQ(send(sim, 3, 1, "3to1"), SendResult::kSuccess);
  sim.run_for(200);
  EXPECT_EQ(sim.count_generic(1, "3to1"), 1);
}

// Startup of a 10-node full mesh: each link-up floods once per node, so a
// few tens of thousands of packets at most; stale updates must not be
// re-accepted and re-flooded.
TEST(sim_scenario, FullMeshStartupFloodIsBounded) {
  SimConfig c = defaults(10);
  c.max_events = 400'000;  // fail fast when it storms
  Sim sim(c);
  sim.run_for(10'000);
  EXPECT_TRUE(sim.violations().empty()) << sim.violations().front();
  EXPECT_LT(sim.stats().sent, 60'000u) << sim.summary();
  expect_all_up(sim, "10 s after start");
}

}  // namespace
}  // namespace lc::sim
