// Capability scenarios in the simulator (capabilities-and-shtags.md Part A),
// with a test module holding a record store (sim_capability.h): joining
// with and without a donor, a donor dying mid-sync, seed fallback, sync
// timeouts, a lone seed restarted (OpenSIPS issue 1591), a sync cut at
// every chunk, and live writes during a sync.
// Timers: ping 1 s / 500 ms / node_timeout 3 s, seed_fallback_interval 2 s,
// sync_timeout 3 s.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim.h"
#include "sim_capability.h"

namespace lc::sim {
namespace {

using core::CapStatus;

constexpr int64_t kSecond = 1000;

SimConfig config(int n, uint64_t seed = 1) {
  SimConfig c = quick_config(n, seed);
  c.base.seed_fallback_interval_s = 2;
  c.base.sync_timeout_s = 3;
  c.base.sync_packet_size = 100;  // about two 28-byte records per packet
  return c;
}

// The simulator and its module. Not movable: the simulator's hooks point
// at the model.
struct World {
  explicit World(int n, CapModel::Options o, uint64_t seed = 1) : model(std::move(o)) {
    SimConfig c = config(n, seed);
    model.install(c);
    sim = std::make_unique<Sim>(c);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  bool synced(int node) const {
    if (!sim->alive(node)) return false;
    const auto v = model.view(*sim, node);
    return v.ok && v.status == CapStatus::kSynced && model.complete(node);
  }
  bool all_synced() const {
    for (int i = 1; i <= sim->size(); ++i)
      if (sim->alive(i) && !synced(i)) return false;
    return true;
  }
  std::string why(int node) const {
    std::string s = "node " + std::to_string(node) + ": status " +
                    std::string(core::cap_status_details(model.view(*sim, node).status)) +
                    ", records " + std::to_string(model.store(node).size()) + "/" +
                    std::to_string(model.dataset().size()) + ", reports:";
    for (const auto& r : model.reports(*sim, node)) s += "\n  " + r;
    return s;
  }
  bool has_report(int node, const std::string& prefix) const {
    for (const auto& r : model.reports(*sim, node))
      if (r.starts_with(prefix)) return true;
    return false;
  }

  CapModel model;
  std::unique_ptr<Sim> sim;
};

CapModel::Options origin_1(int chunks_per_step = 0, int64_t step_ms = 1) {
  CapModel::Options o;
  o.origins = {1};
  o.chunks_per_step = chunks_per_step;
  o.step_ms = step_ms;
  return o;
}

// ---------------------------------------------------------------- joining

TEST(sim_caps, ClusterStartsFromItsSeedAndEveryoneSyncs) {
  World w(3, origin_1());
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 20 * kSecond))
      << w.why(1) << "\n"
      << w.why(2) << "\n"
      << w.why(3);
  // Node 1 found no donor (the others were not synced) and fell back.
  EXPECT_TRUE(w.has_report(1, "ERROR: Sync request aborted!")) << w.why(1);
  for (int n : {2, 3}) {
    EXPECT_TRUE(w.has_report(n, "Sync completed, received [30] chunks")) << w.why(n);
    EXPECT_EQ(w.model.syncs_done(n), 1);
  }
  EXPECT_TRUE(w.sim->violations().empty());
}

TEST(sim_caps, NodeJoiningLaterSyncsFromADonor) {
  World w(3, origin_1());
  w.sim->crash(3);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(1) && w.synced(2); },
                                    w.sim->now_ms() + 20 * kSecond));
  w.sim->restart(3);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(3); }, w.sim->now_ms() + 10 * kSecond))
      << w.why(3);
  // The timeline of §14.1: postponed at start (no peer up yet), started,
  // completed; no fallback for a non-seed.
  const auto reports = w.model.reports(*w.sim, 3);
  ASSERT_EQ(reports.size(), 3u) << w.why(3);
  EXPECT_EQ(reports[0], "Sync request postponed! (no donor available)");
  EXPECT_TRUE(reports[1].starts_with("Sync started from node ["));
  EXPECT_EQ(reports[2], "Sync completed, received [30] chunks");
}

