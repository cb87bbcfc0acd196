// A deterministic simulator of a cluster of lc::core::Engine instances.
//
// N engines (node ids 1..N, IP 127.0.0.N, URL bin:127.0.0.N:5000) exchange
// the exact bytes they produce over a fake TCP network driven by a virtual
// millisecond clock. Everything that happens is an item of one event queue
// ordered by (time, sequence number), and every random choice comes from one
// seeded Rng, so a seed replays exactly.
//
// Network model (one directed link per ordered pair of nodes):
//  * latency: a fixed base per directed link (drawn from the seed) plus an
//    optional jitter; delivery is FIFO per directed link, whatever the delays
//    (TCP never reorders): a message is never delivered before an earlier
//    one sent on the same directed link;
//  * loss: a lost message breaks the TCP connection; the message and anything
//    the sender writes before it learns of the break (one RTT) are lost, and
//    both ends get on_connection_reset;
//  * block (cut / asymmetric partition): messages on a blocked directed link
//    vanish silently (the peer is unreachable, TCP retransmits in vain); when
//    the block ends after having swallowed messages, the connection is
//    considered broken and both ends get on_connection_reset;
//  * clog: an extra delay for messages sent while it lasts (still FIFO);
//  * crash: the engine is destroyed; messages reaching a crashed node make
//    the sender's on_send_failed fire one return latency later (connection
//    refused) unless crash_refuses = false (the host vanished: black hole).
//    Messages for an earlier incarnation of a restarted node are lost and the
//    sender gets on_connection_reset;
//  * restart: a new Engine with the node's original configuration;
//  * pause: the node processes nothing; what reaches it queues (the kernel
//    buffers TCP data); on resume it processes that backlog, then ticks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <string>
#include <vector>

#include "libcluster/core/engine.h"
#include "libcluster/core/types.h"
#include "libcluster/wire/messages.h"
#include "rng.h"

namespace lc::sim {

using core::Engine;
using core::Event;
using core::Now;

inline constexpr int64_t kUnixBase = 1'700'000'000;

class Sim;

struct SimConfig {
  int n = 3;
  uint64_t seed = 1;
  // Timers, db_mode and enable_rerouting; my_node_id is filled per node.
  core::Config base;
  int32_t cluster_id = 1;
  // Per node (index = node id, entry 0 unused); empty = defaults.
  std::vector<int32_t> priority;         // default 50 (db_mode) / 3 (script)
  std::vector<int32_t> no_ping_retries;  // default 3
  std::vector<bool> enabled;             // provisioned state, default true
  // Who each node initially knows (index = node id). Empty = everyone knows
  // everyone (what db_mode=1 needs).
  std::vector<std::vector<int>> known;
  // Modules registered on every engine (re-registered after a restart).
  std::vector<std::string> modules;
  bool module_auth_check = false;
  // `sharing_tag` definitions per node (index = node id), applied at every
  // (re)start of that node.
  std::vector<std::vector<core::ShtagDefinition>> sharing_tags;
  // The local node's `flags` per node (index = node id), e.g. "seed".
  std::vector<std::string> flags;
  // A node's modules: on_start runs at every (re)start of an engine, before
  // its first outputs are carried out (the modules' init: registrations,
  // first requests). on_event sees every event an engine raises, as it is
  // drained (the modules' handlers); it must not call the engine, but may
  // schedule calls with Sim::at (see sim_capability.h).
  std::function<void(Sim& sim, int node, Engine& engine)> on_start;
  std::function<void(Sim& sim, int node, const Event& ev)> on_event;

  int64_t start_ms = 1'000'000;  // initial monotonic time
  int64_t min_latency_ms = 1;
  int64_t max_latency_ms = 20;
  int64_t jitter_ms = 0;  // extra 0..jitter_ms per message (FIFO kept)
  bool crash_refuses = true;
  bool decode_packets = true;       // decode every packet, count by type
  bool record_diagnostics = false;  // keep Diagnostic events in the logs
  bool trace = false;               // print every packet (also env LC_SIM_TRACE=1)
  uint64_t max_events = 200'000'000;  // runaway guard
};

// One event an engine emitted.
struct Record {
  int64_t t = 0;  // mono ms
  int node = 0;
  int incarnation = 0;
  Event ev;
};

struct NetStats {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t dropped_loss = 0;
  uint64_t dropped_blocked = 0;
  uint64_t dropped_broken = 0;
  uint64_t dropped_dead = 0;
  uint64_t dropped_stale_conn = 0;
  uint64_t resets = 0;
  uint64_t send_failed = 0;
  uint64_t ticks = 0;
  uint64_t events_processed = 0;
  uint64_t diagnostics = 0;
  std::map<std::string, uint64_t> by_type;  // sent packets per type name
};

class Sim {
 public:
  explicit Sim(SimConfig cfg);
  ~Sim();
  Sim(const Sim&) = delete;
  Sim& operator=(const Sim&) = delete;

