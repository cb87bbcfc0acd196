// Sharing-tag failover (ours, `sharing_tag_failover`, docs/decisions.md
// SH10-SH13): the vacancy rules on their own, then one engine driven by
// exact packets: off by default, who takes the tag over and when (priority,
// then node id, one slot per up node ranked before us), the holder's
// refresh, the lease, what happens when the old holder returns, a disabled
// local node, purge and reload.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "engine_harness.h"
#include "libcluster/core/shtags.h"

namespace lc::core::test {
namespace {

constexpr ShtagState kActive = ShtagState::kActive;
constexpr ShtagState kBackup = ShtagState::kBackup;
// capture_config: ping_interval 1 s, so refresh 1 s, lease and slot 3 s.
constexpr int64_t kRefreshMs = 1000;
constexpr int64_t kLeaseMs = 3000;
constexpr int64_t kSlotMs = 3000;
constexpr int64_t kStepMs = 250;

// ---------------------------------------------------------------- ShtagFailover

TEST(shtag_failover_rules, VacantWhenTheHolderIsLostOrSilentForALease) {
  ShtagFailover fo;
  fo.holder = 2;
  fo.heard_ms = 1000;
  EXPECT_EQ(fo.vacant_since(1000 + kLeaseMs - 1, kLeaseMs), std::nullopt) << "heard recently";
  EXPECT_EQ(fo.vacant_since(1000 + kLeaseMs, kLeaseMs), 1000 + kLeaseMs) << "silent for a lease";
  EXPECT_EQ(fo.reason(kLeaseMs), kFailoverReasonNoHolder);
  fo.lost_ms = 1500;
  EXPECT_EQ(fo.vacant_since(1600, kLeaseMs), 1500) << "unreachable: vacant at once";
  EXPECT_EQ(fo.reason(kLeaseMs), kFailoverReasonNodeDown);
  fo.lost_ms = 9000;  // lost long after it went silent
  EXPECT_EQ(fo.vacant_since(9000, kLeaseMs), 1000 + kLeaseMs);
  EXPECT_EQ(fo.reason(kLeaseMs), kFailoverReasonNoHolder);
}

TEST(shtag_failover_rules, EnablingCreatesABackupTagOnceAndKeepsWhatItKnows) {
  ShtagTable t;
  ASSERT_TRUE(t.define({"vip", 1, kActive}));
  ASSERT_TRUE(t.enable_failover({"vip", 1}));
  ASSERT_TRUE(t.find("vip", 1)->failover.has_value());
  EXPECT_TRUE(t.find("vip", 1)->active()) << "the configured state stays";
  t.find("vip", 1)->failover->holder = 7;
  ASSERT_TRUE(t.enable_failover({"vip", 1}));
  EXPECT_EQ(t.find("vip", 1)->failover->holder, 7);
  ASSERT_TRUE(t.enable_failover({"new", 2}));
  EXPECT_EQ(t.find("new", 2)->state, kBackup);
  EXPECT_FALSE(t.find_or_create("plain", 1)->failover.has_value()) << "off by default";
  t.check();
}

// ---------------------------------------------------------------- the engine

wire::Bytes pong_from(int32_t src) {
  return wire::encode(wire::InternalMessage{1, src, wire::Pong{{}}, wire::kBinVersion});
}

wire::Bytes shtag_active(int32_t src, int32_t dst, const std::string& name = "vip") {
  return wire::encode(
      wire::ExtraMessage{wire::Trailer{1, src, dst}, wire::ShtagActive{name}, wire::kBinVersion});
}

struct Peer {
  int32_t id;
  int32_t priority;
};

// Node `me` (priority `my_priority`) of cluster 1 with `peers`; vip/1 with
// failover when `failover`.
Harness node(int32_t me, int32_t my_priority, std::vector<Peer> peers, bool failover = true) {
  ClusterSpec spec;
  spec.cluster_id = 1;
  spec.local = script_node(me);
  spec.local.priority = my_priority;
  for (const Peer& p : peers) {
    spec.nodes.push_back(script_node(p.id));
    spec.nodes.back().priority = p.priority;
  }
  Harness h(capture_config(me), {spec});
  EXPECT_TRUE(h.engine().define_shtags({}).empty());
  if (failover) {
    EXPECT_TRUE(h.engine().define_shtag_failover({{"vip", 1}}).empty());
  }
  return h;
}

// One step of time: what the engine did, and when.
struct Step {
  int64_t t;
  Output out;
};

bool pinged(const Output& o, int32_t id) {
  for (const auto& p : o.to(id)) {
    const auto* m = std::get_if<wire::InternalMessage>(&p);
    if (m && std::holds_alternative<wire::Ping>(m->body)) return true;
  }
  return false;
}

// Runs (from, to] in ticks of kStepMs; after each tick the nodes in `up`
// answer its PINGs and `each` may feed more input (returning its output). Stops early when
// `until` holds for a step.
std::vector<Step> run(Harness& h, int64_t from, int64_t to, const std::set<int32_t>& up,
                      std::function<Output(int64_t)> each = {},
                      std::function<bool(const Output&)> until = {}) {
  std::vector<Step> steps;
  for (int64_t t = from + kStepMs; t <= to; t += kStepMs) {  // bounded by (to - from) / kStepMs
    Output o = h.tick(t);
    for (int32_t id : up) {
      if (!pinged(o, id)) continue;  // a PONG answers a PING, nothing else
      Output p = h.packet(t + 1, pong_from(id));
      o.tx.insert(o.tx.end(), p.tx.begin(), p.tx.end());
      o.events.insert(o.events.end(), p.events.begin(), p.events.end());
    }
    if (each) {
      Output e = each(t);
      o.tx.insert(o.tx.end(), e.tx.begin(), e.tx.end());
      o.events.insert(o.events.end(), e.events.begin(), e.events.end());
    }
    steps.push_back({t, std::move(o)});
    if (until && until(steps.back().out)) break;
  }
  return steps;
}

std::vector<ShtagChanged> changes(const std::vector<Step>& steps) {
  std::vector<ShtagChanged> out;
  for (const auto& s : steps)
    for (const auto& c : s.out.events_of<ShtagChanged>()) out.push_back(c);
  return out;
}

// When node `id` was reported down, or -1.
int64_t down_at(const std::vector<Step>& steps, int32_t id) {
  for (const auto& s : steps)
    for (const auto& e : s.out.node_events())
      if (e.node_id == id && !e.up) return s.t;
  return -1;
}

// When we became active, or -1.
int64_t took_at(const std::vector<Step>& steps) {
  for (const auto& s : steps)
    for (const auto& c : s.out.events_of<ShtagChanged>())
      if (c.active) return s.t;
  return -1;
}

// SHTAG_ACTIVE copies addressed to `dst`.
int count_announcements_to(const std::vector<Step>& steps, int32_t dst) {
  int n = 0;
  for (const auto& s : steps)
    for (const auto& p : s.out.to(dst)) {
      const auto* m = std::get_if<wire::ExtraMessage>(&p);
      if (m && std::holds_alternative<wire::ShtagActive>(m->body)) ++n;
    }
  return n;
}

bool reachable(Harness& h, int32_t id) {
  for (const auto& n : h.engine().get_nodes(1).value_or(std::vector<NodeView>{}))
    if (n.node_id == id) return true;
  return false;
}

// Everyone up, node 2 announces itself holder and keeps announcing while
// it lives (as a holder with failover on does).
struct Held {
  Harness h;
  int64_t t = 0;
};

Held held_by_2(int32_t me, int32_t my_priority, std::vector<Peer> peers, bool failover = true) {
  Held s{node(me, my_priority, std::move(peers), failover), 0};
  s.h.tick(0);
  run(s.h, 0, 1000, {2, 3});
  s.h.packet(1100, shtag_active(2, me));
  s.t = 1100;
  return s;
}

TEST(engine_shtag_failover, OffByDefaultNodeDownChangesNothing) {
  Held s = held_by_2(1, 1, {{2, 5}, {3, 5}}, /*failover=*/false);
  auto steps = run(s.h, s.t, 20'000, {3});
  ASSERT_GT(down_at(steps, 2), 0);
  EXPECT_TRUE(changes(steps).empty()) << "capabilities-and-shtags.md §B.5: no failover";
  EXPECT_EQ(count_announcements_to(steps, 3), 0);
  EXPECT_EQ(s.h.engine().find_shtag("vip", 1), kBackup);
}

TEST(engine_shtag_failover, FirstRankedNodeTakesOverAsSoonAsTheHolderIsDown) {
  Held s = held_by_2(1, 1, {{2, 5}, {3, 5}});
  auto steps = run(s.h, s.t, 20'000, {3});
  const int64_t down = down_at(steps, 2);
  ASSERT_GT(down, 0);
  EXPECT_EQ(took_at(steps), down) << "rank 0: no wait";
  auto ch = changes(steps);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].reason, "failover (active node down)");
  EXPECT_EQ(s.h.engine().sharing_tags_reports().since(0).back().log,
            "TAG <vip>, cluster 1, became active due to failover (active node down)");
  EXPECT_EQ(s.h.engine().find_shtag("vip", 1), kActive);
  EXPECT_GE(count_announcements_to(steps, 3), 1) << "announced as an activation does";
}

TEST(engine_shtag_failover, AnEarlierRankedPeerThatAnnouncesFirstKeepsUsBackup) {
  // Node 3 has the lower priority value: it goes first, we wait a slot.
  Held s = held_by_2(1, 5, {{2, 1}, {3, 1}});
  int64_t down = -1;
  auto steps = run(s.h, s.t, 20'000, {3}, [&](int64_t t) {
    if (down < 0 && !reachable(s.h, 2)) down = t;
    // Node 3 takes over 500 ms after the loss and refreshes every second.
    if (down > 0 && t >= down + 500 && (t - down - 500) % kRefreshMs == 0)
      return s.h.packet(t + 2, shtag_active(3, 1));
    return Output{};
  });
  ASSERT_GT(down, 0);
  EXPECT_TRUE(changes(steps).empty());
  EXPECT_EQ(s.h.engine().find_shtag("vip", 1), kBackup);
}

TEST(engine_shtag_failover, EarlierRankedPeersWithoutTheKeyCostOneSlotEach) {
  Held s = held_by_2(1, 5, {{2, 1}, {3, 1}});  // node 3 never announces
  auto steps = run(s.h, s.t, 30'000, {3});
  const int64_t down = down_at(steps, 2);
  ASSERT_GT(down, 0);
  EXPECT_EQ(took_at(steps), down + kSlotMs);
  auto ch = changes(steps);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].reason, "failover (active node down)");
}

