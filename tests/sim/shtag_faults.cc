#include "shtag_faults.h"

#include <utility>

#include "libcluster/core/engine.h"

namespace lc::sim {

void run_shtag_fault_phase(Sim& sim, Rng& rng, int n, int32_t cluster_id, int64_t end_ms,
                           const std::vector<std::string>& tags, core::ShtagReason reason,
                           const ShtagFaultMix& mix, std::ostringstream& plan) {
  std::vector<std::pair<int, int>> cuts;
  std::vector<int64_t> crashed_at(static_cast<std::size_t>(n + 1), -1);
  while (sim.now_ms() < end_ms) {
    sim.run_for(rng.range(200, 1500));
    const int a = static_cast<int>(rng.range(1, n));
    int b = static_cast<int>(rng.range(1, n - 1));
    if (b >= a) ++b;
    const uint64_t k = rng.below(100);
    if (k < mix.activate) {
      if (sim.alive(a)) {
        const std::string& t = rng.pick(tags);
        sim.call(a, [&](core::Engine& e, core::Now now) { e.shtag_activate(now, t, cluster_id, reason); });
        plan << " act(" << t << "@" << a << ")";
      }
    } else if (k < mix.cut) {
      sim.cut(a, b);
      cuts.push_back({a, b});
      plan << " cut(" << a << "," << b << ")";
    } else if (k < mix.heal && !cuts.empty()) {
      const std::size_t i = static_cast<std::size_t>(rng.below(cuts.size()));
      sim.heal(cuts[i].first, cuts[i].second);
      plan << " heal(" << cuts[i].first << "," << cuts[i].second << ")";
      cuts.erase(cuts.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (k < mix.crash_or_restart) {
      if (sim.alive(a)) {
        sim.crash(a);
        crashed_at[a] = sim.now_ms();
        plan << " crash(" << a << ")";
      } else if (sim.now_ms() - crashed_at[a] >= 2000) {
        sim.restart(a);
        plan << " restart(" << a << ")";
      }
    } else if (k < mix.loss) {
      sim.set_loss(a, b, static_cast<uint32_t>(rng.range(10'000, 200'000)));
      plan << " loss(" << a << "," << b << ")";
    } else if (k < mix.partition) {
      const uint32_t mask = static_cast<uint32_t>(rng.range(1, (1 << n) - 2));
      std::vector<int> x, y;
      for (int i = 1; i <= n; ++i) ((mask >> (i - 1)) & 1 ? x : y).push_back(i);
      for (int p : x)
        for (int q : y) {
          sim.cut(p, q);
          cuts.push_back({p, q});
        }
      plan << " partition";
    }
  }
  // The faults stop.
  for (const auto& [a, b] : cuts) sim.heal(a, b);
  for (int a = 1; a <= n; ++a)
    for (int b = 1; b <= n; ++b)
      if (a != b) sim.set_loss(a, b, 0);
  sim.run_for(2000);
  for (int a = 1; a <= n; ++a)
    if (!sim.alive(a)) sim.restart(a);
  plan << " | stop";
}

}  // namespace lc::sim
