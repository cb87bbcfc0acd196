// The seeded fault phase the sharing-tag properties share
// (sim_shtags_test, sim_shtags_failover_test): partitions, cuts, heals,
// losses, crashes and restarts, and tag activations on random nodes.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "libcluster/core/shtags.h"
#include "rng.h"
#include "sim.h"

namespace lc::sim {

// Each round draws k in [0, 100); the first bound above k picks the action
// (a draw above every bound does nothing that round). Increasing bounds.
struct ShtagFaultMix {
  uint64_t activate, cut, heal, crash_or_restart, loss, partition;
};

// Until the virtual time `end_ms`, one action every 200..1500 ms on the
// nodes 1..n of cluster `cluster_id`; a crashed node restarts no sooner
// than 2 s later. Then the faults stop: every cut healed, every loss
// cleared, 2 s more, every crashed node restarted. Each action is appended
// to `plan` (" act(a@2) cut(1,3) ... | stop"), so a failing seed says what
// it did. Bounded: virtual time advances at least 200 ms a round.
void run_shtag_fault_phase(Sim& sim, Rng& rng, int n, int32_t cluster_id, int64_t end_ms,
                           const std::vector<std::string>& tags, core::ShtagReason reason,
                           const ShtagFaultMix& mix, std::ostringstream& plan);

}  // namespace lc::sim