  // ---- time ----
  int64_t now_ms() const { return now_; }
  int64_t elapsed_ms() const { return now_ - cfg_.start_ms; }
  Now now() const { return Now{now_, kUnixBase + now_ / 1000}; }
  // Processes every event due at or before t, then sets the clock to t.
  void run_until(int64_t t);
  void run_for(int64_t ms) { run_until(now_ + ms); }
  // Runs until `pred()` holds (checked after each event) or `deadline`.
  // Returns whether pred held.
  bool run_until_pred(const std::function<bool()>& pred, int64_t deadline);
  // Schedules an action at absolute time t (>= now).
  void at(int64_t t, std::function<void()> fn);

  // ---- nodes ----
  int size() const { return cfg_.n; }
  const SimConfig& config() const { return cfg_; }
  bool alive(int n) const { return nodes_[n].engine != nullptr; }
  bool paused(int n) const { return nodes_[n].paused; }
  int incarnation(int n) const { return nodes_[n].incarnation; }
  // Time the current incarnation was created.
  int64_t started_at(int n) const { return nodes_[n].started_at; }
  Engine& engine(int n);
  const Engine& engine(int n) const;
  static std::string ip_of(int n);
  static std::string url_of(int n);

  // Runs a command on node n's engine at the current time, then carries out
  // what it produced. f(Engine&, Now) -> anything.
  template <typename F>
  decltype(auto) call(int n, F&& f) {
    Engine& e = engine(n);
    if constexpr (std::is_void_v<decltype(f(e, now()))>) {
      f(e, now());
      after(n);
    } else {
      auto r = f(e, now());
      after(n);
      return r;
    }
  }

  // ---- faults ----
  void cut(int a, int b);    // symmetric: nothing passes either way
  void heal(int a, int b);   // undoes one cut(a, b)
  void block(int from, int to);    // directed: `to` no longer hears `from`
  void unblock(int from, int to);  // undoes one block(from, to)
  // Every pair (x in A, y in B) is cut; heal_partition undoes it.
  void partition(const std::vector<int>& a, const std::vector<int>& b);
  void heal_partition(const std::vector<int>& a, const std::vector<int>& b);
  bool blocked(int from, int to) const { return link(from, to).block > 0; }
  // Extra delay for messages sent from->to while the clog lasts (adds up).
  void clog(int from, int to, int64_t extra_ms);
  void unclog(int from, int to, int64_t extra_ms);
  // Message loss probability, per million, of one directed link / all links.
  void set_loss(int from, int to, uint32_t ppm);
  void set_global_loss(uint32_t ppm) { global_loss_ppm_ = ppm; }
  void crash(int n);
  void restart(int n);
  void pause(int n);
  void resume(int n);

  // ---- observations ----
  const std::vector<Record>& log(int n) const { return nodes_[n].log; }
  // Last NodeStateChanged of node n's current incarnation about peer.
  std::optional<bool> last_state(int n, int peer) const;
  // NodeStateChanged events of node n (current incarnation) about peer, at
  // or after `since`.
  int count_state(int n, int peer, bool up, int64_t since = 0) const;
  // Generic messages received by node n (any incarnation) with this tag.
  int count_generic(int n, const std::string& tag) const;
  int count_generic_anywhere(const std::string& tag) const;
  std::optional<core::NodeView> view(int n, int peer) const;  // from list()
  std::string link_label(int n, int peer) const;  // "Up"/"Down"/"Probe"/"?"
  const NetStats& stats() const { return stats_; }
  // Problems the simulator itself saw (undecodable packets, sends to self,
  // FIFO violations, deadlines that do not advance ...). Empty = good.
  const std::vector<std::string>& violations() const { return violations_; }
  // Called for every packet an engine hands to the network (before loss or
  // blocking is applied), decoded. For scenario tests that watch the wire.
  using Observer = std::function<void(int64_t t, int src, int dst, const wire::Packet& p)>;
  void set_observer(Observer obs) { observer_ = std::move(obs); }
  // Short human summary (stats) for failure messages.
  std::string summary() const;
  // Dumps every node's list() and events (for failure messages).
  std::string dump() const;