TEST(engine_shtag_failover, EqualPrioritiesTheLowestNodeIdGoesFirst) {
  {
    Held s = held_by_2(3, 4, {{1, 4}, {2, 1}});  // node 1 ranks before us
    auto steps = run(s.h, s.t, 30'000, {1});
    const int64_t down = down_at(steps, 2);
    ASSERT_GT(down, 0);
    EXPECT_EQ(took_at(steps), down + kSlotMs);
  }
  {
    Held s = held_by_2(1, 4, {{2, 1}, {3, 4}});  // we rank before node 3
    auto steps = run(s.h, s.t, 30'000, {3});
    const int64_t down = down_at(steps, 2);
    ASSERT_GT(down, 0);
    EXPECT_EQ(took_at(steps), down);
  }
}

TEST(engine_shtag_failover, TheHolderAnnouncesAgainEveryPingInterval) {
  for (bool failover : {false, true}) {
    Harness h = node(1, 1, {{2, 5}, {3, 5}}, failover);
    h.tick(0);
    run(h, 0, 1000, {2, 3});
    ASSERT_EQ(h.engine().shtag_activate(h.at(1000), "vip", 1, ShtagReason::kMiCommand), kActive);
    EXPECT_EQ(h.drain().tx.size(), 2u) << "the activation";
    auto steps = run(h, 1000, 6000, {2, 3});
    const int expected = failover ? static_cast<int>(5000 / kRefreshMs) : 0;
    EXPECT_EQ(count_announcements_to(steps, 2), expected) << "failover " << failover;
    EXPECT_EQ(count_announcements_to(steps, 3), expected) << "failover " << failover;
    EXPECT_TRUE(changes(steps).empty()) << "refreshes are not reported";
  }
}

TEST(engine_shtag_failover, ASilentHolderLosesTheTagAfterALease) {
  Held s = held_by_2(1, 1, {{2, 5}, {3, 5}});  // node 2 stays up but never refreshes
  auto steps = run(s.h, s.t, 10'000, {2, 3});
  EXPECT_EQ(down_at(steps, 2), -1);
  const int64_t took = took_at(steps);
  EXPECT_GE(took, s.t + kLeaseMs);
  EXPECT_LT(took, s.t + kLeaseMs + kStepMs);
  auto ch = changes(steps);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].reason, "failover (no active node)");
}

TEST(engine_shtag_failover, HeldByNobodyAtStartupTheFirstRankedTakesItAfterALease) {
  Harness h = node(1, 1, {{2, 5}, {3, 5}});
  h.tick(0);
  auto steps = run(h, 0, 10'000, {2, 3});
  EXPECT_EQ(took_at(steps), kLeaseMs);
  ASSERT_EQ(changes(steps).size(), 1u);
  EXPECT_EQ(changes(steps)[0].reason, "failover (no active node)");
}

TEST(engine_shtag_failover, TheOldHolderReturningDoesNotTakeItBackNorFlap) {
  Held s = held_by_2(1, 1, {{2, 5}, {3, 5}});
  auto steps = run(s.h, s.t, 20'000, {3});
  ASSERT_GT(took_at(steps), 0);
  // Node 2 comes back (backup after its restart): it is told at once
  // (node up, §B.5) and then every refresh; we stay the holder.
  steps = run(s.h, 20'000, 30'000, {2, 3});
  EXPECT_TRUE(changes(steps).empty());
  EXPECT_GE(count_announcements_to(steps, 2), 9);
  EXPECT_EQ(s.h.engine().find_shtag("vip", 1), kActive);
  // Node 2 announces (restarted with the tag configured active): §B.6, the
  // last announcer wins and we step down; while it keeps announcing we do
  // not take the tag back.
  steps = run(s.h, 30'000, 50'000, {2, 3}, [&](int64_t t) {
    if (t % kRefreshMs == 0) return s.h.packet(t + 2, shtag_active(2, 1));
    return Output{};
  });
  auto ch = changes(steps);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_FALSE(ch[0].active);
  EXPECT_EQ(ch[0].reason, "cluster broadcast from 2");
  EXPECT_EQ(s.h.engine().find_shtag("vip", 1), kBackup);
}

TEST(engine_shtag_failover, ADisabledLocalNodeNeverTakesOver) {
  Held s = held_by_2(1, 1, {{2, 5}, {3, 5}});
  ASSERT_EQ(s.h.engine().set_status(s.h.at(1200), 1, 1, false), CommandResult::kOk);
  auto steps = run(s.h, 1200, 20'000, {3});
  EXPECT_TRUE(changes(steps).empty());
  EXPECT_EQ(s.h.engine().find_shtag("vip", 1), kBackup);
}

TEST(engine_shtag_failover, DefinitionsOfUnknownClustersArePurgedWithAWarning) {
  Harness h = node(1, 1, {{2, 5}}, false);
  auto w = h.engine().define_shtag_failover({{"vip", 1}, {"gone", 9}});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "cluster id [9] required by tag gone not found, purging tag");
  EXPECT_EQ(h.engine().find_shtag("gone", 9), std::nullopt);
  EXPECT_EQ(h.engine().find_shtag("vip", 1), kBackup) << "created backup";
}

// A reload probes every node again: the holder is given a lease to be
// heard of again instead of being taken for lost while the links come up.
TEST(engine_shtag_failover, ReloadKeepsFailoverAndWaitsForTheHolder) {
  Held s = held_by_2(1, 1, {{2, 5}, {3, 5}});
  Harness fresh = node(1, 1, {{2, 5}, {3, 5}}, false);
  EXPECT_TRUE(fresh.engine().keep_shtags_of(s.h.engine()).empty());
  fresh.tick(1200);
  auto refresh_from_2 = [&](int64_t t) {
    if ((t - 1200) % kRefreshMs == 0) return fresh.packet(t + 2, shtag_active(2, 1));
    return Output{};
  };
  auto steps = run(fresh, 1200, 10'000, {2, 3}, refresh_from_2);
  EXPECT_TRUE(changes(steps).empty()) << "node 2 still holds it";
  steps = run(fresh, 10'000, 30'000, {3});
  const int64_t down = down_at(steps, 2);
  ASSERT_GT(down, 0);
  EXPECT_EQ(took_at(steps), down);
  ASSERT_EQ(changes(steps).size(), 1u);
  EXPECT_EQ(changes(steps)[0].reason, "failover (active node down)");
}

}  // namespace
}  // namespace lc::core::test
