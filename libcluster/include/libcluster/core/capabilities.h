// Capabilities (capabilities-and-shtags.md Part A): named replication
// domains a module registers in a cluster, each with a local sync state that
// peers learn through CAP_UPDATE, and a full data sync from a donor.
//
// This header holds the value types of the developers' API and CapTable, the
// pure bookkeeping behind it (local records, donor streams, report rings).
// The Engine connects it to the network: engine_caps.cc (registration,
// advertisement, node events, MI) and sync.cc (the sync protocol).
//
// ---- Writing a capability (the module's side) ----
//
// 1. Register once per capability, at init, before the first input:
//      engine.register_capability({.name = "kv-repl", .cluster_id = 1,
//                                  .startup_sync = true});
//    With the runtime: runtime.register_capability(spec, handler); the
//    handler receives every ModuleEvent of the capability (types.h).
// 2. If it needs data from the cluster, ask for it, normally right after
//    registering: engine.request_sync(now, 1, "kv-repl"). The engine picks a
//    donor (the first reachable node whose copy is synced), or queues the
//    request until one appears. Seeds fall back to "synced" when none does.
// 3. Handle the ModuleEvents (types.h, ModuleEventKind):
//    * kRecvMsg: a replication packet from a peer. While a sync is running
//      these are held back and delivered after the sync data, in order.
//    * kSyncRequest (donor side): node `node_id` wants our whole data set
//      (raised only while our own copy is synced; a request that comes
//      earlier waits for it). Answer with any number of
//      sync_chunks(now, cluster, cap, node_id, data_version, chunks) calls,
//      one chunk per record, then exactly one sync_end(now, cluster, cap,
//      node_id) -- always, even after a failure. The engine packs the
//      chunks into SYNC packets of about sync_packet_size bytes and sends
//      them as they fill; produce a chunk at least every sync_timeout or
//      the requester gives up. kError for a chunk: that chunk cannot be
//      sent (too big), the answer goes on. kDestDown / kCurrDisabled: the
//      requester cannot be reached, stop and call sync_end. If the same
//      node asks again meanwhile, the rest of the running answer is not
//      sent and kSyncRequest comes again after its sync_end.
//    * kSyncData (receiver side): one SYNC packet of the donor's data:
//      `sync->chunks` in the donor's order, `sync->data_version` as the
//      donor's module wrote it. Apply every chunk.
//    * kSyncDone: the sync completed; the node is synced from now on.
//    * kNodeUp / kNodeDown: a node of the cluster became (un)reachable.
//    * kRouteFailed: a packet we relay for the capability found no route.
//    Events about one node keep their order; with the runtime's worker pool
//    (dispatch_jobs) the events of different nodes may run concurrently.
// 4. Replicate with send_to / send_all / send_all_having (engine.h). While
//    the capability is disabled (clusterer_set_cap_status 0) sends succeed
//    without sending and received packets are dropped, as in OpenSIPS.
// 5. get_my_index(cluster, cap) splits work among the synced nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "libcluster/core/report_ring.h"
#include "libcluster/core/types.h"
#include "libcluster/wire/messages.h"

namespace lc::core {

// Status values of the `cap:<name>` status/report identifier (§3.2).
// Readiness is status >= 0; 0 is never used.
enum class CapStatus : int8_t {
  kNotSynced = -3,
  kSyncPending = -2,
  kSyncInProgress = -1,
  kSynced = 1,
};
// "not synced", "sync pending", "sync in progress", "synced".
std::string_view cap_status_details(CapStatus s);

// One registration (§2).
struct CapabilitySpec {
  std::string name;  // compared exactly, case-sensitive
  int32_t cluster_id = 0;
  // true: starts "not synced" and needs a sync; false: starts synced.
  bool startup_sync = false;
  // Which nodes may be donors, relative to the local node (sip_addr rules).
  NodeMatch sync_cond = NodeMatch::kAny;
  // Accept the capability's packets only from the IP of a known node.
  bool auth_check = false;
};

// Outcome of request_sync. OpenSIPS returns -1 / 0 / 1 (sync_request_code).
enum class SyncRequest : uint8_t {
  kRequested,          // sent to a donor
  kQueued,             // no donor yet: sent when one appears (seeds fall back)
  kAlreadyPending,     // queued or sent before, no data yet: nothing done
  kAlreadyInProgress,  // data is arriving: nothing done
  kDisabled,           // capability disabled: nothing done
  kUnknown,            // unknown cluster or capability
};
int32_t sync_request_code(SyncRequest r);

enum class CapResult : uint8_t { kOk, kUnknownCluster, kUnknownCapability };

// One local capability as clusterer_list_cap and the status reports show it.
struct CapabilityView {
  std::string name;
  int32_t cluster_id = 0;
  bool ok = false;  // "Ok" / "not synced"
  bool enabled = true;
  CapStatus status = CapStatus::kSynced;
};

struct ClusterCapsView {
  int32_t cluster_id = 0;
  std::vector<CapabilityView> caps;  // newest registration first
};

// get_my_index (§12): our 0-based position among the synced reachable nodes
// and ourselves, sorted by id, and how many they are (>= 1).
struct MyIndex {
  int32_t index = 0;
  int32_t nr_nodes = 1;
};

// The local record of one capability in one cluster.
struct LocalCap {
  CapabilitySpec spec;
  // Flags of §3.1. Invariants (CapTable::check): pending and in_progress
  // exclude each other and ok; ok implies enabled.
  bool enabled = true;
  bool ok = false;
  bool pending = false;      // SYNC_PENDING: queued until a donor appears
  bool in_progress = false;  // SYNC_IN_PROGRESS: data is arriving
  // The node our request went to, or the data comes from; 0 = none.
  int32_t donor = 0;
  // Ours: the nodes asked since this sync began (bounded by kMaxAsked).
  // Before data flows, only they may start it (a late answer of a donor we
  // gave up waiting for is welcome); once it flows, only `donor` may go on.
  std::vector<int32_t> asked;
  int32_t wait_rounds = 0;  // unanswered requests in a row: the wait doubles
  // A connection on the way from the donor broke during the sync: packets
  // may be lost, so its SYNC_END cannot end it (ours).
  bool tainted = false;
  int64_t pending_since_ms = 0;  // seed fallback clock
  int64_t requested_ms = 0;      // when the request went to `donor`
  int64_t last_data_ms = 0;      // last SYNC data packet
  int32_t chunks_processed = 0;
  std::optional<int32_t> chunks_total;  // from SYNC_END
  CapStatus status = CapStatus::kSynced;
  ReportRing reports;
  // Regular packets held back while a sync runs (bounded).
  std::deque<wire::ModulePacket> held;
  std::size_t held_bytes = 0;

