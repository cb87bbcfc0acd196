#include "schedule.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "libcluster/wire/codec.h"

namespace lc::sim {

namespace {

// Shortest crash-to-restart time of a node (see the crash case below).
constexpr int64_t kMinRestartMs = 2000;


constexpr const char* kModule = "sim-mod";

struct Edge {
  int a, b;
};

std::string node_list(const std::vector<int>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "}";
}

// Physical topology: which pairs of nodes can talk at all.
std::vector<Edge> make_topology(Rng& rng, int n, std::string& kind) {
  std::vector<Edge> edges;
  std::set<std::pair<int, int>> have;
  auto add = [&](int a, int b) {
    if (a == b) return;
    if (a > b) std::swap(a, b);
    if (have.insert({a, b}).second) edges.push_back({a, b});
  };
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 1);
  rng.shuffle(order);
  // Dense graphs cost O(E^2) packets per schedule (every link change is
  // flooded over every link): keep them to small clusters.
  const bool dense_ok = n <= 9;
  uint64_t k = rng.below(100);
  if (!dense_ok && k < 30) k = 30 + rng.below(55);  // chain/ring/star/sparse instead
  if (k < 30) {
    kind = "full-mesh";
    for (int a = 1; a <= n; ++a)
      for (int b = a + 1; b <= n; ++b) add(a, b);
  } else if (k < 42) {
    kind = "chain";
    for (int i = 0; i + 1 < n; ++i) add(order[i], order[i + 1]);
  } else if (k < 52) {
    kind = "ring";
    for (int i = 0; i < n; ++i) add(order[i], order[(i + 1) % n]);
  } else if (k < 60) {
    kind = "star";
    for (int i = 1; i < n; ++i) add(order[0], order[i]);
  } else if (k < 85) {
    kind = "sparse-connected";  // random tree + a few chords
    for (int i = 1; i < n; ++i) add(order[i], order[static_cast<std::size_t>(rng.below(i))]);
    const int extra = static_cast<int>(rng.range(0, n));
    for (int i = 0; i < extra; ++i)
      add(static_cast<int>(rng.range(1, n)), static_cast<int>(rng.range(1, n)));
  } else {
    kind = "random-gnp";  // possibly disconnected
    const uint32_t p = static_cast<uint32_t>(rng.range(15, dense_ok ? 60 : 25));
    for (int a = 1; a <= n; ++a)
      for (int b = a + 1; b <= n; ++b)
        if (rng.chance(p)) add(a, b);
  }
  return edges;
}

struct Fault {
  int64_t t;
  std::string text;
};

}  // namespace

UpGraph real_graph(const Sim& sim) {
  const int n = sim.size();
  std::vector<int32_t> prio(static_cast<std::size_t>(n + 1), 0);
  const auto& cfg = sim.config();
  for (int i = 1; i <= n; ++i)
    prio[i] = static_cast<std::size_t>(i) < cfg.priority.size()
                  ? cfg.priority[i]
                  : (cfg.base.db_mode ? core::kDefaultDbPriority : core::kDefaultScriptPriority);
  UpGraph g(n, prio);
  for (int a = 1; a <= n; ++a) {
    if (!sim.alive(a) || sim.paused(a)) continue;
    for (int b = a + 1; b <= n; ++b) {
      if (!sim.alive(b) || sim.paused(b)) continue;
      if (sim.blocked(a, b) || sim.blocked(b, a)) continue;
      g.add_edge(a, b);
    }
  }
  return g;
}

