// The Engine's side of sharing tags (capabilities-and-shtags.md Part B,
// wire.md §7): definitions and purge, activation with its SHTAG_ACTIVE
// broadcast, forced backup on receipt, announcements to nodes that come up,
// and the developers' API. The bookkeeping rules live in ShtagTable
// (shtags.cc); this file only connects them to clusters and the network.
#include <cassert>

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

}  // namespace

std::vector<std::string> Engine::purge_shtags() {
  std::vector<std::string> warnings;
  for (const auto& t : shtags_.purge([this](int32_t cid) { return has_cluster(cid); }))
    warnings.push_back("cluster id [" + std::to_string(t.cluster_id) + "] required by tag " +
                       t.name + " not found, purging tag");
  return warnings;
}

std::vector<std::string> Engine::define_shtags(const std::vector<ShtagDefinition>& defs) {
  std::vector<std::string> warnings;
  for (const auto& d : defs)
    if (!shtags_.define(d))
      warnings.push_back("sharing tag " + d.name + "/" + std::to_string(d.cluster_id) +
                         " not defined: name longer than " +
                         std::to_string(ShtagTable::kMaxNameBytes) + " bytes or more than " +
                         std::to_string(ShtagTable::kMaxTags) + " tags");
  auto purged = purge_shtags();
  warnings.insert(warnings.end(), purged.begin(), purged.end());
  shtags_.check();
  return warnings;
}

std::vector<std::string> Engine::keep_shtags_of(const Engine& previous) {
  shtags_ = previous.shtags_;
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

std::optional<ShtagState> Engine::shtag_activate(Now now, std::string_view name,
                                                 int32_t cluster_id, ShtagReason why) {
  const ShtagTable::Change ch = shtags_.activate(name, cluster_id);
  if (!ch.tag) return std::nullopt;
  Cluster* c = find(cluster_id);
  // §B.4 step 2: without the cluster nothing is sent or reported.
  if (!c) return ShtagState::kActive;
  shtag_broadcast(now, *c, *ch.tag);
  if (ch.changed) shtag_changed(now, *ch.tag, std::string(shtag_reason_text(why)));
  shtags_.check();
  settle(now);
  return ShtagState::kActive;
}

// §B.6: whoever announces last wins; there is no other tie-break.
void Engine::shtag_received(Now now, int32_t cluster_id, int32_t src, const std::string& name) {
  const ShtagTable::Change ch = shtags_.force_backup(name, cluster_id);
  if (!ch.tag) {
    diagnostic("cluster " + std::to_string(cluster_id) + ": SHTAG_ACTIVE from node " +
               std::to_string(src) + " dropped: tag name too long or too many tags");
    return;
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

}  // namespace lc::core
