// Property tests: many seeded random fault schedules; after the faults stop
// and the cluster settles, routing tables, node events and message delivery
// must agree with the real up-graph (see schedule.h for the checks).
//
// Environment:
//   LC_SIM_SEED=<seed>   run only that seed (in whichever test is selected)
//   LC_SIM_SEEDS=<count> seeds per test batch (default: see kSuites)
//   LC_SIM_TRACE=1       print every packet (use with LC_SIM_SEED)
//   LC_SIM_VERBOSE=1     print the plan of every schedule
//   LC_SIM_KEEP_GOING=1  do not stop a failing batch early
//   LC_SIM_BRIEF=1       one line per failing seed
//   LC_SIM_MAX_N=<n>     cap the cluster size (changes the schedules: debug only)
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>

#include "schedule.h"

namespace lc::sim {
namespace {

struct Suite {
  const char* name;
  Profile profile;
  uint64_t base_seed;
  int batches;
  int per_batch;
};

Profile make(const char* name, bool db, bool defaults, bool rerouting, int min_n = 3,
             int max_n = 16) {
  Profile p;
  p.name = name;
  p.db_mode = db;
  p.default_timers = defaults;
  p.rerouting = rerouting;
  p.min_n = min_n;
  p.max_n = max_n;
  return p;
}

// 4*110 + 4*110 + 2*30 + 2*40 + 1*40 = 1060 schedules by default.
const Suite kSuites[] = {
    {"DbMode", make("DbMode", true, false, true), 1'000'000, 4, 110},
    {"Discovery", make("Discovery", false, false, true), 2'000'000, 4, 110},
    {"DefaultTimersDb", make("DefaultTimersDb", true, true, true, 3, 10), 3'000'000, 2, 30},
    {"NoRerouting", make("NoRerouting", true, false, false), 4'000'000, 2, 40},
    {"DefaultTimersDiscovery", make("DefaultTimersDiscovery", false, true, true, 3, 10), 5'000'000,
     1, 40},
};

struct Param {
  int suite;
  int batch;
};
void PrintTo(const Param& p, std::ostream* os) { *os << kSuites[p.suite].name << " batch " << p.batch; }

std::vector<Param> all_params() {
  std::vector<Param> v;
  for (int s = 0; s < static_cast<int>(std::size(kSuites)); ++s)
    for (int b = 0; b < kSuites[s].batches; ++b) v.push_back({s, b});
  return v;
}

class sim_property : public ::testing::TestWithParam<Param> {};

TEST_P(sim_property, Schedules) {
  const Suite& suite = kSuites[GetParam().suite];
  const int batch = GetParam().batch;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string full_name = std::string(info->test_suite_name()) + "." + info->name();
  const bool verbose = env_u64("LC_SIM_VERBOSE").value_or(0) != 0;
  const bool keep_going = env_u64("LC_SIM_KEEP_GOING").value_or(0) != 0;
  const bool brief = env_u64("LC_SIM_BRIEF").value_or(0) != 0;
  Profile profile = suite.profile;
  if (auto cap = env_u64("LC_SIM_MAX_N")) {
    profile.max_n = std::max(3, std::min(profile.max_n, static_cast<int>(*cap)));
    profile.min_n = std::min(profile.min_n, profile.max_n);
  }

  std::vector<uint64_t> seeds;
  if (auto one = env_u64("LC_SIM_SEED")) {
    seeds.push_back(*one);
  } else {
    const uint64_t count = env_u64("LC_SIM_SEEDS").value_or(static_cast<uint64_t>(suite.per_batch));
    for (uint64_t i = 0; i < count; ++i)
      seeds.push_back(suite.base_seed + static_cast<uint64_t>(batch) * 100'000 + i);
  }

  const auto t_start = std::chrono::steady_clock::now();
  int64_t virtual_total = 0;
  uint64_t packets = 0;
  int failures = 0;
  std::size_t ran = 0;
  for (uint64_t seed : seeds) {
    // Once a batch is failing, stop early rather than spend minutes on a
    // storm of failing seeds (passing batches always run every seed).
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    if (failures > 0 && spent > 10.0 && !keep_going) {
      ADD_FAILURE() << "stopping this failing batch after " << ran << " schedules (time budget)";
      break;
    }
    ++ran;
    ScheduleResult r = run_schedule(profile, seed);
    virtual_total += r.virtual_ms;
    packets += r.packets;
    if (verbose) std::printf("seed %llu: %s", static_cast<unsigned long long>(seed), r.plan.c_str());
    if (!r.ok && brief) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " n=" << r.n << ": "
                    << r.failures.substr(0, r.failures.find('\n'));
      continue;
    }
    if (!r.ok) {
      ++failures;
      ADD_FAILURE() << "profile " << suite.name << " seed " << seed << " failed:\n"
                    << r.failures << "replay: LC_SIM_SEED=" << seed
                    << " build/bin/sim_property_test --gtest_filter='" << full_name << "'"
                    << "   (add LC_SIM_TRACE=1 for a packet trace)\n"
                    << "plan: " << r.plan << (failures <= 1 ? r.details : std::string());
      if (failures >= 3 && !keep_going) {
        ADD_FAILURE() << "stopping this batch after 3 failing seeds";
        break;
      }
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::printf("[ sim ] %s: %zu schedules, %.1f s virtual, %llu packets, %.2f s wall\n",
              full_name.c_str(), ran, static_cast<double>(virtual_total) / 1000.0,
              static_cast<unsigned long long>(packets), wall);
}

INSTANTIATE_TEST_SUITE_P(sim, sim_property, ::testing::ValuesIn(all_params()),
                         [](const ::testing::TestParamInfo<Param>& p) {
                           return std::string(kSuites[p.param.suite].name) + "_" +
                                  std::to_string(p.param.batch);
                         });

}  // namespace
}  // namespace lc::sim
