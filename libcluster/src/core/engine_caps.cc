// The Engine's side of capabilities (capabilities-and-shtags.md Part A):
// registration, CAP_UPDATE advertisement (§9), node up/down (§11), the
// 500 ms sync check (§8), clusterer_set_cap_status (§10), the views and
// get_my_index (§12). The sync protocol itself is in sync.cc.
#include <algorithm>
#include <cassert>
#include <limits>

#include "cap_ops.h"
#include "cluster.h"
#include "libcluster/wire/codec.h"

namespace lc::core {

// ---------------------------------------------------------------- shared helpers

void CapOps::set_status(Engine& e, Now, LocalCap& cap, CapStatus s) {
  if (cap.status == s) return;
  const CapStatus old = cap.status;
  cap.status = s;
  // E_CORE_SR_STATUS_CHANGED: raised on every change of the value.
  e.events_.push_back(CapStatusChanged{cap.spec.cluster_id, cap.spec.name, static_cast<int32_t>(s),
                                       std::string(cap_status_details(s)),
                                       static_cast<int32_t>(old)});
}

void CapOps::report(Now now, LocalCap& cap, std::string text) {
  cap.reports.add(now.unix_s, std::move(text));
}

void CapOps::advertise(Engine& e, Now now, const LocalCap& cap, bool state) {
  Cluster* c = e.find(cap.spec.cluster_id);
  assert(c);  // invariant: records only exist in known clusters
  c->send_cap_single(now, cap.spec.name, state);
}

void CapOps::module_event(Engine& e, const LocalCap& cap, ModuleEventKind kind, int32_t node,
                          std::optional<wire::ModulePacket> packet, std::optional<SyncData> sync) {
  e.events_.push_back(ModuleEvent{cap.spec.name, kind, cap.spec.cluster_id, node, std::move(packet),
                                  std::move(sync)});
}

bool CapOps::remote_ok(const Engine& e, int32_t cluster_id, const Node& n, std::string_view cap) {
  if (e.caps_.stale(cluster_id, n.info.node_id)) return false;
  return std::any_of(n.caps.begin(), n.caps.end(),
                     [&](const RemoteCap& rc) { return rc.name == cap && rc.state == 1; });
}

// One CAP_UPDATE block about ourselves, sent to every direct neighbour. A
// node without neighbours sends nothing and consumes no sequence number.
void Cluster::send_cap_single(Now now, const std::string& name, bool state) {
  if (local_neighbours_.empty()) return;
  wire::CapUpdate m{++cap_seq_,
                    static_cast<int32_t>(now.unix_s),
                    {wire::CapBlock{local_.node_id, {wire::CapState{name, state ? 1 : 0}}}},
                    0,
                    {local_.node_id}};
  for (int32_t id : local_neighbours_)
    if (Node* d = find(id)) emit(*d, m);
}

// ---------------------------------------------------------------- hooks

void CapOps::node_event(Engine& e, Now now, int32_t cluster_id, int32_t node_id, bool up) {
  Cluster* c = e.find(cluster_id);
  assert(c);
  if (!up) {
    // It may restart unsynced while away: trust its advertised states
    // again only when an update about it arrives (docs/decisions.md CP6).
    e.caps_.set_stale(cluster_id, node_id, true);
    for (LocalCap* cap : e.caps_.in_cluster(cluster_id))
      module_event(e, *cap, ModuleEventKind::kNodeDown, node_id);
    return;
  }
  // §11: deferred answers first, then per capability the queued request
  // and the module's NODE_UP.
  for (const std::string& name : e.caps_.take_reply_pending(cluster_id, node_id)) {
    const LocalCap* cap = e.caps_.find(cluster_id, name);
    if (cap && cap->enabled) start_answer(e, now, *c, *cap, node_id);
  }
  for (LocalCap* cap : e.caps_.in_cluster(cluster_id)) {
    try_queued(e, now, *c, *cap, node_id);
    module_event(e, *cap, ModuleEventKind::kNodeUp, node_id);
  }
}

void CapOps::update_received(Engine& e, Now now, Cluster& c, const wire::CapUpdate& m) {
  const int32_t me = e.cfg_.my_node_id;
  for (const auto& b : m.blocks)
    if (b.node_id != me && c.find(b.node_id)) e.caps_.set_stale(c.id(), b.node_id, false);
  for (const auto& b : m.blocks) {
    if (b.node_id == me || !c.find(b.node_id)) continue;
    for (const auto& s : b.caps)
      if (s.state == 1)
        if (LocalCap* cap = e.caps_.find(c.id(), s.name)) try_queued(e, now, c, *cap, b.node_id);
  }
}

std::vector<wire::CapState> CapOps::local_states(const Engine& e, int32_t cluster_id) {
  std::vector<wire::CapState> out;
  for (const LocalCap* cap : e.caps_.in_cluster(cluster_id))
    out.push_back(wire::CapState{cap->spec.name, cap->ok ? 1 : 0});
  return out;
}

bool CapOps::advertisable(const Engine& e, int32_t cluster_id, int32_t node_id) {
  return !e.caps_.stale(cluster_id, node_id);
}

void CapOps::link_trouble(Engine& e, int32_t node_id) {
  for (auto& c : e.clusters_)
    for (LocalCap* cap : e.caps_.in_cluster(c->id()))
      if (cap->in_progress && (cap->donor == node_id || c->next_hop(cap->donor) == node_id))
        cap->tainted = true;
}

bool CapOps::take_packet(Engine& e, Cluster& c, const wire::ModulePacket& m) {
  LocalCap* cap = e.caps_.find(c.id(), m.capability);
  if (!cap) return false;
  if (!cap->enabled) return true;  // dropped while disabled (§10)
  if (!cap->in_progress) return false;
  // §8.5: held back, delivered after the sync data. Bounded: past the
  // bounds the packet is lost, which the operator must hear about.
  if (cap->held.size() >= CapTable::kMaxHeldPackets ||
      cap->held_bytes + m.body.size() > CapTable::kMaxHeldBytes) {
    e.diagnostic("cluster " + std::to_string(c.id()) + ": capability " + m.capability +
                 ": packet from node " + std::to_string(m.trailer.src_node_id) +
                 " dropped, too many held back during the sync");
    return true;
  }
  cap->held_bytes += m.body.size();
  cap->held.push_back(m);
  return true;
}

bool CapOps::muted(const Engine& e, int32_t cluster_id, std::span<const uint8_t> packet) {
  auto h = wire::decode_module_header(packet);
  if (!h) return false;
  const LocalCap* cap = e.caps_.find(cluster_id, h->capability);
  return cap && !cap->enabled;
}

void CapOps::tick(Engine& e, Now now) {
  if (now.mono_ms < e.caps_.next_check_ms) return;
  e.caps_.next_check_ms = now.mono_ms + CapTable::kCheckPeriodMs;
  for (auto& c : e.clusters_) {
    if (!c->local_enabled()) continue;  // §8: skipped while we are disabled
    for (LocalCap* cap : e.caps_.in_cluster(c->id()))
      if (cap->enabled && !cap->ok) check(e, now, *c, *cap);
  }
  service_streams(e, now);
  e.caps_.check();
}

// The sync check needs waking only while some sync can time out, fall back
// or be retried, or a donor stream can go idle.
int64_t CapOps::deadline_ms(const Engine& e) {
  bool work = false;
  for (const auto& s : e.caps_.streams()) work = work || !s.cut_short;
  for (const LocalCap* cap : e.caps_.in_cluster(0))
    work = work || (cap->enabled && (cap->pending || cap->in_progress || cap->awaiting_data()));
  return work ? e.caps_.next_check_ms : std::numeric_limits<int64_t>::max();
}

// ---------------------------------------------------------------- developers' API

bool Engine::register_capability(const CapabilitySpec& spec) {
  if (spec.name.empty() || spec.name.size() > 0xFFFF || modules_.contains(spec.name)) return false;
  if (spec.name == wire::kCapInternal || spec.name == wire::kCapExtra) return false;
  if (!find(spec.cluster_id) || !caps_.add(spec)) return false;
  modules_.emplace(spec.name, Module{{spec.cluster_id}, spec.auth_check});
  return true;
}

SyncRequest Engine::request_sync(Now now, int32_t cluster_id, std::string_view capability) {
  Cluster* c = find(cluster_id);
  LocalCap* cap = c ? caps_.find(cluster_id, capability) : nullptr;
  if (!cap) {
    diagnostic(c ? "Request sync for unknown capability: " + std::string(capability)
                 : "Unknown cluster [" + std::to_string(cluster_id) + "]");
    return SyncRequest::kUnknown;
  }
  SyncRequest r = CapOps::request(*this, now, *c, *cap);
  caps_.check();
  settle(now);
  return r;
}

CapResult Engine::set_cap_status(Now now, int32_t cluster_id, std::string_view capability,
                                 bool enabled) {
  if (!find(cluster_id)) return CapResult::kUnknownCluster;
  LocalCap* cap = caps_.find(cluster_id, capability);
  if (!cap) return CapResult::kUnknownCapability;
  if (!enabled && cap->enabled) {
    // Pending and in-progress syncs are left as they are (§10.1).
    cap->enabled = false;
    cap->ok = false;
    CapOps::set_status(*this, now, *cap, CapStatus::kNotSynced);
    CapOps::report(now, *cap, "Capability disabled via MI, revert to not synced state");
    CapOps::advertise(*this, now, *cap, false);
  } else if (enabled && !cap->enabled) {
    // Quirk kept (§10.1): peers hear "synced" while we are not.
    cap->enabled = true;
    CapOps::advertise(*this, now, *cap, true);
  }
  caps_.check();
  return CapResult::kOk;
}

std::vector<ClusterCapsView> Engine::list_caps() const {
  std::vector<ClusterCapsView> out;
  for (int32_t id : cluster_ids()) {
    ClusterCapsView v{id, {}};
    for (const LocalCap* cap : caps_.in_cluster(id)) v.caps.push_back(cap->view());
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<CapabilityView> Engine::capability(int32_t cluster_id, std::string_view name) const {
  const LocalCap* cap = caps_.find(cluster_id, name);
  if (!cap) return std::nullopt;
  return cap->view();
}

std::optional<CapabilityView> Engine::capability_named(std::string_view name) const {
  const LocalCap* cap = caps_.first_named(name);
  if (!cap) return std::nullopt;
  return cap->view();
}

std::vector<Report> Engine::capability_reports(std::string_view name) const {
  const LocalCap* cap = caps_.first_named(name);
  return cap ? cap->reports.since(0) : std::vector<Report>{};
}

std::optional<MyIndex> Engine::get_my_index(int32_t cluster_id, std::string_view capability) const {
  const Cluster* c = find(cluster_id);
  if (!c || !caps_.find(cluster_id, capability)) return std::nullopt;
  // Ourselves whatever our own state, and every reachable synced peer.
  std::vector<int32_t> ids{cfg_.my_node_id};
  for (const auto& n : c->nodes())
    if (c->reachable(n.info.node_id) && CapOps::remote_ok(*this, cluster_id, n, capability))
      ids.push_back(n.info.node_id);
  std::sort(ids.begin(), ids.end());
  const auto me = std::find(ids.begin(), ids.end(), cfg_.my_node_id);
  return MyIndex{static_cast<int32_t>(me - ids.begin()), static_cast<int32_t>(ids.size())};
}

}  // namespace lc::core
