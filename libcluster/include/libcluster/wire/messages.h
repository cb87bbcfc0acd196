// Typed clusterer messages (spec/wire.md §3-§6), one struct per packet type.
// Field names and order follow the wire; lists carry their count implicitly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "libcluster/wire/constants.h"

namespace lc::wire {

using Bytes = std::vector<uint8_t>;
// Node ids of a flooded packet's path, originator first (wire.md §3.6).
using Path = std::vector<int32_t>;

// ---- clusterer-internal (prefix: cluster_id, src_node_id) ----

struct Ping {
  int32_t req_node_list = 0;  // 1: the PONG must list known node ids
  bool operator==(const Ping&) const = default;
};

struct Pong {
  // Known node ids except the pinger and the replier; empty when not asked.
  std::vector<int32_t> node_ids;
  bool operator==(const Pong&) const = default;
};

struct LsUpdate {
  int32_t seq_no = 0;
  int32_t timestamp = 0;  // originator's UNIX seconds
  int32_t neigh_id = 0;
  int32_t new_state = kWireLinkUp;  // 0 up, 1 down
  Path path;
  bool operator==(const LsUpdate&) const = default;
};

// The description a node gives of itself (NODE_DESCRIPTION, FULL_TOP entries).
struct NodeDescr {
  std::string url;
  std::string sip_addr;
  int32_t priority = 0;
  int32_t no_ping_retries = 0;
  bool operator==(const NodeDescr&) const = default;
};

struct FullTopEntry {
  int32_t node_id = 0;
  std::optional<NodeDescr> descr;  // has_descr on the wire
  int32_t ls_seq_no = -1;
  int32_t ls_timestamp = 0;
  std::vector<int32_t> neighbours;
  bool operator==(const FullTopEntry&) const = default;
};

struct FullTopUpdate {
  int32_t seq_no = 0;
  int32_t timestamp = 0;
  std::vector<FullTopEntry> entries;  // entry 0 is the sender itself
  Path path;
  bool operator==(const FullTopUpdate&) const = default;
};

struct UnknownId {
  bool operator==(const UnknownId&) const = default;
};

struct NodeDescription {
  NodeDescr descr;
  Path path;
  bool operator==(const NodeDescription&) const = default;
};

struct CapState {
  std::string name;
  int32_t state = 0;  // 1 synced/OK, 0 not
  bool operator==(const CapState&) const = default;
};

struct CapBlock {
  int32_t node_id = 0;
  std::vector<CapState> caps;
  bool operator==(const CapBlock&) const = default;
};

struct CapUpdate {
  int32_t seq_no = 0;
  int32_t timestamp = 0;
  std::vector<CapBlock> blocks;
  int32_t require_reply = 0;
  Path path;
  bool operator==(const CapUpdate&) const = default;
};

using InternalBody = std::variant<Ping, Pong, LsUpdate, FullTopUpdate, UnknownId,
                                  NodeDescription, CapUpdate>;

struct InternalMessage {
  int32_t cluster_id = 0;
  int32_t src_node_id = 0;
  InternalBody body;
  int16_t version = kBinVersion;  // not checked by receivers; kept for round trips
  bool operator==(const InternalMessage&) const = default;
};

// ---- clusterer-extra (trailer: cluster_id, src_node_id, dst_node_id) ----

struct Trailer {
  int32_t cluster_id = 0;
  int32_t src_node_id = 0;
  int32_t dst_node_id = 0;
  bool operator==(const Trailer&) const = default;
};

struct RemoveNode {
  int32_t target_node_id = 0;
  bool operator==(const RemoveNode&) const = default;
};

struct GenericMsg {
  int32_t req_like = 1;  // 1 request, 0 reply
  std::string tag;
  std::string msg;
  bool operator==(const GenericMsg&) const = default;
};

struct MiCmd {
  std::string cmd_name;
  std::vector<std::string> params;  // at most kMaxMiParams
  bool operator==(const MiCmd&) const = default;
};

struct SyncReq {
  std::string capability;
  bool operator==(const SyncReq&) const = default;
};

struct Sync {
  std::string capability;
  int32_t data_version = 0;
  // Module data of each chunk (chunk_len and marker are implied).
  std::vector<Bytes> chunks;
  bool operator==(const Sync&) const = default;
};

struct SyncEnd {
  std::string capability;
  int32_t nr_chunks = 0;
  bool operator==(const SyncEnd&) const = default;
};

struct ShtagActive {
  std::string tag;
  bool operator==(const ShtagActive&) const = default;
};

using ExtraBody =
    std::variant<RemoveNode, GenericMsg, MiCmd, SyncReq, Sync, SyncEnd, ShtagActive>;

struct ExtraMessage {
  Trailer trailer;
  ExtraBody body;
  int16_t version = kBinVersion;  // kBinSyncVersion for the sync family
  bool operator==(const ExtraMessage&) const = default;
};

// ---- module packets (capability = the module's name) ----

// A module's own packet: header and body written by the module; the trailer
// is the clusterer's routing information and is never part of `body`.
struct ModulePacket {
  std::string capability;
  int32_t type = 0;
  int16_t version = 0;
  Bytes body;
  Trailer trailer;
  bool operator==(const ModulePacket&) const = default;
};

using Packet = std::variant<InternalMessage, ExtraMessage, ModulePacket>;

// The natural BIN version of an extra body (3 for the sync family).
int16_t default_version(const ExtraBody& body);
MsgType type_of(const InternalBody& body);
MsgType type_of(const ExtraBody& body);

}  // namespace lc::wire
