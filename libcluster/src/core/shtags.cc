// Sharing-tag bookkeeping (capabilities-and-shtags.md §B.1-B.7): pure state,
// no network. The Engine's side is in engine_shtags.cc.
#include "libcluster/core/shtags.h"

#include <algorithm>
#include <cassert>

namespace lc::core {

std::string_view shtag_state_name(ShtagState s) {
  return s == ShtagState::kActive ? "active" : "backup";
}

std::string_view shtag_reason_text(ShtagReason r) {
  switch (r) {
    case ShtagReason::kMiCommand: return "MI command";
    case ShtagReason::kScriptVariable: return "script variable";
    case ShtagReason::kApi: return "internal API call";
  }
  return "internal API call";
}

// OpenSIPS truncates this text for node ids >= 100 (a 25-byte buffer); we
// print the whole id (docs/decisions.md, sharing tags).
std::string shtag_broadcast_reason(int32_t src_node_id) {
  return "cluster broadcast from " + std::to_string(src_node_id);
}

std::string shtag_report_text(std::string_view name, int32_t cluster_id, ShtagState state,
                              std::string_view reason) {
  std::string s = "TAG <";
  s += name;
  s += ">, cluster " + std::to_string(cluster_id) + ", became ";
  s += shtag_state_name(state);
  s += " due to ";
  s += reason;
  return s;
}

std::optional<int64_t> ShtagFailover::vacant_since(int64_t now_ms, int64_t lease_ms) const {
  assert(heard_ms >= 0 && lease_ms > 0);
  const int64_t silent_since = heard_ms + lease_ms;
  if (lost_ms >= 0) return std::min(lost_ms, silent_since);
  if (now_ms >= silent_since) return silent_since;
  return std::nullopt;
}

std::string_view ShtagFailover::reason(int64_t lease_ms) const {
  const bool went_down = lost_ms >= 0 && lost_ms <= heard_ms + lease_ms;
  return went_down ? kFailoverReasonNodeDown : kFailoverReasonNoHolder;
}

bool Shtag::told(int32_t node_id) const {
  return std::find(announced_to.begin(), announced_to.end(), node_id) != announced_to.end();
}

Shtag* ShtagTable::find(std::string_view name, int32_t cluster_id) {
  for (auto& t : tags_)
    if (t.cluster_id == cluster_id && t.name == name) return &t;
  return nullptr;
}

const Shtag* ShtagTable::find(std::string_view name, int32_t cluster_id) const {
  return const_cast<ShtagTable*>(this)->find(name, cluster_id);
}

Shtag* ShtagTable::find_or_create(std::string_view name, int32_t cluster_id) {
  if (Shtag* t = find(name, cluster_id)) return t;
  if (name.size() > kMaxNameBytes || tags_.size() >= kMaxTags) return nullptr;
  tags_.push_back(Shtag{std::string(name), cluster_id, ShtagState::kBackup, false, {}, {}, {}});
  return &tags_.back();
}

bool ShtagTable::define(const ShtagDefinition& def) {
  Shtag* t = find_or_create(def.name, def.cluster_id);
  if (!t) return false;
  t->state = def.state;
  // Only an active tag has something to announce; a later "backup"
  // definition of the same tag drops what an earlier "active" one asked.
  t->announce_pending = t->active();
  t->announced_to.clear();
  return true;
}

bool ShtagTable::enable_failover(const ShtagFailoverDefinition& def) {
  Shtag* t = find_or_create(def.name, def.cluster_id);
  if (!t) return false;
  if (!t->failover) t->failover.emplace();
  return true;
}

ShtagTable::Change ShtagTable::activate(std::string_view name, int32_t cluster_id) {
  Shtag* t = find_or_create(name, cluster_id);
  if (!t) return {};
  const bool changed = !t->active();
  t->state = ShtagState::kActive;
  return {t, changed};
}

ShtagTable::Change ShtagTable::force_backup(std::string_view name, int32_t cluster_id) {
  Shtag* t = find_or_create(name, cluster_id);
  if (!t) return {};
  const bool changed = t->active();
  t->state = ShtagState::kBackup;
  t->announce_pending = false;
  t->announced_to.clear();
  return {t, changed};
}

bool ShtagTable::needs_flush_send(const Shtag& tag, int32_t node_id) {
  return tag.announce_pending && !tag.told(node_id);
}

void ShtagTable::note_send(Shtag& tag, int32_t node_id, bool ok) {
  if (!ok) {
    tag.announce_pending = true;
    return;
  }
  if (!tag.told(node_id)) tag.announced_to.push_back(node_id);
}

// An announcement stays pending until a peer's broadcast ends it (§B.6):
// a node learned later (discovery) is still told when it comes up, as the
// captured OpenSIPS node 1 tells node 3 (captures, scenario "three").
void ShtagTable::tidy(Shtag& tag, const std::vector<int32_t>& cluster_nodes) {
  if (!tag.announce_pending) {
    tag.announced_to.clear();  // only consulted while pending
    return;
  }
  // Bounded by the cluster's size: forget nodes that left it.
  std::erase_if(tag.announced_to, [&](int32_t id) {
    return std::find(cluster_nodes.begin(), cluster_nodes.end(), id) == cluster_nodes.end();
  });
}

std::vector<ShtagView> ShtagTable::list() const {
  std::vector<ShtagView> out;
  out.reserve(tags_.size());
  for (auto it = tags_.rbegin(); it != tags_.rend(); ++it) out.push_back(view(*it));
  return out;
}

std::vector<std::string> ShtagTable::active_names(int32_t cluster_id) const {
  std::vector<std::string> out;
  for (auto it = tags_.rbegin(); it != tags_.rend() && out.size() < kMaxActiveListed; ++it)
    if (it->active() && (cluster_id < 0 || it->cluster_id == cluster_id)) out.push_back(it->name);
  return out;
}

void ShtagTable::report(int64_t unix_s, const Shtag& tag, std::string_view reason) {
  reports_.add(unix_s, shtag_report_text(tag.name, tag.cluster_id, tag.state, reason));
}

void ShtagTable::check() const {
  assert(tags_.size() <= kMaxTags);
  for ([[maybe_unused]] const auto& t : tags_) {
    assert(!t.announce_pending || t.active());
    assert(t.announce_pending || t.announced_to.empty());
    // A lost holder is a known one.
    assert(!t.failover || t.failover->lost_ms < 0 || t.failover->holder != 0);
  }
}

bool Shtag::sync_required_for(std::string_view capability) const {
  for (const auto& [cap, required] : sync_required)
    if (cap == capability) return required;
  return true;
}

void Shtag::set_sync_required(std::string_view capability, bool required) {
  for (auto& [cap, value] : sync_required)
    if (cap == capability) {
      value = required;
      return;
    }
  sync_required.emplace_back(std::string(capability), required);
}

}  // namespace lc::core
