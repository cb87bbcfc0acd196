// The engine: one node's membership, topology and routing for every cluster
// it belongs to. Sans-I/O: inputs are packets, ticks, connection resets and
// commands, each with an explicit Now; outputs are Transmits and Events the
// driver polls. No sockets, threads, clocks, randomness or DB in here.
//
// Threading: an Engine is owned by one thread (the runtime's event loop, a
// test, or the simulator). None of its methods may be called concurrently;
// handler threads (dispatch_jobs=1) go through the runtime, which posts
// their calls to the owning thread.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "libcluster/core/capabilities.h"
#include "libcluster/core/report_ring.h"
#include "libcluster/core/shtags.h"
#include "libcluster/core/types.h"
#include "libcluster/expected.h"

namespace lc::core {

class Cluster;

class Engine {
 public:
  // Checks a configuration; returns a message naming the bad value.
  static std::optional<std::string> validate(const Config& cfg,
                                             const std::vector<ClusterSpec>& clusters);

  // Precondition: validate(cfg, clusters) returned nothing.
  Engine(Config cfg, std::vector<ClusterSpec> clusters, Now now);
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // ---- inputs ----
  void on_packet(Now now, const PeerAddr& from, std::span<const uint8_t> packet);
  void on_tick(Now now);
  // A TCP connection with `node_id` broke (reset or closed). Not proof of a
  // failure: the link is re-checked with an immediate ping, and if it is
  // still Up, full topology is exchanged again in case data was lost.
  void on_connection_reset(Now now, int32_t node_id);
  // Sending to `node_id` failed (connection refused, write error).
  void on_send_failed(Now now, int32_t node_id);

  // When on_tick must run next (monotonic ms).
  int64_t next_deadline_ms() const;

  // ---- outputs ----
  std::optional<Transmit> poll_transmit();
  std::optional<Event> poll_event();

  // ---- administrative commands ----
  // clusterer_set_status / API set_state: node_id == my id toggles the local node.
  CommandResult set_status(Now now, int32_t cluster_id, int32_t node_id, bool enabled);
  // clusterer_remove_node (db_mode 0 only; the local node is "unknown").
  CommandResult remove_node(Now now, int32_t cluster_id, int32_t node_id);

  // ---- generic messages and MI commands (clusterer-extra) ----
  SendResult send_generic(Now now, int32_t cluster_id, int32_t dst_id, bool request,
                          const std::string& tag, const std::string& msg);
  SendResult broadcast_generic(Now now, int32_t cluster_id, const std::string& tag,
                               const std::string& msg, bool include_self);
  SendResult send_mi(Now now, int32_t cluster_id, int32_t dst_id, const std::string& cmd,
                     const std::vector<std::string>& params);
  SendResult broadcast_mi(Now now, int32_t cluster_id, const std::string& cmd,
                          const std::vector<std::string>& params);

  // ---- developers' API ----
  // Registers a module (capability name) for the given clusters. With
  // auth_check, its packets are accepted only from the IP of a known node of
  // the cluster. Returns false for an empty name, a name already registered,
  // or a cluster the local node does not belong to.
  bool register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                       bool auth_check);
  // `packet` is the module's BIN packet without trailer (wire::encode_module_unrouted).
  SendResult send_to(Now now, int32_t cluster_id, int32_t node_id,
                     std::span<const uint8_t> packet);
  SendResult send_all(Now now, int32_t cluster_id, std::span<const uint8_t> packet);
  SendResult send_all_having(Now now, int32_t cluster_id, std::span<const uint8_t> packet,
                             NodeMatch match);

  int32_t my_id() const;
  // Reachable remote nodes; nothing for an unknown cluster.
  std::optional<std::vector<NodeView>> get_nodes(int32_t cluster_id) const;
  // The next hop towards a node; nothing if unknown or unreachable.
  std::optional<NodeView> get_next_hop(int32_t cluster_id, int32_t node_id) const;
  bool check_addr(int32_t cluster_id, std::string_view ip, AddrType type) const;
  std::optional<std::string> my_sip_addr(int32_t cluster_id) const;
  // The local node's URL in a cluster (outgoing connections start from its IP).
  std::optional<std::string> local_url(int32_t cluster_id) const;
  bool is_seed(int32_t cluster_id) const;