TEST(sim_caps, WithoutAnyDonorNonSeedsWaitForEver) {
  CapModel::Options o;  // no origin, no seed
  World w(3, o);
  w.sim->run_for(30 * kSecond);
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(w.model.view(*w.sim, n).status, CapStatus::kSyncPending) << w.why(n);
    EXPECT_FALSE(w.model.view(*w.sim, n).ok);
  }
}

TEST(sim_caps, LoneSeedFallsBackAfterTheInterval) {
  World w(3, origin_1());
  w.sim->crash(2);
  w.sim->crash(3);
  const int64_t t0 = w.sim->now_ms();
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(1); }, t0 + 10 * kSecond));
  const int64_t took = w.sim->now_ms() - t0;
  EXPECT_GE(took, 2 * kSecond);
  EXPECT_LE(took, 2 * kSecond + 600) << "seed_fallback_interval plus one sync check";
}

// ---------------------------------------------------------------- failures

// Node 3 joins once 1 and 2 are synced; the donor answers one chunk every
// 100 ms; `fault(donor)` strikes when it has sent `after` SYNC packets.
template <class Fault>
std::unique_ptr<World> join_with_fault(int after, Fault fault, uint64_t seed = 1) {
  auto w = std::make_unique<World>(3, origin_1(1, 100), seed);
  Sim* sim = w->sim.get();
  sim->crash(3);
  EXPECT_TRUE(sim->run_until_pred([&] { return w->synced(1) && w->synced(2); },
                                  sim->now_ms() + 30 * kSecond));
  auto sent = std::make_shared<int>(0);
  auto struck = std::make_shared<bool>(false);
  sim->set_observer(
      [sim, sent, struck, after, fault](int64_t, int src, int dst, const wire::Packet& p) {
        const auto* x = std::get_if<wire::ExtraMessage>(&p);
        if (*struck || dst != 3 || !x || !std::holds_alternative<wire::Sync>(x->body)) return;
        if (++*sent < after) return;
        *struck = true;
        sim->at(sim->now_ms(), [sim, src, fault] { fault(*sim, src); });
      });
  sim->restart(3);
  return w;
}

TEST(sim_caps, DonorDiesMidSyncThenAnotherDonorFinishesIt) {
  auto wp = join_with_fault(5, [](Sim& sim, int donor) { sim.crash(donor); });
  World& w = *wp;
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(3); }, w.sim->now_ms() + 30 * kSecond))
      << w.why(3);
  EXPECT_TRUE(w.has_report(3, "Sync timed out, received [5] chunks")) << w.why(3);
  EXPECT_TRUE(w.has_report(3, "Sync completed, received [30] chunks")) << w.why(3);
}

TEST(sim_caps, SyncTimeoutWhileTheDonorIsCutOffThenResync) {
  auto wp = join_with_fault(3, [](Sim& sim, int donor) {
    sim.cut(donor, 3);
    sim.at(sim.now_ms() + 8 * kSecond, [&sim, donor] { sim.heal(donor, 3); });
  });
  World& w = *wp;
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(3); }, w.sim->now_ms() + 40 * kSecond))
      << w.why(3);
  EXPECT_TRUE(w.has_report(3, "Sync timed out, received [")) << w.why(3);
}

TEST(sim_caps, SyncInterruptedAtEveryChunkEndsComplete) {
  // 30 records, one per packet: cut the donor off (crash) after packet k.
  for (int k = 1; k <= 30; ++k) {
    auto wp = join_with_fault(
        k, [](Sim& sim, int donor) { sim.crash(donor); }, 100 + k);
    World& w = *wp;
    ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(3); }, w.sim->now_ms() + 30 * kSecond))
        << "after packet " << k << "\n"
        << w.why(3);
    EXPECT_TRUE(w.sim->violations().empty());
  }
}

