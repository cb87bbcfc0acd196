// Random fault schedules for the property tests, and the checks run once the
// cluster has settled. A (profile, seed) pair fully determines a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oracle.h"
#include "sim.h"

namespace lc::sim {

struct Profile {
  std::string name;
  bool db_mode = true;
  bool default_timers = false;  // 4 s / 1000 ms / 60 s instead of the small ones
  bool rerouting = true;
  int min_n = 3;
  int max_n = 16;
  // Fault phase length bounds (virtual ms); 0 = chosen from the timers.
  int64_t min_fault_ms = 0;
  int64_t max_fault_ms = 0;
};

struct ScheduleResult {
  bool ok = true;
  std::string plan;      // what the schedule did (topology, faults)
  std::string failures;  // one line per failed check
  std::string details;   // simulator dump and stats, when failed
  int n = 0;
  int64_t virtual_ms = 0;
  uint64_t packets = 0;
};

// Builds the schedule of `seed` under `profile`, runs it, checks:
//  0. the simulator saw no protocol violation (undecodable packets, ...);
//  A. every direct link is Up exactly on the edges of the real up-graph;
//  1. every live node's next hop towards every other node equals the oracle
//     (and get_nodes() lists exactly the reachable nodes);
//  2. the last NodeStateChanged per (node, peer) matches reachability, and
//     no such event happens once settled;
//  3. a generic message (and a module packet) from every live node to every
//     other node arrives exactly once if reachable, never otherwise.
ScheduleResult run_schedule(const Profile& profile, uint64_t seed);

// The real up-graph of a simulator: edges between live, unpaused nodes whose
// link is blocked in neither direction.
UpGraph real_graph(const Sim& sim);

}  // namespace lc::sim