 private:
  struct Link {
    int64_t latency = 1;
    int64_t last_delivery = 0;
    int block = 0;
    bool dropped_while_blocked = false;
    int64_t clog_extra = 0;
    uint32_t loss_ppm = 0;
    int64_t broken_until = -1;
    uint64_t conn = 0;  // current connection initiated by `from` (0 = none)
    uint64_t send_seq = 0;
    uint64_t recv_seq = 0;
  };
  struct Node {
    std::unique_ptr<Engine> engine;
    int incarnation = 0;
    int64_t started_at = 0;
    bool paused = false;
    int64_t pushed_deadline = -1;
    std::vector<uint64_t> backlog;  // queue item ids held while paused
    std::vector<Record> log;
    core::Config cfg;
    std::vector<core::ClusterSpec> specs;
  };
  enum class Kind : uint8_t { kDeliver, kTick, kReset, kSendFailed, kAction };
  struct Item {
    Kind kind = Kind::kAction;
    int node = 0;  // destination / subject
    int peer = 0;  // source / peer
    int incarnation = 0;          // of `node` when scheduled
    int peer_incarnation = 0;     // of `peer` when scheduled (deliveries)
    bool node_was_alive = true;   // deliveries: destination alive at send time
    uint64_t conn = 0;
    uint64_t link_seq = 0;
    int64_t deadline = 0;
    std::vector<uint8_t> bytes;
    std::function<void()> fn;
  };
  struct QueueEntry {
    int64_t t;
    uint64_t seq;
    uint64_t id;
    bool operator>(const QueueEntry& o) const {
      return t != o.t ? t > o.t : seq > o.seq;
    }
  };
  struct ConnInfo {
    int initiator = 0;
    int acceptor = 0;
  };

  Link& link(int from, int to) { return links_[static_cast<std::size_t>(from * (cfg_.n + 1) + to)]; }
  const Link& link(int from, int to) const {
    return links_[static_cast<std::size_t>(from * (cfg_.n + 1) + to)];
  }
  void check_node(int n) const;
  void create_engine(int n);
  uint64_t push(int64_t t, Item item);
  void process(uint64_t id);
  void dispatch(Item& it);  // to a live, unpaused engine
  void after(int n);        // drain outputs, schedule the next tick
  void schedule_tick(int n);
  void transmit(int src, const core::Transmit& tx);
  void send_bytes(int src, int dst, uint64_t conn, std::vector<uint8_t> bytes);
  void notify(int node, Kind kind, int peer, int64_t t);
  uint64_t new_conn(int initiator, int acceptor);
  void violation(std::string text);
  std::string describe(const std::vector<uint8_t>& bytes, bool count, int src = 0, int dst = 0);
  int node_of_url(const std::string& url) const;

  SimConfig cfg_;
  Rng rng_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, Item> items_;
  std::priority_queue<QueueEntry, std::vector<QueueEntry>, std::greater<>> queue_;
  std::vector<Node> nodes_;
  std::vector<Link> links_;
  std::map<uint64_t, ConnInfo> conns_;
  uint64_t next_conn_ = 1;
  std::set<std::tuple<int, int, int>> pending_notify_;  // (node, kind, peer)
  uint32_t global_loss_ppm_ = 0;
  NetStats stats_;
  std::vector<std::string> violations_;
  bool trace_ = false;
  Observer observer_;
};

std::string event_to_string(const Event& ev);

// The quick timers most scenarios use: ping 1 s, pong timeout 500 ms,
// node_timeout 3 s, latency 1-5 ms; everything else Config's defaults.
SimConfig quick_config(int n, uint64_t seed = 1);

// A numeric environment variable of the test drivers (LC_SIM_SEED,
// LC_SIM_SEEDS, ...); nothing when unset or empty.
std::optional<uint64_t> env_u64(const char* name);

}  // namespace lc::sim
