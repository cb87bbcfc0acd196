// Internal state of one cluster as seen by the local node, and the handlers
// that change it. Private to the core: the Engine owns one Cluster per
// cluster id and routes inputs to it.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "libcluster/core/engine.h"
#include "libcluster/core/routing.h"
#include "libcluster/core/url.h"
#include "libcluster/wire/codec.h"
#include "libcluster/wire/messages.h"

namespace lc::core {

// Last accepted (seq, timestamp) of one originator for one update kind.
struct SeqStamp {
  int32_t seq = -1;
  int32_t ts = 0;
};

// validate_update (topology.md §5.2), stricter about seq 0 (decisions T1).
// Returns true and stores the pair when the update is fresh; false when it
// is stale. `may_have_restarted`: the originator was lost since, so a seq-0
// update from the same second is taken as its restart.
bool accept_update(SeqStamp& stored, int32_t seq, int32_t ts, bool may_have_restarted = false);

struct RemoteCap {
  std::string name;
  int32_t state = 0;
};

// A remote node of the cluster.
struct Node {
  NodeInfo info;
  std::string ip;        // host part of info.url
  uint64_t added = 0;    // insertion counter: listings show newest first
  LinkState link = LinkState::kRestartPinging;
  int32_t retries_left = 0;
  int64_t last_ping_ms = 0;
  int64_t last_pong_ms = 0;
  bool pong_since_ping = false;  // a PONG arrived after last_ping_ms
  int64_t last_sent_ms = 0;      // last routed packet handed to this node
  int64_t last_recv_ms = 0;
  bool ever_received = false;
  std::vector<int32_t> adjacency;     // as advertised by the node, newest first
  std::vector<int32_t> pong_list;     // node ids it listed in its last PONG
  bool asked_node_list = false;       // our last PING asked for that list
  SeqStamp ls, top, cap;
  // Unreachable since its last accepted update: it may come back restarted,
  // with its counters at 0 again within the same UNIX second.
  bool may_have_restarted = false;
  std::vector<RemoteCap> caps;
  bool reported_up = false;      // reachability as last announced by an event
  bool resync_on_pong = false;   // connection was reset: re-send topology
};

class Cluster {
 public:
  Cluster(Engine& engine, const ClusterSpec& spec);

  void rebind(Engine& engine) { engine_ = &engine; }
  int32_t id() const { return id_; }
  const NodeInfo& local() const { return local_; }
  bool local_enabled() const { return local_.enabled; }
  const std::deque<Node>& nodes() const { return nodes_; }

  // ---- inputs (called by the Engine) ----
  void on_internal(Now now, const PeerAddr& from, const wire::InternalMessage& m);
  void on_extra(Now now, const PeerAddr& from, const wire::ExtraMessage& m,
                std::span<const uint8_t> raw);
  void on_module(Now now, const PeerAddr& from, const wire::ModulePacket& m,
                 std::span<const uint8_t> raw, bool auth_check, bool registered);
  void heartbeat(Now now);
  void on_connection_reset(Now now, int32_t node_id);
  void on_send_failed(Now now, int32_t node_id);
  // Recomputes routes if the graph changed and raises reachability events.
  void settle(Now now);

  // ---- commands ----
  CommandResult set_status(Now now, int32_t node_id, bool enabled);
  CommandResult remove_node(Now now, int32_t node_id);
  SendResult send_extra(Now now, int32_t dst, wire::ExtraBody body);
  SendResult broadcast_extra(Now now, wire::ExtraBody body, NodeMatch match);
  SendResult send_module(Now now, int32_t dst, std::span<const uint8_t> unrouted);
  SendResult broadcast_module(Now now, std::span<const uint8_t> unrouted, NodeMatch match);
  // A single CAP_UPDATE about one local capability to every Up neighbour
  // (capabilities-and-shtags.md §9.2; engine_caps.cc).
  void send_cap_single(Now now, const std::string& name, bool state);

  // ---- queries ----
  Node* find(int32_t node_id);
  const Node* find(int32_t node_id) const;
  std::optional<int32_t> next_hop(int32_t node_id) const;
  bool reachable(int32_t node_id) const { return next_hop(node_id).has_value(); }
  NodeView view(const Node& n) const;
  std::vector<TopologyEntry> topology() const;
  const std::vector<int32_t>& local_neighbours() const { return local_neighbours_; }
  bool matches(const Node& n, NodeMatch match) const;

 private:
  // link state
  void send_ping(Now now, Node& n, bool req_node_list);
  void heartbeat_node(Now now, Node& n);
  void set_link(Now now, Node& n, LinkState s, bool advertise);
  void link_up(Now now, Node& n);
  void leave_up(Now now, Node& n, bool advertise);
  void restart_pinging(Now now, Node& n);
  void refresh_topology(Now now);

  // internal messages
  void handle_ping(Now now, const PeerAddr& from, Node& n, const wire::Ping& m);
  void handle_pong(Now now, Node& n, const wire::Pong& m);
  void handle_ls_update(Now now, Node& origin, const wire::LsUpdate& m);
  void handle_full_top(Now now, Node& origin, const wire::FullTopUpdate& m);
  void handle_unknown_id(Now now, Node& n);
  void handle_cap_update(Now now, Node& origin, const wire::CapUpdate& m);
  void handle_unknown_source(Now now, const PeerAddr& from, const wire::InternalMessage& m);

  // topology updates
  void send_ls_update(Now now, int32_t neigh_id, bool up);
  void send_full_top(Now now, Node& dst);
  void send_cap_update(Now now, Node& dst, bool require_reply);
  void flood(Now now, const wire::InternalMessage& m, const wire::Path& path);
  Node& add_node(const NodeInfo& info);
  bool set_adjacency(Node& n, int32_t neigh, bool up);
  void erase_node(Now now, int32_t node_id);

  // routed (trailer) packets
  SendResult route(Now now, int32_t dst, wire::Bytes bytes);
  SendResult broadcast(Now now, wire::Bytes bytes, NodeMatch match);
  void forward(Now now, int32_t dst, std::span<const uint8_t> raw, bool direct_only,
               const wire::ModulePacket* module);
  void deliver_extra(Now now, int32_t src, const wire::ExtraBody& body);
  void disable_local(Now now);
  void enable_local(Now now);

  bool ip_known(const std::string& ip) const;
  void emit(const Node& dst, const wire::InternalBody& body);
  void mark_dirty() { dirty_ = true; }
  std::vector<wire::CapBlock> cap_blocks(int32_t exclude_node) const;

  Engine* engine_;  // the owner; re-pointed when the Engine moves
  int32_t id_;
  NodeInfo local_;
  std::string local_ip_;  // host of local_.url, checked on every packet
  // Insertion order. A deque, because handlers hold a Node& while learning
  // new nodes: appending must not move the others (ASan found it would).
  std::deque<Node> nodes_;
  uint64_t added_counter_ = 0;
  std::vector<int32_t> local_neighbours_;  // our Up links, newest first
  int32_t ls_seq_ = -1, top_seq_ = -1, cap_seq_ = -1;
  // Full topology refresh: one neighbour in turn every
  // kTopologyRefreshPings ping intervals.
  int64_t next_refresh_ms_ = 0;
  std::size_t refresh_turn_ = 0;
  bool dirty_ = true;
  std::vector<Route> routes_;  // sorted by dst
};


}  // namespace lc::core