  // ---- inspection (MI) ----
  std::vector<ClusterView> list() const;  // clusterer_list
  // clusterer_list_topology: per cluster, local node first.
  std::vector<std::pair<int32_t, std::vector<TopologyEntry>>> topology() const;
  std::vector<int32_t> cluster_ids() const;  // most recently created first
  bool has_cluster(int32_t cluster_id) const;
  Stats stats() const;
  const ReportRing& node_states_reports() const { return node_states_; }
  // clusterer_reload: the new data set keeps the node_states reports of the
  // one it replaces (the status/report identifier outlives a reload).
  void keep_reports_of(const Engine& previous) { node_states_ = previous.node_states_; }
  const Config& config() const { return cfg_; }

  // ---- sharing tags (capabilities-and-shtags.md Part B; engine_shtags.cc) ----
  // `sharing_tag` definitions at startup: states set silently (no report or
  // event); active tags are announced to each node when it comes up. Then
  // tags of clusters this engine lacks are purged (§B.3): returns one
  // warning text per purged tag, for the log.
  std::vector<std::string> define_shtags(const std::vector<ShtagDefinition>& defs);
  // `sharing_tag_failover` (ours, docs/decisions.md SH10-SH13): these tags
  // are taken over automatically when nobody holds them any more; call
  // after define_shtags. Tags of clusters this engine lacks are purged, with
  // the same warnings.
  std::vector<std::string> define_shtag_failover(const std::vector<ShtagFailoverDefinition>& defs);
  // clusterer_reload: the new engine takes the tags of the one it replaces
  // (states, pending announcements, reports), then purges as above.
  std::vector<std::string> keep_shtags_of(const Engine& previous);
  // §B.4 activation (MI, script variable, API): the tag becomes active and
  // every other node of its cluster is sent SHTAG_ACTIVE; a backup->active
  // change is reported with `why`. Returns kActive, or nothing when the tag
  // cannot be created (name too long, table full). An unknown cluster is
  // not checked: the tag turns active silently, as OpenSIPS's API does.
  std::optional<ShtagState> shtag_activate(Now now, std::string_view name, int32_t cluster_id,
                                           ShtagReason why);
  // §B.9 shtag_get / $cluster.sh_tag read: an unknown tag is created
  // (backup). Nothing when it cannot be created.
  std::optional<ShtagState> shtag_get(std::string_view name, int32_t cluster_id);
  bool shtag_is_active(std::string_view name, int32_t cluster_id);
  // Read without creating (nodectl shtag get): nothing for an unknown tag.
  std::optional<ShtagState> find_shtag(std::string_view name, int32_t cluster_id) const;
  std::vector<ShtagView> list_shtags() const;  // newest first
  // Active tag names of a cluster (all clusters if < 0), at most 64.
  std::vector<std::string> shtag_get_all_active(int32_t cluster_id) const;
  const ReportRing& sharing_tags_reports() const { return shtags_.reports(); }
  // §B.9 sync status of (tag, capability), for modules that drop after
  // SYNC_DONE the records of tags that were backup and the sync did not
  // confirm (dialog). shtag_get_sync_status: true = sync required (a new
  // pair starts required); the tag is created if unknown, nothing when it
  // cannot be. The two setters do nothing and return false while the
  // capability's sync is pending or in progress.
  std::optional<bool> shtag_get_sync_status(std::string_view name, int32_t cluster_id,
                                            std::string_view capability);
  // One tag (created if unknown), or every tag of the cluster when `name`
  // is empty. True when applied.
  bool shtag_set_sync_status(std::string_view name, int32_t cluster_id,
                             std::string_view capability, bool required);
  // Every tag of the cluster: backup -> required, active -> not required.
  // True when applied and some tag is backup.
  bool shtag_sync_all_backup(int32_t cluster_id, std::string_view capability);

