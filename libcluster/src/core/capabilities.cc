// CapTable: the bookkeeping of the capability layer (records, donor
// streams, deferred answers, stale peers). No network, no time source.
#include "libcluster/core/capabilities.h"

#include <algorithm>
#include <cassert>

namespace lc::core {

std::string_view cap_status_details(CapStatus s) {
  switch (s) {
    case CapStatus::kNotSynced: return "not synced";
    case CapStatus::kSyncPending: return "sync pending";
    case CapStatus::kSyncInProgress: return "sync in progress";
    case CapStatus::kSynced: return "synced";
  }
  return "synced";
}

int32_t sync_request_code(SyncRequest r) {
  switch (r) {
    case SyncRequest::kUnknown: return -1;
    case SyncRequest::kAlreadyInProgress: return 1;
    default: return 0;
  }
}

CapabilityView LocalCap::view() const {
  return CapabilityView{spec.name, spec.cluster_id, ok, enabled, status};
}

LocalCap* CapTable::add(const CapabilitySpec& spec) {
  if (caps_.size() >= kMaxCapabilities || find(spec.cluster_id, spec.name)) return nullptr;
  LocalCap cap;
  cap.spec = spec;
  cap.ok = !spec.startup_sync;
  cap.status = spec.startup_sync ? CapStatus::kNotSynced : CapStatus::kSynced;
  caps_.push_back(std::move(cap));
  return &caps_.back();
}

LocalCap* CapTable::find(int32_t cluster_id, std::string_view name) {
  for (auto& c : caps_)
    if (c.spec.cluster_id == cluster_id && c.spec.name == name) return &c;
  return nullptr;
}

const LocalCap* CapTable::find(int32_t cluster_id, std::string_view name) const {
  return const_cast<CapTable*>(this)->find(cluster_id, name);
}

const LocalCap* CapTable::first_named(std::string_view name) const {
  for (const auto& c : caps_)
    if (c.spec.name == name) return &c;
  return nullptr;
}

std::vector<LocalCap*> CapTable::in_cluster(int32_t cluster_id) {
  std::vector<LocalCap*> out;
  for (auto it = caps_.rbegin(); it != caps_.rend(); ++it)
    if (cluster_id == 0 || it->spec.cluster_id == cluster_id) out.push_back(&*it);
  return out;
}

std::vector<const LocalCap*> CapTable::in_cluster(int32_t cluster_id) const {
  std::vector<const LocalCap*> out;
  for (auto* c : const_cast<CapTable*>(this)->in_cluster(cluster_id)) out.push_back(c);
  return out;
}

std::vector<std::string> CapTable::names() const {
  // A name registered in several clusters is listed where it first was.
  std::vector<std::string> ordered;
  for (auto it = caps_.rbegin(); it != caps_.rend(); ++it)
    if (first_named(it->spec.name) == &*it) ordered.push_back(it->spec.name);
  return ordered;
}

SyncStream* CapTable::stream(int32_t cluster_id, std::string_view cap, int32_t requester) {
  for (auto& s : streams_)
    if (s.cluster_id == cluster_id && s.requester == requester && s.capability == cap) return &s;
  return nullptr;
}

SyncStream* CapTable::open_stream(int32_t cluster_id, const std::string& cap, int32_t requester,
                                  int64_t now_ms) {
  assert(!stream(cluster_id, cap, requester));
  if (streams_.size() >= kMaxStreams) return nullptr;
  SyncStream s;
  s.cluster_id = cluster_id;
  s.capability = cap;
  s.requester = requester;
  s.last_activity_ms = now_ms;
  streams_.push_back(std::move(s));
  return &streams_.back();
}

void CapTable::close_stream(const SyncStream* s) {
  auto it =
      std::find_if(streams_.begin(), streams_.end(), [&](const SyncStream& x) { return &x == s; });
  assert(it != streams_.end());
  streams_.erase(it);
}

void CapTable::add_reply_pending(int32_t cluster_id, const std::string& cap, int32_t node) {
  reply_pending_.emplace(cluster_id, cap, node);
}

std::vector<std::string> CapTable::take_reply_pending(int32_t cluster_id, int32_t node) {
  std::vector<std::string> out;
  for (auto it = reply_pending_.begin(); it != reply_pending_.end();) {
    const auto& [cid, cap, n] = *it;
    if (cid == cluster_id && n == node) {
      out.push_back(cap);
      it = reply_pending_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void CapTable::add_deferred(int32_t cluster_id, const std::string& cap, int32_t node) {
  deferred_.emplace(cluster_id, cap, node);
}

std::vector<int32_t> CapTable::take_deferred(int32_t cluster_id, std::string_view cap) {
  std::vector<int32_t> out;
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    const auto& [cid, name, n] = *it;
    if (cid == cluster_id && name == cap) {
      out.push_back(n);
      it = deferred_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void CapTable::set_stale(int32_t cluster_id, int32_t node, bool stale) {
  if (stale)
    stale_.emplace(cluster_id, node);
  else
    stale_.erase({cluster_id, node});
}

bool CapTable::stale(int32_t cluster_id, int32_t node) const {
  return stale_.contains({cluster_id, node});
}

void CapTable::keep_states_of(const CapTable& previous) {
  for (auto& c : caps_) {
    const LocalCap* old = previous.find(c.spec.cluster_id, c.spec.name);
    if (!old) continue;
    const CapabilitySpec spec = c.spec;  // the new registration's own
    c = *old;
    c.spec = spec;
  }
  // A new data set starts with no stream, no deferred answer and no stale
  // peer: its nodes are new to it.
  check();
}

void CapTable::check() const {
  for (const auto& c : caps_) {
    assert(!(c.pending && c.in_progress));
    assert(!(c.ok && (c.pending || c.in_progress)));
    assert(!c.ok || c.enabled);
    assert(!c.in_progress || c.donor != 0);
    assert(!c.pending || c.donor == 0);
    assert(c.held.size() <= kMaxHeldPackets && c.held_bytes <= kMaxHeldBytes);
    assert(c.asked.size() <= kMaxAsked);
    (void)c;
  }
  assert(streams_.size() <= kMaxStreams);
}

}  // namespace lc::core
