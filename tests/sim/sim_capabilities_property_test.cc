// Capability property (OpenSIPS issue 1976: syncs that stop silently
// part-way): over many seeded fault schedules, once the faults stop and the
// cluster settles,
//  1. a node whose capability is synced holds every record of the data set
//     (no sync ever ends with part of a donor's data);
//  2. in every connected group of live nodes holding a seed (the data set's
//     origin) or a synced node, every node is synced, with every record.
// Faults: crashes with restarts (origins too), crashes for good, cut links,
// partitions, clogs, message loss, pauses, and operators' resyncs.
//
// Environment: LC_SIM_SEED=<seed> runs one schedule (LC_SIM_TRACE=1 for a
// packet trace), LC_SIM_SEEDS=<count> schedules per batch, LC_SIM_VERBOSE=1
// prints every plan.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "rng.h"
#include "schedule.h"
#include "sim.h"
#include "sim_capability.h"

namespace lc::sim {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int kBatches = 4;
constexpr int kPerBatch = 260;  // 1,040 schedules
constexpr uint64_t kBaseSeed = 7'000'000;

struct Outcome {
  bool ok = true;
  std::string plan;
  std::string failures;
  std::string details;
  int64_t virtual_ms = 0;
};

class Schedule {
 public:
  explicit Schedule(uint64_t seed) : rng_(seed) {}
  Outcome run();

 private:
  CapModel::Options model_options();
  SimConfig sim_config(int n);
  void plan_faults(Sim& sim, CapModel& model, int64_t t0, int64_t t1);
  void check(const Sim& sim, const CapModel& model, Outcome& out) const;
  void note(int64_t t, const std::string& what) {
    plan_ << "\n  " << t / kSecond << "." << (t % kSecond) / 100 << "s " << what;
  }

