// The Engine's side of sharing tags (capabilities-and-shtags.md Part B,
// wire.md §7): definitions and purge, activation with its SHTAG_ACTIVE
// broadcast, forced backup on receipt, announcements to nodes that come up,
// and the developers' API. The bookkeeping rules live in ShtagTable
// (shtags.cc); this file only connects them to clusters and the network.
#include <cassert>
#include <optional>
#include <utility>

#include "cluster.h"
#include "libcluster/core/engine.h"

namespace lc::core {

namespace {

// Every other node of the cluster, newest first (the order broadcasts use).
std::vector<int32_t> node_ids(const Cluster& c) {
  std::vector<int32_t> ids;
  ids.reserve(c.nodes().size());
  for (auto it = c.nodes().rbegin(); it != c.nodes().rend(); ++it) ids.push_back(it->info.node_id);
  return ids;
}

// One SHTAG_ACTIVE routed to one node. A disabled destination counts as
// told without a packet (Cluster::send_extra skips it), as in OpenSIPS; a
// disabled local node or an unreachable destination is a failure.
bool tell(Now now, Cluster& c, const std::string& name, int32_t node_id) {
  return c.send_extra(now, node_id, wire::ShtagActive{name}) == SendResult::kSuccess;
}

// Failover timing (docs/decisions.md SH11), from ping_interval: the
// heartbeat period divides it, so every deadline below falls on a tick and
// the engine needs no deadline of its own. A holder announces every
// refresh; three silent refreshes are a lease; a node waits one slot per
// up node ranked before it, long enough for a node that noticed the loss
// up to a ping round later than we did to announce first.
struct FailoverTimes {
  int64_t refresh_ms;
  int64_t lease_ms;
  int64_t slot_ms;
};
constexpr int64_t kLeaseRefreshes = 3;

FailoverTimes failover_times(const Config& cfg) {
  const int64_t refresh_ms = int64_t{cfg.ping_interval_s} * 1000;
  assert(refresh_ms > 0);
  return {refresh_ms, kLeaseRefreshes * refresh_ms, kLeaseRefreshes * refresh_ms};
}

// Our place among the up nodes of the cluster (reachable, enabled) and
// ourselves, ordered by (priority, node id): 0 for the first. Nothing
// while the local node is disabled: it could not announce.
std::optional<int64_t> failover_rank(const Cluster& c) {
  if (!c.local_enabled()) return std::nullopt;
  const auto key = [](const NodeInfo& n) { return std::pair{n.priority, n.node_id}; };
  const auto mine = key(c.local());
  int64_t rank = 0;
  for (const auto& n : c.nodes())  // bounded by the cluster's size (128)
    if (n.info.enabled && c.reachable(n.info.node_id) && key(n.info) < mine) ++rank;
  return rank;
}

}  // namespace

std::vector<std::string> Engine::purge_shtags() {
  std::vector<std::string> warnings;
  for (const auto& t : shtags_.purge([this](int32_t cid) { return has_cluster(cid); }))
    warnings.push_back("cluster id [" + std::to_string(t.cluster_id) + "] required by tag " +
                       t.name + " not found, purging tag");
  return warnings;
}

namespace {

// Applies `define` to every definition (the table refuses a name that is too
// long or one tag too many), then drops what no cluster holds any more.
template <class Def, class Define>
std::vector<std::string> define_all(const std::vector<Def>& defs, const std::string& what,
                                    Define define) {
  std::vector<std::string> warnings;
  for (const auto& d : defs)
    if (!define(d))
      warnings.push_back(what + " " + d.name + "/" + std::to_string(d.cluster_id) +
                         " not defined: name longer than " +
                         std::to_string(ShtagTable::kMaxNameBytes) + " bytes or more than " +
                         std::to_string(ShtagTable::kMaxTags) + " tags");
  return warnings;
}

}  // namespace

std::vector<std::string> Engine::define_shtags(const std::vector<ShtagDefinition>& defs) {
  auto warnings = define_all(defs, "sharing tag",
                             [&](const ShtagDefinition& d) { return shtags_.define(d); });
  return finish_shtag_definitions(std::move(warnings));
}

std::vector<std::string> Engine::define_shtag_failover(
    const std::vector<ShtagFailoverDefinition>& defs) {
  auto warnings = define_all(defs, "sharing tag failover", [&](const ShtagFailoverDefinition& d) {
    return shtags_.enable_failover(d);
  });
  return finish_shtag_definitions(std::move(warnings));
}

std::vector<std::string> Engine::finish_shtag_definitions(std::vector<std::string> warnings) {
  auto purged = purge_shtags();
  warnings.insert(warnings.end(), purged.begin(), purged.end());
  shtags_.check();
  return warnings;
}

std::vector<std::string> Engine::keep_shtags_of(const Engine& previous) {
  shtags_ = previous.shtags_;
  // Every node is probed again after a reload, so a holder would look lost
  // until its link is back: forget it and give it a lease to be heard of.
  for (Shtag& tag : shtags_.tags())
    if (tag.failover && !tag.active()) tag.failover.emplace();
  auto warnings = purge_shtags();
  shtags_.check();
  return warnings;
}

// §B.4 step 3: every node of the cluster. OpenSIPS skips the nodes already
// told while an announcement is pending; we do not, because "told" only
// means the packet left: a copy lost with a broken connection would leave
// that node active for good, whatever later activations do (found by the
// simulator's sharing-tag property; docs/decisions.md, sharing tags).
void Engine::shtag_broadcast(Now now, Cluster& c, Shtag& tag) {
  const std::vector<int32_t> ids = node_ids(c);
  for (int32_t id : ids) ShtagTable::note_send(tag, id, tell(now, c, tag.name, id));
  ShtagTable::tidy(tag, ids);
}

void Engine::shtag_changed(Now now, const Shtag& tag, const std::string& reason) {
  shtags_.report(now.unix_s, tag, reason);
  events_.push_back(ShtagChanged{tag.name, tag.cluster_id, tag.active(), reason});
}

ShtagTable::Change Engine::shtag_activate_unsettled(Now now, std::string_view name,
                                                    int32_t cluster_id,
                                                    const std::string& reason) {
  const ShtagTable::Change ch = shtags_.activate(name, cluster_id);
  if (!ch.tag) return ch;
  if (ch.tag->failover) {
    // We hold it now; the broadcast below is this period's announcement.
    ShtagFailover& fo = *ch.tag->failover;
    fo.holder = cfg_.my_node_id;
    fo.heard_ms = now.mono_ms;
    fo.lost_ms = -1;
    fo.next_refresh_ms = now.mono_ms + failover_times(cfg_).refresh_ms;
  }
  Cluster* c = find(cluster_id);
  // §B.4 step 2: without the cluster nothing is sent or reported.
  if (!c) return ch;
  shtag_broadcast(now, *c, *ch.tag);
  if (ch.changed) shtag_changed(now, *ch.tag, reason);
  shtags_.check();
  return ch;
}

std::optional<ShtagState> Engine::shtag_activate(Now now, std::string_view name,
                                                 int32_t cluster_id, ShtagReason why) {
  const ShtagTable::Change ch =
      shtag_activate_unsettled(now, name, cluster_id, std::string(shtag_reason_text(why)));
  if (!ch.tag) return std::nullopt;
  if (find(cluster_id)) settle(now);
  return ShtagState::kActive;
}

// ---------------------------------------------------------------- failover

void Engine::shtag_failover(Now now) {
  // Bounded by kMaxTags. Activation finds the tag it is given, so the
  // vector is never appended to (nor its elements moved) inside the loop.
  for (Shtag& tag : shtags_.tags()) {
    if (!tag.failover) continue;
    Cluster* c = find(tag.cluster_id);
    if (!c) continue;  // purged at the next definition or reload
    if (tag.active())
      failover_refresh(now, *c, tag);
    else
      failover_watch(now, *c, tag);
  }
  shtags_.check();
}

// The holder's side: tell every up node again each refresh period, so that
// a node that missed an announcement (lost copy, crossing announcements,
// restart) learns who holds the tag, and silence means nobody does.
void Engine::failover_refresh(Now now, Cluster& c, Shtag& tag) {
  ShtagFailover& fo = *tag.failover;
  fo.holder = cfg_.my_node_id;
  fo.lost_ms = -1;
  if (now.mono_ms < fo.next_refresh_ms) return;
  fo.heard_ms = now.mono_ms;
  fo.next_refresh_ms = now.mono_ms + failover_times(cfg_).refresh_ms;
  if (!c.local_enabled()) return;
  // Unreachable nodes are left to the node-up announcement (§B.5); the
  // pending bookkeeping is not touched: refreshes are not activations.
  for (int32_t id : node_ids(c))
    if (c.reachable(id)) tell(now, c, tag.name, id);
}

// A backup's side: take the tag when it has been vacant for as many slots
// as there are up nodes ranked before us. An earlier-ranked node that
// takes part announces first, which makes the tag held again here.
void Engine::failover_watch(Now now, Cluster& c, Shtag& tag) {
  ShtagFailover& fo = *tag.failover;
  const FailoverTimes times = failover_times(cfg_);
  // Watching starts now: a holder gets one lease to be heard of.
  if (fo.heard_ms < 0) fo.heard_ms = now.mono_ms;
  if (fo.holder == cfg_.my_node_id) fo.holder = 0;  // we lost it: held by nobody we know
  const bool holder_lost = fo.holder != 0 && !c.reachable(fo.holder);
  if (!holder_lost)
    fo.lost_ms = -1;
  else if (fo.lost_ms < 0)
    fo.lost_ms = now.mono_ms;
  const std::optional<int64_t> vacant = fo.vacant_since(now.mono_ms, times.lease_ms);
  const std::optional<int64_t> rank = failover_rank(c);
  if (!vacant || !rank || now.mono_ms < *vacant + *rank * times.slot_ms) return;
  const std::string reason(fo.reason(times.lease_ms));
  shtag_activate_unsettled(now, tag.name, tag.cluster_id, reason);
}

// §B.6: whoever announces last wins; there is no other tie-break.
// Failover tags too: the announcer holds the tag from now on (SH12).
void Engine::shtag_received(Now now, int32_t cluster_id, int32_t src, const std::string& name) {
  const ShtagTable::Change ch = shtags_.force_backup(name, cluster_id);
  if (!ch.tag) {
    diagnostic("cluster " + std::to_string(cluster_id) + ": SHTAG_ACTIVE from node " +
               std::to_string(src) + " dropped: tag name too long or too many tags");
    return;
  }
  if (ch.tag->failover) {
    ShtagFailover& fo = *ch.tag->failover;
    fo.holder = src;
    fo.heard_ms = now.mono_ms;
    fo.lost_ms = -1;
  }
  if (ch.changed) shtag_changed(now, *ch.tag, shtag_broadcast_reason(src));
  shtags_.check();
}

// §B.5: a node came up; tell it about the tags still announcing.
void Engine::shtag_flush(Now now, int32_t cluster_id, int32_t node_id) {
  Cluster* c = find(cluster_id);
  if (!c) return;
  std::optional<std::vector<int32_t>> ids;  // computed on first need
  for (Shtag& tag : shtags_.tags()) {
    if (tag.cluster_id != cluster_id || !ShtagTable::needs_flush_send(tag, node_id)) continue;
    ShtagTable::note_send(tag, node_id, tell(now, *c, tag.name, node_id));
    if (!ids) ids = node_ids(*c);
    ShtagTable::tidy(tag, *ids);
  }
  shtags_.check();
}

std::optional<ShtagState> Engine::shtag_get(std::string_view name, int32_t cluster_id) {
  const Shtag* t = shtags_.find_or_create(name, cluster_id);
  if (!t) return std::nullopt;
  return t->state;
}

bool Engine::shtag_is_active(std::string_view name, int32_t cluster_id) {
  return shtag_get(name, cluster_id) == ShtagState::kActive;
}

std::optional<ShtagState> Engine::find_shtag(std::string_view name, int32_t cluster_id) const {
  const Shtag* t = shtags_.find(name, cluster_id);
  if (!t) return std::nullopt;
  return t->state;
}

std::vector<ShtagView> Engine::list_shtags() const { return shtags_.list(); }

std::vector<std::string> Engine::shtag_get_all_active(int32_t cluster_id) const {
  return shtags_.active_names(cluster_id);
}

// ---------------------------------------------------------------- §B.9 sync status

namespace {

// §B.9: the setters change nothing while the capability is being synced.
bool sync_running(const CapTable& caps, int32_t cluster_id, std::string_view capability) {
  const LocalCap* cap = caps.find(cluster_id, capability);
  return cap && (cap->pending || cap->in_progress);
}

}  // namespace

std::optional<bool> Engine::shtag_get_sync_status(std::string_view name, int32_t cluster_id,
                                                  std::string_view capability) {
  Shtag* t = shtags_.find_or_create(name, cluster_id);
  if (!t) return std::nullopt;
  return t->sync_required_for(capability);
}

bool Engine::shtag_set_sync_status(std::string_view name, int32_t cluster_id,
                                   std::string_view capability, bool required) {
  if (capability.empty() || capability.size() > ShtagTable::kMaxNameBytes) return false;
  if (sync_running(caps_, cluster_id, capability)) return false;
  if (!name.empty()) {
    Shtag* t = shtags_.find_or_create(name, cluster_id);
    if (!t) return false;
    if (t->sync_required.size() >= CapTable::kMaxCapabilities && !t->sync_required_for(capability))
      return false;  // bound: one entry per capability name
    t->set_sync_required(capability, required);
    return true;
  }
  for (Shtag& t : shtags_.tags())
    if (t.cluster_id == cluster_id) t.set_sync_required(capability, required);
  return true;
}

bool Engine::shtag_sync_all_backup(int32_t cluster_id, std::string_view capability) {
  if (capability.empty() || capability.size() > ShtagTable::kMaxNameBytes) return false;
  if (sync_running(caps_, cluster_id, capability)) return false;
  bool any_backup = false;
  for (Shtag& t : shtags_.tags()) {
    if (t.cluster_id != cluster_id) continue;
    t.set_sync_required(capability, !t.active());
    any_backup = any_backup || !t.active();
  }
  return any_backup;
}

}  // namespace lc::core