  bool awaiting_data() const { return donor != 0 && !in_progress && !pending && !ok; }
  CapabilityView view() const;
};

// A sync answer being sent to one requester (donor side).
struct SyncStream {
  int32_t cluster_id = 0;
  std::string capability;
  int32_t requester = 0;
  std::optional<wire::Sync> open;  // the packet being filled
  std::size_t open_bytes = 0;      // its BIN length, trailer excluded
  int64_t open_since_ms = 0;       // sent by the sync check if it waits too long
  std::size_t prev_chunk_bytes = 0;
  int32_t chunks = 0;
  int32_t packets = 0;
  SendResult failed = SendResult::kSuccess;
  // Nothing more of this answer is sent, SYNC_END included: the requester
  // asked again meanwhile (`rerun`: the new answer starts at sync_end), or
  // the module was silent for sync_timeout (the requester gave up). The
  // stream itself lives until sync_end, so that the calls of the module's
  // job that is still running never reach another answer.
  bool cut_short = false;
  bool rerun = false;
  int64_t last_activity_ms = 0;
};

class CapTable {
 public:
  static constexpr std::size_t kMaxCapabilities = 256;
  static constexpr std::size_t kMaxStreams = 1024;
  // Regular packets held back during one sync, in count and bytes. Past
  // either bound newer packets are dropped (and reported), not queued.
  static constexpr std::size_t kMaxHeldPackets = 100'000;
  static constexpr std::size_t kMaxHeldBytes = std::size_t{64} << 20;
  // The sync check runs on this grid (OpenSIPS: every 500 ms).
  static constexpr int64_t kCheckPeriodMs = 500;
  static constexpr std::size_t kMaxAsked = 128;
  // An unanswered request is repeated after sync_timeout, then 2x, 4x, 8x.
  static constexpr int32_t kMaxWaitDoublings = 3;

  // Nothing when the (name, cluster) pair exists or the table is full.
  LocalCap* add(const CapabilitySpec& spec);
  LocalCap* find(int32_t cluster_id, std::string_view name);
  const LocalCap* find(int32_t cluster_id, std::string_view name) const;
  // The first registration of a name (the `cap:<name>` identifier's).
  const LocalCap* first_named(std::string_view name) const;
  // Newest registration first, one cluster or all (cluster_id 0).
  std::vector<LocalCap*> in_cluster(int32_t cluster_id);
  std::vector<const LocalCap*> in_cluster(int32_t cluster_id) const;
  // Distinct names, newest registration first.
  std::vector<std::string> names() const;
  bool empty() const { return caps_.empty(); }
  std::size_t size() const { return caps_.size(); }

  SyncStream* stream(int32_t cluster_id, std::string_view cap, int32_t requester);
  SyncStream* open_stream(int32_t cluster_id, const std::string& cap, int32_t requester,
                          int64_t now_ms);
  void close_stream(const SyncStream* s);
  std::deque<SyncStream>& streams() { return streams_; }
  const std::deque<SyncStream>& streams() const { return streams_; }

  // SYNC_REQ from a node we could not reach: answered when it comes up.
  void add_reply_pending(int32_t cluster_id, const std::string& cap, int32_t node);
  std::vector<std::string> take_reply_pending(int32_t cluster_id, int32_t node);
  // SYNC_REQ while our own copy is not synced: answered once it is (ours).
  void add_deferred(int32_t cluster_id, const std::string& cap, int32_t node);
  std::vector<int32_t> take_deferred(int32_t cluster_id, std::string_view cap);

  // Remote records of a node that was unreachable are "stale" until an
  // update about it arrives: it may have restarted meanwhile, unsynced.
  void set_stale(int32_t cluster_id, int32_t node, bool stale);
  bool stale(int32_t cluster_id, int32_t node) const;

  int64_t next_check_ms = 0;  // the sync check grid

  // Keeps records of `previous` that exist here (reload), with their state.
  void keep_states_of(const CapTable& previous);
  // Asserts the invariants of every record.
  void check() const;

 private:
  std::deque<LocalCap> caps_;  // registration order; stable addresses
  std::deque<SyncStream> streams_;
  // Both bounded by records x nodes: one entry per (capability, node).
  std::set<std::tuple<int32_t, std::string, int32_t>> reply_pending_;
  std::set<std::tuple<int32_t, std::string, int32_t>> deferred_;
  std::set<std::pair<int32_t, int32_t>> stale_;
};

}  // namespace lc::core