  Rng rng_;
  std::ostringstream plan_;
  int n_ = 3;
  std::vector<int> origins_;
  std::vector<std::pair<int, int>> cuts_;  // healed at the end of the faults
};

CapModel::Options Schedule::model_options() {
  CapModel::Options o;
  o.records = static_cast<int>(rng_.range(0, 40));
  o.value_bytes = static_cast<std::size_t>(rng_.range(4, 300));
  o.chunks_per_step = static_cast<int>(rng_.range(0, 4));
  o.step_ms = rng_.range(1, 200);
  std::vector<int> ids;
  for (int i = 1; i <= n_; ++i) ids.push_back(i);
  rng_.shuffle(ids);
  ids.resize(static_cast<std::size_t>(rng_.range(1, 2)));
  o.origins = origins_ = ids;
  return o;
}

SimConfig Schedule::sim_config(int n) {
  SimConfig c;
  c.n = n;
  c.seed = rng_.next();
  c.min_latency_ms = 1;
  c.max_latency_ms = rng_.range(2, 30);
  c.jitter_ms = rng_.range(0, 10);
  c.base.ping_interval_s = 1;
  c.base.ping_timeout_ms = 500;
  c.base.node_timeout_s = 3;
  c.base.seed_fallback_interval_s = static_cast<int32_t>(rng_.range(1, 4));
  c.base.sync_timeout_s = static_cast<int32_t>(rng_.range(2, 5));
  c.base.sync_packet_size = static_cast<int32_t>(rng_.range(40, 3000));
  return c;
}

void Schedule::plan_faults(Sim& sim, CapModel& model, int64_t t0, int64_t t1) {
  const int faults = static_cast<int>(rng_.range(1, 8));
  for (int i = 0; i < faults; ++i) {
    const int64_t at = rng_.range(t0, t1 - 1);
    const int64_t len = rng_.range(200, 8 * kSecond);
    const int64_t end = std::min(at + len, t1);
    const int a = static_cast<int>(rng_.range(1, n_));
    int b = static_cast<int>(rng_.range(1, n_ - 1));
    if (b >= a) ++b;
    switch (rng_.below(9)) {
      case 0:
      case 1: {  // crash and restart
        sim.at(at, [&sim, a] {
          if (sim.alive(a)) sim.crash(a);
        });
        sim.at(end, [&sim, a] {
          if (!sim.alive(a)) sim.restart(a);
        });
        note(at, "crash " + std::to_string(a) + ", restart at " + std::to_string(end / kSecond));
        break;
      }
      case 2: {  // cut a link
        sim.at(at, [&sim, a, b] { sim.cut(a, b); });
        sim.at(end, [&sim, a, b] { sim.heal(a, b); });
        note(at, "cut " + std::to_string(a) + "-" + std::to_string(b) + " until " +
                     std::to_string(end / kSecond));
        break;
      }
      case 3: {  // partition {a} + a random half against the rest
        std::vector<int> left{a}, right;
        for (int x = 1; x <= n_; ++x)
          if (x != a) (rng_.chance(50) ? left : right).push_back(x);
        if (right.empty()) {
          right.push_back(b);
          left.erase(std::find(left.begin(), left.end(), b));
        }
        sim.at(at, [&sim, left, right] { sim.partition(left, right); });
        sim.at(end, [&sim, left, right] { sim.heal_partition(left, right); });
        note(at, "partition with " + std::to_string(a) + " until " + std::to_string(end / kSecond));
        break;
      }
      case 4: {  // clog, possibly longer than sync_timeout
        const int64_t extra = rng_.range(50, 6 * kSecond);
        sim.at(at, [&sim, a, b, extra] { sim.clog(a, b, extra); });
        sim.at(end, [&sim, a, b, extra] { sim.unclog(a, b, extra); });
        note(at, "clog " + std::to_string(a) + "->" + std::to_string(b) + " +" +
                     std::to_string(extra) + "ms");
        break;
      }
      case 5: {  // message loss
        const auto ppm = static_cast<uint32_t>(rng_.range(5'000, 100'000));
        sim.at(at, [&sim, ppm] { sim.set_global_loss(ppm); });
        sim.at(end, [&sim] { sim.set_global_loss(0); });
        note(at, "loss " + std::to_string(ppm) + " ppm until " + std::to_string(end / kSecond));
        break;
      }
      case 6: {  // pause
        sim.at(at, [&sim, a] {
          if (sim.alive(a) && !sim.paused(a)) sim.pause(a);
        });
        sim.at(end, [&sim, a] {
          if (sim.alive(a) && sim.paused(a)) sim.resume(a);
        });
        note(at, "pause " + std::to_string(a) + " until " + std::to_string(end / kSecond));
        break;
      }
      case 7: {  // an operator's resync (clusterer_sync)
        const std::string name = model.options().name;
        sim.at(at, [&sim, a, name] {
          if (sim.alive(a) && !sim.paused(a))
            sim.call(a, [&](Engine& e, Now now) { return e.request_sync(now, 1, name); });
        });
        note(at, "resync on " + std::to_string(a));
        break;
      }
      default: {  // crash for good (never the last live node)
        sim.at(at, [&sim, a, this] {
          int live = 0;
          for (int x = 1; x <= n_; ++x) live += sim.alive(x) ? 1 : 0;
          if (sim.alive(a) && live > 1) sim.crash(a);
        });
        note(at, "crash " + std::to_string(a) + " for good");
        break;
      }
    }
  }
}

void Schedule::check(const Sim& sim, const CapModel& model, Outcome& out) const {
  auto fail = [&](const std::string& s) {
    out.ok = false;
    out.failures += s + "\n";
  };
  for (const auto& v : sim.violations()) fail("simulator: " + v);
  const UpGraph g = real_graph(sim);
  auto live = [&](int x) { return sim.alive(x) && !sim.paused(x); };
  for (int x = 1; x <= n_; ++x) {
    if (!live(x)) continue;
    const auto v = model.view(sim, x);
    if (v.ok && !model.complete(x))
      fail("node " + std::to_string(x) + " is synced with " +
           std::to_string(model.store(x).size()) + "/" + std::to_string(model.dataset().size()) +
           " records");
    // Its group: itself and every node it can reach.
    bool source = false;
    for (int y = 1; y <= n_; ++y) {
      if (!live(y) || (y != x && !g.reachable(x, y))) continue;
      const bool origin = std::find(origins_.begin(), origins_.end(), y) != origins_.end();
      source = source || origin || model.view(sim, y).ok;
    }
    if (source && !(v.ok && v.status == core::CapStatus::kSynced && model.complete(x)))
      fail("node " + std::to_string(x) + " is not synced (" +
           std::string(core::cap_status_details(v.status)) + ", " +
           std::to_string(model.store(x).size()) + "/" + std::to_string(model.dataset().size()) +
           " records) though its group has a source");
  }
  if (out.ok) return;
  std::ostringstream d;
  for (int x = 1; x <= n_; ++x) {
    d << "node " << x << (sim.alive(x) ? "" : " (dead)");
    if (!sim.alive(x)) {
      d << "\n";
      continue;
    }
    const auto v = model.view(sim, x);
    d << ": " << core::cap_status_details(v.status) << (v.ok ? " ok" : "") << ", "
      << model.store(x).size() << " records; reports:";
    for (const auto& r : model.reports(sim, x)) d << "\n    " << r;
    d << "\n";
  }
  d << "up-graph: " << g.edges_string() << "\n" << sim.summary();
  out.details = d.str();
}

Outcome Schedule::run() {
  n_ = static_cast<int>(rng_.range(2, 7));
  SimConfig cfg = sim_config(n_);
  CapModel model(model_options());
  model.install(cfg);
  plan_ << "n=" << n_ << " records=" << model.options().records << " origins={";
  for (int o : origins_) plan_ << o << (o == origins_.back() ? "" : ",");
  plan_ << "} packet_size=" << cfg.base.sync_packet_size
        << " pace=" << model.options().chunks_per_step << "/" << model.options().step_ms << "ms"
        << " fallback=" << cfg.base.seed_fallback_interval_s
        << "s timeout=" << cfg.base.sync_timeout_s << "s";
  Sim sim(cfg);
  // Some pairs never see each other (traffic goes through relays), as long
  // as the rest stays connected.
  for (int a = 1; a <= n_; ++a)
    for (int b = a + 1; b <= n_; ++b)
      if (n_ > 3 && rng_.chance(25) && b != a + 1) {
        sim.cut(a, b);
        plan_ << " no-link " << a << "-" << b;
      }
  const int64_t t0 = sim.now_ms() + rng_.range(0, 5 * kSecond);
  const int64_t t1 = t0 + rng_.range(2 * kSecond, 25 * kSecond);
  plan_faults(sim, model, t0, t1);
  sim.run_until(t1);
  // Faults over: loss off, everyone resumed. Crashed-for-good nodes stay down.
  sim.set_global_loss(0);
  for (int x = 1; x <= n_; ++x)
    if (sim.alive(x) && sim.paused(x)) sim.resume(x);
  // Settle: link probing (node_timeout), topology refresh (10 pings), sync
  // timeouts and retries, seed fallbacks, the transfer itself.
  sim.run_for(60 * kSecond);
  Outcome out;
  out.plan = plan_.str();
  out.virtual_ms = sim.elapsed_ms();
  check(sim, model, out);
  return out;
}

class sim_caps_property : public ::testing::TestWithParam<int> {};

TEST_P(sim_caps_property, SyncsEndCompleteAfterFaults) {
  std::vector<uint64_t> seeds;
  if (auto one = env_u64("LC_SIM_SEED")) {
    seeds.push_back(*one);
  } else {
    const uint64_t count = env_u64("LC_SIM_SEEDS").value_or(kPerBatch);
    for (uint64_t i = 0; i < count; ++i)
      seeds.push_back(kBaseSeed + static_cast<uint64_t>(GetParam()) * 100'000 + i);
  }
  const bool verbose = env_u64("LC_SIM_VERBOSE").value_or(0) != 0;
  const auto start = std::chrono::steady_clock::now();
  int failures = 0;
  int64_t virtual_ms = 0;
  for (uint64_t seed : seeds) {
    Outcome o = Schedule(seed).run();
    virtual_ms += o.virtual_ms;
    if (verbose)
      std::printf("seed %llu: %s\n", static_cast<unsigned long long>(seed), o.plan.c_str());
    if (o.ok) continue;
    ADD_FAILURE() << "seed " << seed << " failed:\n"
                  << o.failures << "replay: LC_SIM_SEED=" << seed
                  << " build/bin/sim_capabilities_property_test (LC_SIM_TRACE=1 for packets)\n"
                  << "plan: " << o.plan << "\n"
                  << (failures == 0 ? o.details : std::string());
    if (++failures >= 3) break;
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ sim ] capability batch %d: %zu schedules, %.0f s virtual, %.2f s wall\n",
              GetParam(), seeds.size(), static_cast<double>(virtual_ms) / 1000.0, wall);
}

INSTANTIATE_TEST_SUITE_P(sim, sim_caps_property, ::testing::Range(0, kBatches));

}  // namespace
}  // namespace lc::sim
