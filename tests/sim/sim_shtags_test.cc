// Sharing tags in the simulator (capabilities-and-shtags.md Part B): the
// captured 3-node scenario, failover driven by a script-like action when
// the active node dies, a restarted node taking its configured tag back,
// partitions that leave two actives and how a heal resolves them, and a
// property over many seeded fault schedules: once the faults stop and one
// node activates the tag, exactly that node holds it.
//
// Environment: LC_SIM_SEED=<seed> runs one schedule of the property;
// LC_SIM_SEEDS=<count> changes how many; LC_SIM_TRACE=1 prints packets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "libcluster/wire/codec.h"
#include "shtag_faults.h"
#include "sim.h"

namespace lc::sim {
namespace {

using core::ShtagChanged;
using core::ShtagDefinition;
using core::ShtagReason;
using core::ShtagState;

constexpr int32_t kCl = 1;
constexpr const char* kTag = "vip";

// `active_nodes` define the tag active, every other node backup.
void define_tag(SimConfig& c, std::set<int> active_nodes, const std::string& name = kTag) {
  c.sharing_tags.resize(static_cast<std::size_t>(c.n + 1));
  for (int i = 1; i <= c.n; ++i)
    c.sharing_tags[i].push_back(ShtagDefinition{
        name, kCl, active_nodes.count(i) ? ShtagState::kActive : ShtagState::kBackup});
}

std::optional<ShtagState> state(const Sim& sim, int n, const std::string& name = kTag) {
  if (!sim.alive(n)) return std::nullopt;
  return sim.engine(n).find_shtag(name, kCl);
}

// Live nodes holding the tag active.
std::vector<int> actives(const Sim& sim, const std::string& name = kTag) {
  std::vector<int> out;
  for (int n = 1; n <= sim.size(); ++n)
    if (state(sim, n, name) == ShtagState::kActive) out.push_back(n);
  return out;
}

std::string states(const Sim& sim, const std::string& name = kTag) {
  std::ostringstream s;
  for (int n = 1; n <= sim.size(); ++n) {
    auto st = state(sim, n, name);
    s << n << "=" << (!sim.alive(n) ? "dead" : !st ? "none" : std::string(core::shtag_state_name(*st)))
      << " ";
  }
  return s.str();
}

// Tag changes node n raised (current incarnation).
std::vector<ShtagChanged> changes(const Sim& sim, int n) {
  std::vector<ShtagChanged> out;
  for (const auto& r : sim.log(n))
    if (const auto* e = std::get_if<ShtagChanged>(&r.ev))
      if (r.incarnation == sim.incarnation(n)) out.push_back(*e);
  return out;
}

void activate(Sim& sim, int n, ShtagReason why, const std::string& name = kTag) {
  auto r = sim.call(n, [&](core::Engine& e, core::Now now) {
    return e.shtag_activate(now, name, kCl, why);
  });
  ASSERT_EQ(r, ShtagState::kActive);
}

bool all_reachable(const Sim& sim) {
  for (int a = 1; a <= sim.size(); ++a)
    for (int b = 1; b <= sim.size(); ++b)
      if (a != b && (!sim.alive(a) || !sim.alive(b) || sim.last_state(a, b) != true)) return false;
  return true;
}

// A SHTAG_ACTIVE on the wire: hop (src -> dst) and trailer (origin -> target).
struct Announcement {
  int64_t t;
  int hop_src, hop_dst, origin, target;
  wire::Bytes bytes;
};

// Every SHTAG_ACTIVE handed to the network. Declare after the Sim.
struct Announcements {
  std::vector<Announcement> seen;
  void attach(Sim& sim) {
    sim.set_observer([this](int64_t t, int src, int dst, const wire::Packet& p) {
      if (const auto* m = std::get_if<wire::ExtraMessage>(&p))
        if (std::holds_alternative<wire::ShtagActive>(m->body))
          seen.push_back({t, src, dst, m->trailer.src_node_id, m->trailer.dst_node_id,
                          wire::encode(p)});
    });
  }
  // (origin, target) pairs.
  std::set<std::pair<int, int>> told() const {
    std::set<std::pair<int, int>> out;
    for (const auto& a : seen) out.insert({a.origin, a.target});
    return out;
  }
};

wire::Bytes from_hex(std::string_view h) {
  wire::Bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    b.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return b;
}

// ---------------------------------------------------------------- scenarios

// captures/opensips-3.6.8-bin-packets.txt, scenario "three": node 1 has
// vip/1=active, node 2 vip/1=backup, node 3 knows only node 2 (discovery).
// Node 1 announces to 2, and to 3 once it learns it; then node 2 activates
// vip/1 and node 1 steps down. The SHTAG_ACTIVE packets are the captured
// bytes.
TEST(sim_shtags, CapturedScenarioThree) {
  SimConfig c = quick_config(3);
  c.base.db_mode = false;
  c.known = {{}, {2}, {1}, {2}};
  define_tag(c, {1});
  Sim sim(c);
  Announcements net;
  net.attach(sim);
  sim.run_for(8000);
  ASSERT_TRUE(all_reachable(sim)) << sim.dump();
  EXPECT_EQ(actives(sim), std::vector<int>{1});
  EXPECT_EQ(net.told(), (std::set<std::pair<int, int>>{{1, 2}, {1, 3}})) << "announced to each node";
  EXPECT_EQ(std::count_if(net.seen.begin(), net.seen.end(),
                          [](const Announcement& a) { return a.hop_src == a.origin; }),
            2)
      << "once each (a relay's copy aside)";
  for (int n : {1, 2, 3}) EXPECT_TRUE(changes(sim, n).empty()) << "startup is silent: node " << n;

  net.seen.clear();
  activate(sim, 2, ShtagReason::kMiCommand);
  sim.run_for(500);  // "node 1, 0.5 s later"
  EXPECT_EQ(actives(sim), std::vector<int>{2});
  ASSERT_EQ(net.seen.size(), 2u);
  // Newest node first: 3, then 1; bytes as captured.
  EXPECT_EQ(net.seen[0].bytes, from_hex("5034434b3000000001000f00636c757374657265722d65787472610d0000000300766970010000000200000003000000"));
  EXPECT_EQ(net.seen[1].bytes, from_hex("5034434b3000000001000f00636c757374657265722d65787472610d0000000300766970010000000200000001000000"));
  auto ev1 = changes(sim, 1);
  ASSERT_EQ(ev1.size(), 1u);
  EXPECT_FALSE(ev1[0].active);
  EXPECT_EQ(ev1[0].reason, "cluster broadcast from 2");
  EXPECT_EQ(sim.engine(1).sharing_tags_reports().since(0).back().log,
            "TAG <vip>, cluster 1, became backup due to cluster broadcast from 2");
  EXPECT_TRUE(changes(sim, 3).empty()) << "node 3 was backup already";
  EXPECT_TRUE(sim.violations().empty()) << sim.violations().front();
}

// Node down changes no tag (§B.5): the backups stay backup until a
// script-like driver, watching E_CLUSTERER_NODE_STATE_CHANGED, activates the
// tag on node 2.
TEST(sim_shtags, FailoverWhenTheActiveNodeDies) {
  SimConfig c = quick_config(3);
  define_tag(c, {1});
  Sim sim(c);
  sim.run_for(5000);
  ASSERT_EQ(actives(sim), std::vector<int>{1});
  sim.crash(1);
  ASSERT_TRUE(sim.run_until_pred([&] { return sim.last_state(2, 1) == false; },
                                 sim.now_ms() + 10'000));
  sim.run_for(3000);
  EXPECT_TRUE(actives(sim).empty()) << "no automatic failover: " << states(sim);
  // The driver's event_route: node 1 is down, take the tag.
  const int64_t t = sim.now_ms();
  activate(sim, 2, ShtagReason::kScriptVariable);
  sim.run_for(1000);
  EXPECT_EQ(actives(sim), std::vector<int>{2});
  auto ev = changes(sim, 2);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].active);
  EXPECT_EQ(ev[0].reason, "script variable");
  EXPECT_EQ(sim.engine(2).sharing_tags_reports().since(0).back().log,
            "TAG <vip>, cluster 1, became active due to script variable");
  EXPECT_TRUE(changes(sim, 3).empty());
  EXPECT_GE(sim.now_ms(), t);
}

// §B.6: a node restarted with the tag configured active announces it as its
// peers come up, and the current holder steps down.
TEST(sim_shtags, RestartedNodeAnnouncesItsConfiguredState) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SimConfig c = quick_config(3, seed);
    c.max_latency_ms = 20;
    define_tag(c, {1});
    Sim sim(c);
    Announcements net;
    net.attach(sim);
    sim.run_for(5000);
    sim.crash(1);
    ASSERT_TRUE(sim.run_until_pred([&] { return sim.last_state(2, 1) == false; },
                                   sim.now_ms() + 10'000));
    activate(sim, 2, ShtagReason::kScriptVariable);  // node 1 unreachable: pending for it
    sim.run_for(3000);
    ASSERT_EQ(actives(sim), std::vector<int>{2}) << "seed " << seed;
    net.seen.clear();
    sim.restart(1);
    ASSERT_TRUE(sim.run_until_pred([&] { return all_reachable(sim); }, sim.now_ms() + 10'000));
    sim.run_for(2000);
    // Node 1 tells 2 and 3; whether node 2's pending announcement to node 1
    // is still sent depends on which arrives first (§B.6: "both may end
    // backup"). Either node 1 holds the tag, or nobody does.
    const auto told = net.told();  // (origin, target)
    EXPECT_TRUE(told.count({1, 2}) && told.count({1, 3})) << "seed " << seed;
    const auto now_active = actives(sim);
    EXPECT_LE(now_active.size(), 1u) << "seed " << seed << ": " << states(sim);
    if (!now_active.empty()) {
      EXPECT_EQ(now_active, std::vector<int>{1}) << "seed " << seed;
    }
    if (told.count({2, 1}) == 0) {
      EXPECT_EQ(now_active, std::vector<int>{1}) << "seed " << seed << ": node 1 announced last";
    }
    // Node 2 stepped down in every case.
    EXPECT_EQ(state(sim, 2), ShtagState::kBackup) << "seed " << seed;
    EXPECT_TRUE(sim.violations().empty()) << sim.violations().front();
  }
}

// A partition {1} | {2,3}: node 1 keeps the tag it announced at startup,
// node 2 takes it in its half (its copy to node 1 fails: pending). Two
// actives until the heal, where node 2's pending announcement reaches
// node 1: one active, node 2.
TEST(sim_shtags, PartitionHealResolvesTwoActivesToOne) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SimConfig c = quick_config(3, seed);
    define_tag(c, {1});
    Sim sim(c);
    sim.run_for(5000);
    ASSERT_EQ(actives(sim), std::vector<int>{1});
    sim.partition({1}, {2, 3});
    ASSERT_TRUE(sim.run_until_pred(
        [&] { return sim.last_state(2, 1) == false && sim.last_state(1, 2) == false; },
        sim.now_ms() + 10'000));
    activate(sim, 2, ShtagReason::kScriptVariable);
    sim.run_for(3000);
    EXPECT_EQ(actives(sim), (std::vector<int>{1, 2})) << "split brain while partitioned";
    sim.heal_partition({1}, {2, 3});
    ASSERT_TRUE(sim.run_until_pred([&] { return all_reachable(sim); }, sim.now_ms() + 10'000));
    sim.run_for(2000);
    EXPECT_EQ(actives(sim), std::vector<int>{2}) << "seed " << seed << ": " << states(sim);
    auto ev = changes(sim, 1);
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().reason, "cluster broadcast from 2");
  }
}

// Both halves activate while partitioned: both announcements are pending,
// and on heal each side may hear the other's (no tie-break, §B.6). At most
// one active remains; one activation afterwards leaves exactly one.
TEST(sim_shtags, PartitionBothSidesActivatedThenOneActivation) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SimConfig c = quick_config(4, seed);
    define_tag(c, {});
    Sim sim(c);
    sim.run_for(5000);
    sim.partition({1, 2}, {3, 4});
    ASSERT_TRUE(sim.run_until_pred(
        [&] { return sim.last_state(1, 3) == false && sim.last_state(3, 1) == false &&
                     sim.last_state(2, 4) == false && sim.last_state(4, 2) == false; },
        sim.now_ms() + 10'000));
    activate(sim, 1, ShtagReason::kMiCommand);
    activate(sim, 4, ShtagReason::kApi);
    sim.run_for(2000);
    EXPECT_EQ(actives(sim), (std::vector<int>{1, 4}));
    sim.heal_partition({1, 2}, {3, 4});
    ASSERT_TRUE(sim.run_until_pred([&] { return all_reachable(sim); }, sim.now_ms() + 10'000));
    sim.run_for(2000);
    EXPECT_LE(actives(sim).size(), 1u) << "seed " << seed << ": " << states(sim);
    activate(sim, 3, ShtagReason::kMiCommand);
    sim.run_for(1000);
    EXPECT_EQ(actives(sim), std::vector<int>{3}) << "seed " << seed;
  }
}

// ---------------------------------------------------------------- property

struct Outcome {
  bool ok = true;
  std::string plan, failure;
};

// One seeded schedule: random size, tags configured active on random
// nodes, then a fault phase (partitions, cuts, losses, crashes and
// restarts) with activations on random nodes, then the faults stop. Once
// every node reaches every other, one random node activates each tag; a
// second later exactly that node holds it, everywhere.
Outcome run_schedule(uint64_t seed) {
  Outcome out;
  Rng rng(seed);
  const int n = static_cast<int>(rng.range(3, 7));
  SimConfig c = quick_config(n, rng.next());
  c.max_latency_ms = rng.chance(50) ? 5 : 40;
  c.jitter_ms = rng.chance(50) ? rng.range(1, 10) : 0;
  c.base.ping_timeout_ms = rng.chance(50) ? 500 : 250;
  c.max_events = 2'000'000;
  const std::vector<std::string> tags = {"a", "b"};
  c.sharing_tags.assign(static_cast<std::size_t>(n + 1), {});
  for (int i = 1; i <= n; ++i)
    for (const auto& t : tags)
      c.sharing_tags[i].push_back(
          {t, kCl, rng.chance(30) ? ShtagState::kActive : ShtagState::kBackup});
  Sim sim(c);
  std::ostringstream plan;
  plan << "n=" << n;

  const int64_t fault_end = sim.now_ms() + rng.range(3000, 15000);
  run_shtag_fault_phase(sim, rng, n, kCl, fault_end, tags, ShtagReason::kScriptVariable, ShtagFaultMix{25, 45, 60, 72, 82, 90},
                        plan);
  if (!sim.run_until_pred([&] { return all_reachable(sim); }, sim.now_ms() + 30'000)) {
    out.ok = false;
    out.failure = "the cluster did not converge\n" + sim.dump();
  }
  sim.run_for(2000);
  std::vector<int> winner;
  for (const auto& t : tags) {
    const int w = static_cast<int>(rng.range(1, n));
    winner.push_back(w);
    sim.call(w, [&](core::Engine& e, core::Now now) {
      e.shtag_activate(now, t, kCl, ShtagReason::kMiCommand);
    });
    plan << " act(" << t << "@" << w << ")";
  }
  sim.run_for(1000);
  for (std::size_t i = 0; out.ok && i < tags.size(); ++i) {
    const auto act = actives(sim, tags[i]);
    if (act != std::vector<int>{winner[i]}) {
      out.ok = false;
      out.failure = "tag " + tags[i] + ": expected only node " + std::to_string(winner[i]) +
                    " active, got " + states(sim, tags[i]);
    }
    for (int m = 1; out.ok && m <= n; ++m)
      if (!state(sim, m, tags[i])) {
        out.ok = false;
        out.failure = "node " + std::to_string(m) + " never heard of tag " + tags[i];
      }
  }
  if (out.ok && !sim.violations().empty()) {
    out.ok = false;
    out.failure = "simulator: " + sim.violations().front();
  }
  out.plan = plan.str();
  return out;
}

TEST(sim_shtags, PropertyOneActivationAfterFaultsLeavesExactlyOneActive) {
  std::vector<uint64_t> seeds;
  if (auto one = env_u64("LC_SIM_SEED")) {
    seeds.push_back(*one);
  } else {
    const uint64_t count = env_u64("LC_SIM_SEEDS").value_or(1000);
    for (uint64_t i = 0; i < count; ++i) seeds.push_back(6'000'000 + i);
  }
  int failures = 0;
  for (uint64_t seed : seeds) {
    Outcome o = run_schedule(seed);
    if (env_u64("LC_SIM_VERBOSE").value_or(0)) std::printf("seed %llu: %s\n",
                                                           static_cast<unsigned long long>(seed), o.plan.c_str());
    if (o.ok) continue;
    ADD_FAILURE() << "seed " << seed << ": " << o.failure << "\nplan: " << o.plan
                  << "\nreplay: LC_SIM_SEED=" << seed
                  << " build/bin/sim_shtags_test --gtest_filter='*Property*'";
    if (++failures >= 3) break;
  }
  std::printf("[ sim ] sharing-tag property: %zu schedules\n", seeds.size());
}

}  // namespace
}  // namespace lc::sim