TEST(sim_caps, ReceiverRestartedMidSyncEndsComplete) {
  for (int k : {1, 10, 29}) {
    auto wp = join_with_fault(k, [](Sim& sim, int) {
      sim.crash(3);
      sim.at(sim.now_ms() + 500, [&sim] { sim.restart(3); });
    });
    World& w = *wp;
    ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(3); }, w.sim->now_ms() + 30 * kSecond))
        << "after packet " << k << "\n"
        << w.why(3);
  }
}

// ---------------------------------------------------------------- seeds (issue 1591)

TEST(sim_caps, LoneSeedRestartedDoesNotLeaveTheClusterUnsynced) {
  World w(3, origin_1());
  ASSERT_TRUE(
      w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 20 * kSecond));
  // The whole cluster goes down; the seed comes back first, alone.
  for (int n = 1; n <= 3; ++n) w.sim->crash(n);
  w.sim->run_for(kSecond);
  w.sim->restart(1);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(1); }, w.sim->now_ms() + 10 * kSecond))
      << w.why(1);
  // An operator's resync on the lone seed (clusterer_sync) falls back too.
  w.sim->call(1, [&](Engine& e, Now now) { return e.request_sync(now, 1, "sim-cap"); });
  EXPECT_EQ(w.model.view(*w.sim, 1).status, CapStatus::kSyncPending);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(1); }, w.sim->now_ms() + 10 * kSecond))
      << w.why(1);
  // The others come back and sync from it.
  w.sim->restart(2);
  w.sim->restart(3);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 20 * kSecond))
      << w.why(2) << "\n"
      << w.why(3);
}

TEST(sim_caps, WholeClusterRestartedTogetherSyncsFromTheSeed) {
  World w(4, origin_1());
  ASSERT_TRUE(
      w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 20 * kSecond));
  for (int n = 1; n <= 4; ++n) w.sim->crash(n);
  w.sim->run_for(kSecond);
  for (int n = 1; n <= 4; ++n) w.sim->restart(n);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 30 * kSecond))
      << w.why(1) << "\n"
      << w.why(2) << "\n"
      << w.why(3) << "\n"
      << w.why(4);
}

TEST(sim_caps, RestartedSeedSyncsFromADonorInsteadOfFallingBack) {
  World w(3, origin_1());
  ASSERT_TRUE(
      w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 20 * kSecond));
  w.sim->crash(1);
  w.sim->run_for(kSecond);
  w.sim->restart(1);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(1); }, w.sim->now_ms() + 20 * kSecond))
      << w.why(1);
  EXPECT_TRUE(w.has_report(1, "Sync completed")) << w.why(1);
  EXPECT_FALSE(w.has_report(1, "ERROR: Sync request aborted!")) << w.why(1);
}

// ---------------------------------------------------------------- live writes

TEST(sim_caps, WritesDuringASyncReachTheJoiningNodeAfterItsData) {
  World w(3, origin_1(1, 100));
  w.sim->crash(3);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.synced(1) && w.synced(2); },
                                    w.sim->now_ms() + 20 * kSecond));
  w.sim->restart(3);
  ASSERT_TRUE(w.sim->run_until_pred(
      [&] { return w.model.view(*w.sim, 3).status == CapStatus::kSyncInProgress; },
      w.sim->now_ms() + 10 * kSecond));
  // Writes on both synced nodes while node 3 is still receiving.
  ASSERT_EQ(w.model.write(*w.sim, 1, 1001, "new-1"), core::SendResult::kSuccess);
  ASSERT_EQ(w.model.write(*w.sim, 2, 1002, "new-2"), core::SendResult::kSuccess);
  ASSERT_EQ(w.model.write(*w.sim, 1, 5, "changed-5"), core::SendResult::kSuccess);
  ASSERT_TRUE(w.sim->run_until_pred([&] { return w.all_synced(); }, w.sim->now_ms() + 20 * kSecond))
      << w.why(3);
  // Held back during the sync, the change of record 5 is applied after the
  // donor's (older) copy of it.
  EXPECT_EQ(w.model.store(3).at(5), "changed-5");
}

}  // namespace
}  // namespace lc::sim
