// Value types of the engine core: time, provisioning, link states, results,
// transmits and events. The core is a deterministic state machine; every
// input carries `Now`, every output is a value the driver polls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "libcluster/wire/messages.h"

namespace lc::core {

// The driver's clock at the moment of an input. mono_ms drives timers;
// unix_s stamps sequence updates and reports (the wire carries UNIX seconds).
struct Now {
  int64_t mono_ms = 0;
  int64_t unix_s = 0;
};

// Link states of a direct link, values as in OpenSIPS (topology.md §3).
enum class LinkState : uint8_t {
  kUp = 0,
  kDown = 1,
  kRetrySendFail = 2,
  kRestartPinging = 3,
  kRestarted = 4,
  kRetrying = 5,
  kTemp = 6,
};
// "Up", "Down" or "Probe", as clusterer_list shows it.
std::string_view link_state_label(LinkState s);
std::string_view link_state_name(LinkState s);  // e.g. "LS_RESTARTED"

// Defaults of per-node values; script provisioning uses 3 for the priority
// (an OpenSIPS quirk kept for wire parity, topology.md §1).
inline constexpr int32_t kDefaultDbPriority = 50;
inline constexpr int32_t kDefaultScriptPriority = 3;
inline constexpr int32_t kDefaultNoPingRetries = 3;

// Every this many ping intervals a node sends its full topology to one Up
// neighbour in turn (anti-entropy, docs/decisions.md L6). A cluster is
// consistent again at most this long (plus flooding) after its faults end.
inline constexpr int32_t kTopologyRefreshPings = 10;

// One node as provisioned (DB row or my_node_info/neighbor_node_info).
struct NodeInfo {
  int32_t node_id = 0;
  std::string url;  // bin:HOST:PORT (or bins:)
  bool enabled = true;
  int32_t priority = kDefaultScriptPriority;
  int32_t no_ping_retries = kDefaultNoPingRetries;
  std::string sip_addr;
  std::string flags;  // starts with "seed": the local node is a seed
  std::string description;
  int64_t db_id = -1;
};

// A cluster the local node belongs to, with its initially known peers.
struct ClusterSpec {
  int32_t cluster_id = 0;
  NodeInfo local;
  std::vector<NodeInfo> nodes;
};

struct Config {
  int32_t my_node_id = 0;
  bool db_mode = true;  // false: nodes are discovered at run time
  int32_t ping_interval_s = 4;
  int32_t ping_timeout_ms = 1000;
  int32_t node_timeout_s = 60;
  bool enable_rerouting = true;
  // Capability sync (capabilities-and-shtags.md §8.6).
  int32_t seed_fallback_interval_s = 5;
  int32_t sync_timeout_s = 15;
  int32_t sync_packet_size = 32768;  // bytes, a target (§8.3)
};

// Where a packet came from: the transport connection and the peer's IP.
struct PeerAddr {
  uint64_t conn_id = 0;
  std::string ip;
};

// A packet the driver must send: to a node's URL, or back on the connection
// a packet arrived on (UNKNOWN_ID goes to the pinger's source address).
struct Transmit {
  int32_t node_id = 0;       // 0 when replying on a connection
  std::string url;           // empty when replying on a connection
  uint64_t reply_conn_id = 0;
  wire::Bytes bytes;
  // The cluster whose local URL the connection must originate from.
  int32_t cluster_id = 0;
};

// clusterer_send_ret (topology.md §10.1).
enum class SendResult : int8_t {
  kSuccess = 0,
  kCurrDisabled = 1,
  kDestDown = -1,
  kError = -2,
};
std::string_view send_result_name(SendResult r);

// Result of administrative commands that name a cluster and a node.
enum class CommandResult : uint8_t {
  kOk,
  kUnknownCluster,
  kUnknownNode,
  kNotAllowed,  // e.g. remove_node in db_mode
};

// Address kinds for check_addr.
enum class AddrType : uint8_t { kSip, kBin };

// Match operators of send_all_having and sync donor conditions.
enum class NodeMatch : uint8_t { kAny, kAll, kEqSipAddr, kNeqSipAddr };

// ---- events ----

// E_CLUSTERER_NODE_STATE_CHANGED: reachability changed.
struct NodeStateChanged {
  int32_t cluster_id = 0;
  int32_t node_id = 0;
  bool up = false;
};

// E_CLUSTERER_REQ_RECEIVED / E_CLUSTERER_RPL_RECEIVED.
struct GenericReceived {
  int32_t cluster_id = 0;
  int32_t src_id = 0;
  bool request = true;
  std::string msg;
  std::string tag;
};

// An MI_CMD that arrived for this node; the runtime runs the command.
struct MiCommandReceived {
  int32_t cluster_id = 0;
  int32_t src_id = 0;
  std::string cmd_name;
  std::vector<std::string> params;
};

// Callback events of a registered module (the seed's developer API).
enum class ModuleEventKind : uint8_t {
  kRecvMsg,      // CLUSTER_RECV_MSG: a packet for the module arrived
  kRouteFailed,  // CLUSTER_ROUTE_FAILED: a routed packet could not be forwarded
  kNodeUp,       // CLUSTER_NODE_UP
  kNodeDown,     // CLUSTER_NODE_DOWN
  // Capabilities (capabilities.h explains the protocol):
  kSyncRequest,  // SYNC_REQ_RCV: node_id wants our data (sync_chunks, sync_end)
  kSyncData,     // a SYNC packet from node_id: `sync` holds its chunks
  kSyncDone,     // SYNC_DONE: our sync completed (node_id: the last sender)
};
// The contents of one SYNC packet (kSyncData).
struct SyncData {
  int32_t data_version = 0;  // as the donor's module wrote it
  std::vector<wire::Bytes> chunks;
};
struct ModuleEvent {
  std::string module;
  ModuleEventKind kind = ModuleEventKind::kRecvMsg;
  int32_t cluster_id = 0;
  int32_t node_id = 0;  // source (recv), destination (route failed), or the node
  // The module's packet without trailer (recv and route failed only).
  std::optional<wire::ModulePacket> packet;
  std::optional<SyncData> sync;  // kSyncData only
};

// A node was learned (db_mode 0) or removed; lets drivers resolve names.
struct NodeAdded {
  int32_t cluster_id = 0;
  int32_t node_id = 0;
  std::string url;
};
struct NodeRemoved {
  int32_t cluster_id = 0;
  int32_t node_id = 0;
};

// E_CLUSTERER_SHARING_TAG_CHANGED, also the sharing-tag callback of the
// developers' API (capabilities-and-shtags.md §B.7, §B.9): a tag went
// backup -> active by an activation, or active -> backup by a broadcast.
struct ShtagChanged {
  std::string name;
  int32_t cluster_id = 0;
  bool active = false;
  std::string reason;  // "MI command", "cluster broadcast from 2", ...
};

// E_CORE_SR_STATUS_CHANGED for a `cap:<name>` identifier (mi.md §3).
struct CapStatusChanged {
  int32_t cluster_id = 0;
  std::string capability;  // the identifier is "cap:" + capability
  int32_t status = 0;
  std::string details;
  int32_t old_status = 0;
};

// Something an operator may want in the log (dropped packets and the like).
struct Diagnostic {
  enum class Level : uint8_t { kDebug, kInfo, kWarning } level = Level::kDebug;
  std::string text;
};

using Event = std::variant<NodeStateChanged, GenericReceived, MiCommandReceived, ModuleEvent,
                           NodeAdded, NodeRemoved, Diagnostic, ShtagChanged,
                           CapStatusChanged>;

// ---- views returned by queries (owned values, no pointers into the core) ----

struct NodeView {
  int32_t node_id = 0;
  std::string url;
  std::string sip_addr;
  int32_t priority = 0;
  std::string flags;
  std::string description;
  int64_t db_id = -1;
  bool enabled = true;
  LinkState link_state = LinkState::kRestartPinging;
  std::optional<int32_t> next_hop;  // none when unreachable
};

struct TopologyEntry {
  int32_t node_id = 0;
  std::vector<int32_t> neighbours;
};

struct ClusterView {
  int32_t cluster_id = 0;
  bool local_enabled = true;
  std::vector<NodeView> nodes;  // clusterer_list order: most recently added first
};

struct Stats {
  int64_t nodes = 0;     // clusterer_nodes
  int64_t nodes_up = 0;  // clusterer_nodes_up (direct link Up)
  int64_t nodes_down() const { return nodes - nodes_up; }
};

}  // namespace lc::core
