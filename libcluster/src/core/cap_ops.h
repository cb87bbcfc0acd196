// Internal: the capability layer's operations on an Engine (a friend of
// Engine). engine_caps.cc holds registration, advertisement, node events
// and the sync check; sync.cc the sync protocol itself (§4-§8). The rest of
// the core calls only the hooks at the top.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "libcluster/core/engine.h"
#include "libcluster/wire/messages.h"

namespace lc::core {

class Cluster;
struct Node;

struct CapOps {
  // ---- hooks called by the rest of the core ----
  // Reachability changed (before NodeStateChanged is raised), §11.
  static void node_event(Engine& e, Now now, int32_t cluster_id, int32_t node_id, bool up);
  // An accepted CAP_UPDATE, after its states were stored (§9.3 step 3).
  static void update_received(Engine& e, Now now, Cluster& c, const wire::CapUpdate& m);
  // The local node's block of a full CAP_UPDATE, newest registration first.
  static std::vector<wire::CapState> local_states(const Engine& e, int32_t cluster_id);
  // Whether a full CAP_UPDATE may speak about `node` (not stale).
  static bool advertisable(const Engine& e, int32_t cluster_id, int32_t node_id);
  // SYNC_REQ / SYNC / SYNC_END addressed to us.
  static void sync_message(Engine& e, Now now, Cluster& c, int32_t src,
                           const wire::ExtraBody& body);
  // A module packet for us: true when the capability layer took it (held
  // back during a sync, or dropped because the capability is disabled).
  static bool take_packet(Engine& e, Cluster& c, const wire::ModulePacket& m);
  // A send of a disabled capability: succeeds without sending (§10).
  static bool muted(const Engine& e, int32_t cluster_id, std::span<const uint8_t> packet);
  static void tick(Engine& e, Now now);
  // A connection with `node_id` broke or refused a packet.
  static void link_trouble(Engine& e, int32_t node_id);
  static int64_t deadline_ms(const Engine& e);

  // ---- shared between engine_caps.cc and sync.cc ----
  static void set_status(Engine& e, Now now, LocalCap& cap, CapStatus s);
  static void report(Now now, LocalCap& cap, std::string text);
  // A single CAP_UPDATE about one local capability to every neighbour (§9.2).
  static void advertise(Engine& e, Now now, const LocalCap& cap, bool state);
  static void module_event(Engine& e, const LocalCap& cap, ModuleEventKind kind, int32_t node,
                           std::optional<wire::ModulePacket> packet = std::nullopt,
                           std::optional<SyncData> sync = std::nullopt);
  // The remote record of `cap` on `n` says synced, and is not stale.
  static bool remote_ok(const Engine& e, int32_t cluster_id, const Node& n, std::string_view cap);

  // ---- sync.cc ----
  static SyncRequest request(Engine& e, Now now, Cluster& c, LocalCap& cap);
  // Resets the counters and sends (or queues) a request; `avoid` is a donor
  // that just failed, taken only when no other node is eligible.
  static SyncRequest start_request(Engine& e, Now now, Cluster& c, LocalCap& cap, int32_t avoid);
  static bool eligible_donor(const Engine& e, const Cluster& c, const LocalCap& cap, const Node& n);
  static std::optional<int32_t> pick_donor(const Engine& e, const Cluster& c, const LocalCap& cap,
                                           int32_t avoid);
  // §6: a queued request goes to `node` if it is now an eligible donor.
  static bool try_queued(Engine& e, Now now, Cluster& c, LocalCap& cap, int32_t node_id);
  static void check(Engine& e, Now now, Cluster& c, LocalCap& cap);  // §8.1, §8.2
  static void start_answer(Engine& e, Now now, Cluster& c, const LocalCap& cap, int32_t requester);
  // Sends packets that waited too long for more chunks; cuts short the
  // answers of modules that fell silent.
  static void service_streams(Engine& e, Now now);
  // Our copy became synced: answer the requests that waited for it.
  static void answer_deferred(Engine& e, Now now, Cluster& c, const LocalCap& cap);
  static void on_sync_req(Engine& e, Now now, Cluster& c, int32_t src, const wire::SyncReq& m);
  static void on_sync(Engine& e, Now now, Cluster& c, int32_t src, const wire::Sync& m);
  static void on_sync_end(Engine& e, Now now, Cluster& c, int32_t src, const wire::SyncEnd& m);
  static bool from_donor(Engine& e, const Cluster& c, const LocalCap& cap, int32_t src);
  // §8.5: the sync succeeded; `sender` sent its last packet.
  static void finish(Engine& e, Now now, Cluster& c, LocalCap& cap, int32_t sender);
};

}  // namespace lc::core
