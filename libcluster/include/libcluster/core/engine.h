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

#include "libcluster/core/report_ring.h"
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

 private:
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
};

}  // namespace lc::core