ScheduleResult run_schedule(const Profile& profile, uint64_t seed) {
  ScheduleResult res;
  Rng rng(seed);
  std::ostringstream plan;

  const int n = static_cast<int>(rng.range(profile.min_n, profile.max_n));
  res.n = n;
  SimConfig cfg;
  cfg.n = n;
  cfg.seed = rng.next();
  cfg.base.db_mode = profile.db_mode;
  cfg.base.enable_rerouting = profile.rerouting;
  if (profile.default_timers) {
    cfg.base.ping_interval_s = 4;
    cfg.base.ping_timeout_ms = 1000;
    cfg.base.node_timeout_s = 60;
  } else {
    cfg.base.ping_interval_s = 1;
    cfg.base.ping_timeout_ms = rng.chance(50) ? 500 : 250;
    cfg.base.node_timeout_s = static_cast<int32_t>(rng.range(2, 4));
  }
  const int64_t ping_timeout = cfg.base.ping_timeout_ms;
  const int64_t ping_interval = cfg.base.ping_interval_s * 1000LL;
  const int64_t node_timeout = cfg.base.node_timeout_s * 1000LL;
  cfg.max_events = 1'000'000;  // a packet storm fails the schedule instead of hanging it
  cfg.jitter_ms = rng.chance(50) ? rng.range(1, 10) : 0;
  cfg.max_latency_ms = rng.chance(80) ? 20 : 60;

  cfg.priority.assign(static_cast<std::size_t>(n + 1), profile.db_mode ? 50 : 3);
  if (rng.chance(50))
    for (int i = 1; i <= n; ++i) cfg.priority[i] = static_cast<int32_t>(rng.range(1, 4));
  cfg.no_ping_retries.assign(static_cast<std::size_t>(n + 1), 3);
  if (rng.chance(20))
    for (int i = 1; i <= n; ++i) cfg.no_ping_retries[i] = static_cast<int32_t>(rng.range(0, 3));
  const bool with_module = rng.chance(50);
  if (with_module) {
    cfg.modules = {kModule};
    cfg.module_auth_check = rng.chance(50);
  }

  std::string kind;
  const std::vector<Edge> physical = make_topology(rng, n, kind);
  std::set<std::pair<int, int>> phys_set;
  for (auto e : physical) phys_set.insert({e.a, e.b});
  auto is_phys = [&](int a, int b) { return phys_set.count({std::min(a, b), std::max(a, b)}) > 0; };

  const int64_t fault_ms =
      profile.max_fault_ms > 0
          ? rng.range(profile.min_fault_ms, profile.max_fault_ms)
          : (profile.default_timers ? rng.range(10'000, 90'000) : rng.range(2'000, 20'000));

  // Permanent damage, decided first so that discovery provisioning can
  // guarantee that the final graph is discoverable.
  std::vector<int> dead;
  if (rng.chance(20)) {
    const int k = static_cast<int>(rng.range(1, std::max(1, n / 5)));
    std::vector<int> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), 1);
    rng.shuffle(all);
    dead.assign(all.begin(), all.begin() + k);
    std::sort(dead.begin(), dead.end());
  }
  auto is_dead = [&](int x) { return std::find(dead.begin(), dead.end(), x) != dead.end(); };
  std::vector<Edge> perm_cuts;
  if (rng.chance(25) && !physical.empty()) {
    const int k = static_cast<int>(rng.range(1, 3));
    for (int i = 0; i < k; ++i) perm_cuts.push_back(rng.pick(physical));
  }
  auto perm_cut = [&](int a, int b) {
    for (auto e : perm_cuts)
      if ((e.a == a && e.b == b) || (e.a == b && e.b == a)) return true;
    return false;
  };

  if (!profile.db_mode) {
    // Initial knowledge: a random spanning forest of the final graph (so that
    // every final component can discover itself) plus a few random extras.
    cfg.known.assign(static_cast<std::size_t>(n + 1), {});
    std::vector<int> comp(static_cast<std::size_t>(n + 1), 0);
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 1);
    rng.shuffle(order);
    for (int s : order) {
      if (comp[s] || is_dead(s)) continue;
      comp[s] = s;
      std::vector<int> frontier{s};
      while (!frontier.empty()) {
        const std::size_t pi = static_cast<std::size_t>(rng.below(frontier.size()));
        const int u = frontier[pi];
        std::vector<int> cand;
        for (int v = 1; v <= n; ++v)
          if (!comp[v] && !is_dead(v) && is_phys(u, v) && !perm_cut(u, v)) cand.push_back(v);
        if (cand.empty()) {
          frontier.erase(frontier.begin() + static_cast<std::ptrdiff_t>(pi));
          continue;
        }
        const int v = rng.pick(cand);
        comp[v] = s;
        frontier.push_back(v);
        if (rng.chance(50))
          cfg.known[u].push_back(v);
        else
          cfg.known[v].push_back(u);
      }
    }
    for (int i = 1; i <= n; ++i) {
      const int extra = static_cast<int>(rng.range(is_dead(i) ? 1 : 0, 2));
      for (int k = 0; k < extra; ++k) {
        int j = static_cast<int>(rng.range(1, n));
        if (j != i) cfg.known[i].push_back(j);
      }
      std::sort(cfg.known[i].begin(), cfg.known[i].end());
      cfg.known[i].erase(std::unique(cfg.known[i].begin(), cfg.known[i].end()), cfg.known[i].end());
      if (cfg.known[i].empty()) {  // the engine needs at least one neighbour
        int j = i == 1 ? 2 : 1;
        cfg.known[i].push_back(j);
      }
    }
  }

  plan << "n=" << n << " " << kind << " db_mode=" << profile.db_mode
       << " rerouting=" << profile.rerouting << " timers=" << cfg.base.ping_interval_s << "s/"
       << ping_timeout << "ms/" << cfg.base.node_timeout_s << "s latency<=" << cfg.max_latency_ms
       << " jitter=" << cfg.jitter_ms << (with_module ? " module" : "") << "\n  links:";
  for (auto e : physical) plan << " " << e.a << "-" << e.b;
  plan << "\n  priority:";
  for (int i = 1; i <= n; ++i) plan << " " << cfg.priority[i];
  plan << "  retries:";
  for (int i = 1; i <= n; ++i) plan << " " << cfg.no_ping_retries[i];
  if (!profile.db_mode) {
    plan << "\n  knows:";
    for (int i = 1; i <= n; ++i) plan << " " << i << "->" << node_list(cfg.known[i]);
  }
  plan << "\n  fault phase " << fault_ms << "ms, dead at end " << node_list(dead)
       << ", permanent cuts";
  for (auto e : perm_cuts) plan << " " << e.a << "-" << e.b;
  plan << "\n";

  Sim sim(cfg);
  const int64_t t0 = sim.now_ms();
  const int64_t fault_end = t0 + fault_ms;

  // Non-physical pairs never talk.
  for (int a = 1; a <= n; ++a)
    for (int b = a + 1; b <= n; ++b)
      if (!is_phys(a, b)) sim.cut(a, b);

  std::vector<Fault> faults;
  auto note = [&](int64_t t, std::string s) { faults.push_back({t - t0, std::move(s)}); };
  std::vector<int64_t> node_busy(static_cast<std::size_t>(n + 1), t0);

  for (auto e : perm_cuts) {
    const int64_t t = t0 + rng.range(0, fault_ms);
    sim.at(t, [&sim, e] { sim.cut(e.a, e.b); });
    note(t, "permanent cut " + std::to_string(e.a) + "-" + std::to_string(e.b));
  }
  for (int d : dead) {
    const int64_t t = t0 + rng.range(0, fault_ms);
    node_busy[d] = std::numeric_limits<int64_t>::max();
    sim.at(t, [&sim, d] { sim.crash(d); });
    note(t, "crash " + std::to_string(d) + " for good");
  }

  auto rand_phys = [&](int& a, int& b) {
    if (physical.empty()) return false;
    Edge e = rng.pick(physical);
    if (rng.chance(50)) std::swap(e.a, e.b);
    a = e.a;
    b = e.b;
    return true;
  };
  auto duration = [&]() -> int64_t {
    switch (rng.below(3)) {
      case 0: return rng.range(50, 2 * ping_timeout);                 // short
      case 1: return rng.range(ping_timeout, ping_interval + 4 * ping_timeout);  // medium
      default: return rng.range(ping_interval, 2 * node_timeout + ping_interval);  // long
    }
  };

  const int nfaults = static_cast<int>(rng.range(0, 3 + (3 * n) / 2));
  for (int i = 0; i < nfaults; ++i) {
    const int64_t start = t0 + rng.range(0, fault_ms - 1);
    const int64_t end = std::min(fault_end, start + duration());
    int a = 0, b = 0;
    switch (rng.below(9)) {
      case 0: {  // loss everywhere
        const uint32_t ppm = static_cast<uint32_t>(rng.range(5'000, 80'000));
        sim.at(start, [&sim, ppm] { sim.set_global_loss(ppm); });
        sim.at(end, [&sim] { sim.set_global_loss(0); });
        note(start, "global loss " + std::to_string(ppm / 10000.0).substr(0, 4) + "% until " +
                        std::to_string(end - t0));
        break;
      }
      case 1: {  // lossy link
        if (!rand_phys(a, b)) break;
        const uint32_t ppm = static_cast<uint32_t>(rng.range(50'000, 400'000));
        sim.at(start, [&sim, a, b, ppm] { sim.set_loss(a, b, ppm); });
        sim.at(end, [&sim, a, b] { sim.set_loss(a, b, 0); });
        note(start, "loss " + std::to_string(a) + "->" + std::to_string(b) + " " +
                        std::to_string(ppm / 10000.0).substr(0, 4) + "% until " + std::to_string(end - t0));
        break;
      }
      case 2:
      case 3: {  // cut
        if (!rand_phys(a, b)) break;
        sim.at(start, [&sim, a, b] { sim.cut(a, b); });
        sim.at(end, [&sim, a, b] { sim.heal(a, b); });
        note(start, "cut " + std::to_string(a) + "-" + std::to_string(b) + " until " +
                        std::to_string(end - t0));
        break;
      }
      case 4: {  // asymmetric: b stops hearing a
        if (!rand_phys(a, b)) break;
        sim.at(start, [&sim, a, b] { sim.block(a, b); });
        sim.at(end, [&sim, a, b] { sim.unblock(a, b); });
        note(start, "block " + std::to_string(a) + "->" + std::to_string(b) + " until " +
                        std::to_string(end - t0));
        break;
      }
      case 5: {  // partition, symmetric or one-way
        std::vector<int> ga, gb;
        for (int x = 1; x <= n; ++x) (rng.chance(50) ? ga : gb).push_back(x);
        if (ga.empty() || gb.empty()) break;
        const bool oneway = rng.chance(30);
        sim.at(start, [&sim, ga, gb, oneway] {
          for (int x : ga)
            for (int y : gb) {
              sim.block(x, y);
              if (!oneway) sim.block(y, x);
            }
        });
        sim.at(end, [&sim, ga, gb, oneway] {
          for (int x : ga)
            for (int y : gb) {
              sim.unblock(x, y);
              if (!oneway) sim.unblock(y, x);
            }
        });
        note(start, std::string(oneway ? "one-way " : "") + "partition " + node_list(ga) + " | " +
                        node_list(gb) + " until " + std::to_string(end - t0));
        break;
      }
      case 6: {  // clog
        if (!rand_phys(a, b)) break;
        const int64_t extra = ping_timeout * rng.range(1, 4) + rng.range(0, 200);
        sim.at(start, [&sim, a, b, extra] { sim.clog(a, b, extra); });
        sim.at(end, [&sim, a, b, extra] { sim.unclog(a, b, extra); });
        note(start, "clog " + std::to_string(a) + "->" + std::to_string(b) + " +" +
                        std::to_string(extra) + "ms until " + std::to_string(end - t0));
        break;
      }
      case 7: {  // crash + restart
        const int x = static_cast<int>(rng.range(1, n));
        if (start < node_busy[x]) break;
        // A restarted node is told apart from its old self by the UNIX
        // second of its first updates (topology.md §5.2): it comes back at
        // least kMinRestartMs later, as a real process restart does.
        const int64_t restart_at = std::max(end, start + kMinRestartMs);
        if (restart_at > fault_end) break;
        node_busy[x] = restart_at + 1;
        sim.at(start, [&sim, x] { sim.crash(x); });
        sim.at(restart_at, [&sim, x] { sim.restart(x); });
        note(start, "crash " + std::to_string(x) + ", restart at " + std::to_string(restart_at - t0));
        break;
      }
      default: {  // pause
        const int x = static_cast<int>(rng.range(1, n));
        if (start < node_busy[x]) break;
        int64_t pend = end;
        if (rng.chance(40)) pend = std::min(fault_end, start + rng.range(10, ping_timeout / 2));
        node_busy[x] = pend + 1;
        sim.at(start, [&sim, x] { sim.pause(x); });
        sim.at(pend, [&sim, x] { sim.resume(x); });
        note(start, "pause " + std::to_string(x) + " until " + std::to_string(pend - t0));
        break;
      }
    }
  }
  sim.at(fault_end, [&sim, n] {
    sim.set_global_loss(0);
    for (int a = 1; a <= n; ++a)
      for (int b = 1; b <= n; ++b)
        if (a != b) sim.set_loss(a, b, 0);
  });
  std::sort(faults.begin(), faults.end(), [](const Fault& x, const Fault& y) { return x.t < y.t; });
  for (const auto& f : faults) plan << "  @" << f.t << "ms " << f.text << "\n";
  res.plan = plan.str();

  // Faults, then quiet time to converge.
  // Long enough for Down links to be re-probed (node_timeout) and for every
  // node's periodic topology refresh to have gone round once.
  const int64_t settle = std::max<int64_t>(2 * node_timeout, ping_interval * core::kTopologyRefreshPings) +
                         4 * ping_interval + 4 * ping_timeout + 2000;
  sim.run_until(fault_end + settle);
  const int64_t settled_at = sim.now_ms();

  std::ostringstream fail;
  int nfail = 0;
  auto failed = [&](const std::string& s) {
    if (++nfail <= 25) fail << "  " << s << "\n";
  };

  for (const auto& v : sim.violations()) failed("simulator: " + v);
  for (int x = 1; x <= n; ++x)
    if (sim.paused(x)) failed("node " + std::to_string(x) + " still paused (harness bug)");

  const UpGraph g = real_graph(sim);
  const int32_t cl = cfg.cluster_id;
  auto reach = [&](int a, int b) {
    return profile.rerouting ? g.reachable(a, b) : g.edge(a, b);
  };

  auto check_state = [&](const char* when) {
    for (int a = 1; a <= n; ++a) {
      if (!sim.alive(a)) continue;
      const Engine& e = sim.engine(a);
      for (int b = 1; b <= n; ++b) {
        if (b == a) continue;
        const std::string pair =
            std::string(when) + " node " + std::to_string(a) + " -> " + std::to_string(b) + ": ";
        // A. direct link state
        auto v = sim.view(a, b);
        const bool up = v && v->link_state == core::LinkState::kUp;
        if (up != g.edge(a, b))
          failed(pair + "link " + (v ? std::string(core::link_state_name(v->link_state)) : "unknown") +
                 ", real link " + (g.edge(a, b) ? "up" : "down"));
        // 1. next hop
        auto hop = e.get_next_hop(cl, b);
        std::optional<int> want;
        if (profile.rerouting) {
          want = g.next_hop(a, b);
        } else if (g.edge(a, b)) {
          want = hop ? std::optional<int>(b) : std::nullopt;  // either answer is accepted
        }
        std::optional<int> got;
        if (hop) got = hop->node_id;
        if (got != want)
          failed(pair + "next hop " + (got ? std::to_string(*got) : "none") + ", oracle " +
                 (want ? std::to_string(*want) : "none") + " (dist " +
                 std::to_string(g.dist(a, b)) + ")");
        // 2. events
        const bool ev_up = sim.last_state(a, b).value_or(false);
        if (ev_up != reach(a, b))
          failed(pair + "last event says " + (ev_up ? "UP" : "DOWN/none") + ", real " +
                 (reach(a, b) ? "reachable" : "unreachable"));
      }
      if (profile.rerouting) {
        auto nodes = e.get_nodes(cl);
        std::set<int> got, want;
        if (nodes)
          for (const auto& nv : *nodes) got.insert(nv.node_id);
        for (int b = 1; b <= n; ++b)
          if (b != a && g.reachable(a, b)) want.insert(b);
        if (got != want) {
          std::vector<int> gv(got.begin(), got.end()), wv(want.begin(), want.end());
          failed(std::string(when) + " node " + std::to_string(a) + ": get_nodes " + node_list(gv) +
                 ", reachable " + node_list(wv));
        }
      }
    }
  };
  // What each node believes the graph is (its own Up links, and remote
  // edges as advertised), compared with the real one: this tells
  // a stale/incomplete link-state database from a routing bug.
  // (Only with rerouting: without it the database is never used.)
  for (int a = 1; a <= n && profile.rerouting; ++a) {
    if (!sim.alive(a)) continue;
    std::map<int, std::set<int>> adv;
    for (const auto& [cid, entries] : sim.engine(a).topology()) {
      if (cid != cl) continue;
      for (const auto& e : entries)
        adv[e.node_id].insert(e.neighbours.begin(), e.neighbours.end());
    }
    std::string missing, phantom;
    for (int x = 1; x <= n; ++x)
      for (int y = x + 1; y <= n; ++y) {
        // Directed knowledge, as routing uses it: x->y as x advertises it.
        // Relays never report a node's link to themselves in that node's
        // entry (topology.md §5.1), so one direction may be all we know.
        auto claims = [&](int from, int to) {
          return from == a ? adv[a].count(to) > 0 : adv[from].count(to) > 0;
        };
        const bool believed = claims(x, y) || claims(y, x);
        // A claim only misleads when its advertiser is reachable: a cut-off
        // or dead node legitimately keeps stale news of its own links.
        auto misleads = [&](int from, int to) {
          return claims(from, to) && (from == a || g.reachable(a, from));
        };
        const std::string e = " " + std::to_string(x) + "-" + std::to_string(y);
        if (!g.edge(x, y) && (misleads(x, y) || misleads(y, x))) phantom += e;
        // Only edges that matter: both ends reachable from a in reality.
        if (!believed && g.edge(x, y) && (x == a || g.reachable(a, x)) &&
            (y == a || g.reachable(a, y)))
          missing += e;
      }
    if (!missing.empty() || !phantom.empty())
      failed("node " + std::to_string(a) + " link-state database differs from the real graph:" +
             (missing.empty() ? "" : " missing" + missing) +
             (phantom.empty() ? "" : " phantom" + phantom));
  }
  check_state("settled:");

  // 3. every live node sends to every other node.
  struct Sent {
    int src, dst;
    std::string tag;
    bool module;
  };
  std::vector<Sent> sent;
  for (int a = 1; a <= n; ++a) {
    if (!sim.alive(a)) continue;
    for (int b = 1; b <= n; ++b) {
      if (b == a) continue;
      const std::string tag = "p3-" + std::to_string(a) + "-" + std::to_string(b);
      auto r = sim.call(a, [&](Engine& e, Now now) {
        return e.send_generic(now, cl, b, true, tag, "hello " + std::to_string(seed));
      });
      const bool expect_ok = reach(a, b);
      if (expect_ok && r != core::SendResult::kSuccess)
        failed("send_generic " + std::to_string(a) + " -> " + std::to_string(b) + " returned " +
               std::string(core::send_result_name(r)) + " but the node is reachable");
      if (!expect_ok && r == core::SendResult::kSuccess)
        failed("send_generic " + std::to_string(a) + " -> " + std::to_string(b) +
               " returned success but the node is unreachable");
      sent.push_back({a, b, tag, false});
      if (with_module) {
        const std::string mtag = "m3-" + std::to_string(a) + "-" + std::to_string(b);
        auto pkt = wire::encode_module_unrouted(
            kModule, 7, 1,
            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(mtag.data()), mtag.size()));
        auto mr = sim.call(a, [&](Engine& e, Now now) {
          return e.send_to(now, cl, b, std::span<const uint8_t>(pkt.data(), pkt.size()));
        });
        if (expect_ok && mr != core::SendResult::kSuccess)
          failed("send_to(module) " + std::to_string(a) + " -> " + std::to_string(b) +
                 " returned " + std::string(core::send_result_name(mr)) +
                 " but the node is reachable");
        sent.push_back({a, b, mtag, true});
      }
    }
  }
  sim.run_for(std::max<int64_t>(2000, 2 * ping_timeout));
  auto module_count = [&](int node, const std::string& tag, int src) {
    int c = 0;
    for (const auto& rec : sim.log(node)) {
      auto* me = std::get_if<core::ModuleEvent>(&rec.ev);
      if (!me || me->kind != core::ModuleEventKind::kRecvMsg || !me->packet) continue;
      const auto& body = me->packet->body;
      if (std::string(body.begin(), body.end()) == tag && me->node_id == src) ++c;
    }
    return c;
  };
  for (const auto& s : sent) {
    const int want = reach(s.src, s.dst) ? 1 : 0;
    int got = 0, anywhere = 0;
    for (int x = 1; x <= n; ++x) {
      const int c = s.module ? module_count(x, s.tag, s.src) : sim.count_generic(x, s.tag);
      anywhere += c;
      if (x == s.dst) got = c;
    }
    if (got != want || anywhere != want)
      failed(std::string(s.module ? "module packet " : "generic ") + s.tag + ": received " +
             std::to_string(got) + " time(s) at " + std::to_string(s.dst) + ", " +
             std::to_string(anywhere) + " in all, expected " + std::to_string(want) +
             (g.edge(s.src, s.dst) ? " (direct)" : " (relayed, dist " +
                                                       std::to_string(g.dist(s.src, s.dst)) + ")"));
  }
  // Stable: nothing changed while the messages flowed.
  for (int a = 1; a <= n; ++a) {
    if (!sim.alive(a)) continue;
    for (int b = 1; b <= n; ++b)
      if (b != a && (sim.count_state(a, b, true, settled_at + 1) ||
                     sim.count_state(a, b, false, settled_at + 1)))
        failed("node " + std::to_string(a) + " raised a state event about " + std::to_string(b) +
               " after settling");
  }
  check_state("after sends:");
  for (const auto& v : sim.violations()) {
    (void)v;
  }
  if (sim.violations().size() > 0 && nfail == 0) failed("simulator violations after sends");

  res.virtual_ms = sim.now_ms() - t0;
  res.packets = sim.stats().sent;
  if (nfail > 0) {
    res.ok = false;
    if (nfail > 25) fail << "  ... " << (nfail - 25) << " more\n";
    res.failures = fail.str();
    std::ostringstream d;
    d << "real up-graph: " << g.edges_string() << "\n" << sim.summary() << "\n" << sim.dump();
    res.details = d.str();
  }
  return res;
}

}  // namespace lc::sim