  // ---- capabilities (Part A; capabilities.h is the module's guide;
  //      engine_caps.cc, sync.cc) ----
  // §2. False for an empty or reserved name, a name already registered
  // (one name lives in one cluster: its cap:<name> identifier is per name),
  // an unknown cluster or a full table. register_module() registers plain
  // capabilities (no startup sync) in each of its clusters.
  bool register_capability(const CapabilitySpec& spec);
  // §4 request_sync. Ours: also a no-op while a sent request awaits its
  // first data, since the engine retries on its own (sync_timeout).
  SyncRequest request_sync(Now now, int32_t cluster_id, std::string_view capability);
  // Donor side, after kSyncRequest from `requester`: the records, one chunk
  // each, in as many calls as wanted; then sync_end once (capabilities.h).
  // kError: no sync request from `requester` is being answered, or a chunk
  // cannot fit in a BIN packet; kDestDown / kCurrDisabled: the requester
  // cannot be reached (stop, call sync_end).
  SendResult sync_chunks(Now now, int32_t cluster_id, std::string_view capability,
                         int32_t requester, int32_t data_version,
                         std::span<const wire::Bytes> chunks);
  SendResult sync_end(Now now, int32_t cluster_id, std::string_view capability,
                      int32_t requester);
  // clusterer_set_cap_status (§10).
  CapResult set_cap_status(Now now, int32_t cluster_id, std::string_view capability,
                           bool enabled);
  std::vector<ClusterCapsView> list_caps() const;  // clusterer_list_cap
  std::optional<CapabilityView> capability(int32_t cluster_id, std::string_view name) const;
  // The `cap:<name>` identifiers: names newest registration first; the
  // status and reports of a name (its first registration).
  std::vector<std::string> capability_names() const { return caps_.names(); }
  std::optional<CapabilityView> capability_named(std::string_view name) const;
  std::vector<Report> capability_reports(std::string_view name) const;
  // §12 get_my_index; nothing for an unknown cluster or capability.
  std::optional<MyIndex> get_my_index(int32_t cluster_id, std::string_view capability) const;
  // clusterer_reload: capabilities registered in both keep their state
  // (flags, status, reports), as OpenSIPS keeps its local records.
  void keep_capabilities_of(const Engine& previous) { caps_.keep_states_of(previous.caps_); }

 private:
  friend struct CapOps;  // engine_caps.cc, sync.cc
  // Sharing tags: a peer announced itself active; a node came up.
  void shtag_received(Now now, int32_t cluster_id, int32_t src, const std::string& name);
  void shtag_flush(Now now, int32_t cluster_id, int32_t node_id);
  void shtag_broadcast(Now now, Cluster& c, Shtag& tag);
  void shtag_changed(Now now, const Shtag& tag, const std::string& reason);
  // Activation without the final settle (failover runs inside settle).
  ShtagTable::Change shtag_activate_unsettled(Now now, std::string_view name, int32_t cluster_id,
                                              const std::string& reason);
  // Failover (engine_shtags.cc): run at the end of every input, after the
  // clusters settled, so that it sees the reachability just computed.
  void shtag_failover(Now now);
  void failover_refresh(Now now, Cluster& c, Shtag& tag);
  void failover_watch(Now now, Cluster& c, Shtag& tag);
  std::vector<std::string> purge_shtags();
  // After define_shtags / define_shtag_failover: purge, check, and return
  // the warnings with the purge's added.
  std::vector<std::string> finish_shtag_definitions(std::vector<std::string> warnings);
  friend class Cluster;
  // Raises the reachability event, its report and the modules' callbacks.
  void node_event(Now now, int32_t cluster_id, int32_t node_id, bool up);
  void diagnostic(std::string text);
  // End of every input: routes recomputed where needed, events raised.
  void settle(Now now);
  bool module_in_cluster(const std::string& name, int32_t cluster_id) const;
  Cluster* module_cluster(int32_t cluster_id, std::span<const uint8_t> packet);
  Cluster* find(int32_t cluster_id);
  const Cluster* find(int32_t cluster_id) const;

  Config cfg_;
  int64_t heartbeat_period_ms_ = 1000;
  int64_t next_heartbeat_ms_ = 0;
  std::vector<std::unique_ptr<Cluster>> clusters_;  // creation order
  std::deque<Transmit> transmits_;
  std::deque<Event> events_;
  // Diagnostics are dropped beyond this many queued events so that a driver
  // that does not poll cannot make memory grow without bound.
  static constexpr std::size_t kMaxQueuedDiagnostics = 4096;
  ReportRing node_states_;
  struct Module {
    std::vector<int32_t> cluster_ids;
    bool auth_check = false;
  };
  std::map<std::string, Module, std::less<>> modules_;
  ShtagTable shtags_;
  CapTable caps_;
};

}  // namespace lc::core
