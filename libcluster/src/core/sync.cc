// The sync protocol (capabilities-and-shtags.md §4-§8): requests, donor
// choice, queued requests, the donor's chunked answer, receiving data, end
// of sync, seed fallback and timeouts. Where we depart from OpenSIPS to
// make syncs finish (OpenSIPS issue 1976), the comment says "ours" and
// docs/decisions.md (CP entries) says why.
#include <algorithm>
#include <cassert>
#include <string>
#include <tuple>
#include <vector>

#include "cap_ops.h"
#include "cluster.h"
#include "libcluster/wire/constants.h"

namespace lc::core {

namespace {

// BIN framing of a SYNC packet: marker, length, version, "clusterer-extra",
// type; then the capability name and data_version. 8 bytes more per chunk
// (length and marker) and the 12-byte trailer.
constexpr std::size_t kBinHeaderBytes = 4 + 4 + 2 + 2 + wire::kCapExtra.size() + 4;
constexpr std::size_t kChunkHeaderBytes = 8;
constexpr std::size_t kTrailerBytes = 12;

std::size_t sync_base_bytes(std::string_view cap) { return kBinHeaderBytes + 2 + cap.size() + 4; }

std::string node_ref(int32_t id) { return "node [" + std::to_string(id) + "]"; }

std::string where(const Cluster& c, std::string_view cap) {
  return "cluster " + std::to_string(c.id()) + ", capability '" + std::string(cap) + "'";
}

bool is_seed(const Cluster& c) { return c.local().flags.starts_with("seed"); }

void note_asked(LocalCap& cap, int32_t node) {
  if (std::find(cap.asked.begin(), cap.asked.end(), node) != cap.asked.end()) return;
  if (cap.asked.size() < CapTable::kMaxAsked) cap.asked.push_back(node);
}

// A new sync series: nobody asked yet, no unanswered request.
void restart_series(LocalCap& cap) {
  cap.asked.clear();
  cap.wait_rounds = 0;
}

}  // namespace

// ---------------------------------------------------------------- requesting (§4-§6)

SyncRequest CapOps::request(Engine& e, Now now, Cluster& c, LocalCap& cap) {
  if (cap.pending) return SyncRequest::kAlreadyPending;
  if (cap.in_progress) return SyncRequest::kAlreadyInProgress;
  if (!cap.enabled) return SyncRequest::kDisabled;
  // Ours: a request already went out and awaits its first data. The
  // engine re-asks by itself after sync_timeout, so a module asking again
  // (its NODE_UP handler runs after we sent the queued request) does not
  // make the donor send everything twice.
  if (cap.awaiting_data()) return SyncRequest::kAlreadyPending;
  if (cap.ok) {
    cap.ok = false;
    advertise(e, now, cap, false);  // no longer a donor candidate
  }
  restart_series(cap);
  return start_request(e, now, c, cap, 0);
}

SyncRequest CapOps::start_request(Engine& e, Now now, Cluster& c, LocalCap& cap, int32_t avoid) {
  assert(!cap.ok && !cap.in_progress && !cap.pending);
  cap.chunks_processed = 0;
  cap.chunks_total.reset();
  cap.donor = 0;
  set_status(e, now, cap, CapStatus::kSyncPending);
  if (auto donor = pick_donor(e, c, cap, avoid)) {
    if (c.send_extra(now, *donor, wire::SyncReq{cap.spec.name}) == SendResult::kSuccess) {
      cap.donor = *donor;
      cap.requested_ms = now.mono_ms;
      note_asked(cap, *donor);
      report(now, cap, "Sync requested from node [" + std::to_string(*donor) + "]");
      e.diagnostic("Sent sync request for " + where(c, cap.spec.name) + " to " + node_ref(*donor));
      return SyncRequest::kRequested;
    }
  }
  cap.pending = true;
  cap.pending_since_ms = now.mono_ms;
  report(now, cap, "Sync request postponed! (no donor available)");
  e.diagnostic("Queue'ing sync request for " + where(c, cap.spec.name) + " (no donor available)");
  return SyncRequest::kQueued;
}

// §5: reachable, matching the sync condition, and synced as last advertised.
bool CapOps::eligible_donor(const Engine& e, const Cluster& c, const LocalCap& cap, const Node& n) {
  return c.reachable(n.info.node_id) && c.matches(n, cap.spec.sync_cond) &&
         remote_ok(e, c.id(), n, cap.spec.name);
}

// The first eligible node in list order (most recently added first), as
// OpenSIPS does; `avoid` only when nobody else qualifies (ours).
std::optional<int32_t> CapOps::pick_donor(const Engine& e, const Cluster& c, const LocalCap& cap,
                                          int32_t avoid) {
  std::optional<int32_t> fallback;
  for (auto it = c.nodes().rbegin(); it != c.nodes().rend(); ++it) {
    if (!eligible_donor(e, c, cap, *it)) continue;
    if (it->info.node_id != avoid) return it->info.node_id;
    fallback = avoid;
  }
  return fallback;
}

bool CapOps::try_queued(Engine& e, Now now, Cluster& c, LocalCap& cap, int32_t node_id) {
  if (!cap.pending || !cap.enabled) return false;
  const Node* n = c.find(node_id);
  if (!n || !eligible_donor(e, c, cap, *n)) return false;
  if (c.send_extra(now, node_id, wire::SyncReq{cap.spec.name}) != SendResult::kSuccess)
    return false;
  // Status stays "sync pending" and no report is added (§6).
  cap.pending = false;
  cap.donor = node_id;
  cap.requested_ms = now.mono_ms;
  note_asked(cap, node_id);
  e.diagnostic("Sent sync request for " + where(c, cap.spec.name) + " to " + node_ref(node_id));
  return true;
}

// ---------------------------------------------------------------- the sync check (§8)

void CapOps::check(Engine& e, Now now, Cluster& c, LocalCap& cap) {
  const int64_t timeout_ms = int64_t{e.cfg_.sync_timeout_s} * 1000;
  if (cap.pending) {
    // §8.1 seed fallback. No startup extension: we have no slow start.
    const int64_t fallback_ms = int64_t{e.cfg_.seed_fallback_interval_s} * 1000;
    if (!is_seed(c) || now.mono_ms - cap.pending_since_ms < fallback_ms) return;
    cap.pending = false;
    cap.ok = true;
    set_status(e, now, cap, CapStatus::kSynced);
    report(now, cap,
           "ERROR: Sync request aborted! (no donor found in due time) => fallback to synced state");
    e.diagnostic(
        "Sync request aborted! (no donor found in due time), falling back to synced state"
        " (" +
        where(c, cap.spec.name) + ")");
    advertise(e, now, cap, true);
    answer_deferred(e, now, c, cap);
    return;
  }
  if (cap.in_progress) {
    if (now.mono_ms - cap.last_data_ms < timeout_ms) return;
    // §8.2: held packets go to the module (source 0), "not synced".
    for (auto& p : cap.held) module_event(e, cap, ModuleEventKind::kRecvMsg, 0, std::move(p));
    cap.held.clear();
    cap.held_bytes = 0;
    cap.in_progress = false;
    const int32_t failed = cap.donor;
    cap.donor = 0;
    set_status(e, now, cap, CapStatus::kNotSynced);
    report(now, cap,
           "Sync timed out, received [" + std::to_string(cap.chunks_processed) + "] chunks");
    e.diagnostic("Sync timeout for capability [" + cap.spec.name +
                 "], reverting to not synced state");
    // Ours: ask again at once, preferably elsewhere; OpenSIPS stays
    // "not synced" until someone asks (issue 1976: syncs stopping part-way).
    // The rest of the abandoned stream must not start a new sync.
    restart_series(cap);
    start_request(e, now, c, cap, failed);
    return;
  }
  const int64_t wait_ms = timeout_ms << std::min(cap.wait_rounds, CapTable::kMaxWaitDoublings);
  if (cap.awaiting_data() && now.mono_ms - cap.requested_ms >= wait_ms) {
    // Ours: the donor never answered (it died, its answer was lost, or it
    // is slow: an OpenSIPS donor sends nothing before it has packed all
    // its data, so the wait doubles, and its late answer is still taken).
    const int32_t failed = cap.donor;
    cap.donor = 0;
    ++cap.wait_rounds;
    e.diagnostic("No sync data from " + node_ref(failed) + " for " + where(c, cap.spec.name) +
                 " within sync_timeout, asking again");
    start_request(e, now, c, cap, failed);
  }
}

// ---------------------------------------------------------------- donor side (§7, §8.3)

void CapOps::start_answer(Engine& e, Now now, Cluster& c, const LocalCap& cap, int32_t requester) {
  if (SyncStream* s = e.caps_.stream(c.id(), cap.spec.name, requester)) {
    // One answer per requester at a time: the running one is cut short
    // (its open packet dropped, its SYNC_END never sent), the new one
    // starts when the module ends the running one. Ours: OpenSIPS runs
    // both, and the requester counts the chunks of both against one total.
    s->rerun = true;
    s->cut_short = true;
    s->open.reset();
    return;
  }
  if (!e.caps_.open_stream(c.id(), cap.spec.name, requester, now.mono_ms)) {
    e.diagnostic(where(c, cap.spec.name) + ": too many sync answers in progress, request from " +
                 node_ref(requester) + " dropped");
    return;
  }
  module_event(e, cap, ModuleEventKind::kSyncRequest, requester);
}

namespace {

// Sends the packet being filled, if any.
SendResult close_packet(Now now, Cluster& c, SyncStream& s) {
  if (!s.open) return SendResult::kSuccess;
  wire::Sync packet = std::move(*s.open);
  s.open.reset();
  ++s.packets;
  return c.send_extra(now, s.requester, std::move(packet));
}

// §8.3: a chunk joins the open packet unless the packet plus the previous
// chunk's size would pass sync_packet_size (a target, not a limit), or
// the packet could not stay within a BIN packet (ours: OpenSIPS fails).
SendResult add_chunk(Now now, Cluster& c, SyncStream& s, int32_t data_version,
                     const wire::Bytes& chunk, std::size_t packet_size) {
  const std::size_t base = sync_base_bytes(s.capability);
  const std::size_t need = kChunkHeaderBytes + chunk.size();
  if (base + need + kTrailerBytes > wire::kMaxPacketSize) return SendResult::kError;
  if (s.open &&
      (s.open->data_version != data_version || s.open_bytes + s.prev_chunk_bytes > packet_size ||
       s.open_bytes + need + kTrailerBytes > wire::kMaxPacketSize)) {
    if (SendResult r = close_packet(now, c, s); r != SendResult::kSuccess) return r;
  }
  if (!s.open) {
    s.open = wire::Sync{s.capability, data_version, {}};
    s.open_bytes = base;
    s.open_since_ms = now.mono_ms;
  }
  s.open->chunks.push_back(chunk);
  s.open_bytes += need;
  s.prev_chunk_bytes = chunk.size();
  ++s.chunks;
  assert(s.open_bytes + kTrailerBytes <= wire::kMaxPacketSize);
  return SendResult::kSuccess;
}

}  // namespace

SendResult Engine::sync_chunks(Now now, int32_t cluster_id, std::string_view capability,
                               int32_t requester, int32_t data_version,
                               std::span<const wire::Bytes> chunks) {
  Cluster* c = find(cluster_id);
  SyncStream* s = c ? caps_.stream(cluster_id, capability, requester) : nullptr;
  if (!s) return SendResult::kError;
  s->last_activity_ms = now.mono_ms;
  if (s->failed != SendResult::kSuccess) return s->failed;
  if (s->cut_short) return SendResult::kSuccess;  // nothing more is sent
  const auto packet_size = static_cast<std::size_t>(std::max(cfg_.sync_packet_size, 0));
  for (const auto& chunk : chunks) {
    const SendResult r = add_chunk(now, *c, *s, data_version, chunk, packet_size);
    if (r == SendResult::kError) return r;  // this chunk only; the stream goes on
    if (r != SendResult::kSuccess) {
      s->failed = r;
      return r;
    }
  }
  return SendResult::kSuccess;
}

SendResult Engine::sync_end(Now now, int32_t cluster_id, std::string_view capability,
                            int32_t requester) {
  Cluster* c = find(cluster_id);
  SyncStream* s = c ? caps_.stream(cluster_id, capability, requester) : nullptr;
  if (!s) return SendResult::kError;
  SendResult r = s->failed;
  if (r == SendResult::kSuccess && !s->cut_short) r = close_packet(now, *c, *s);
  if (r == SendResult::kSuccess && !s->cut_short)
    r = c->send_extra(now, requester, wire::SyncEnd{s->capability, s->chunks});
  if (r == SendResult::kSuccess && !s->cut_short)
    diagnostic("Sent all sync packets (" + std::to_string(s->packets) + ") for " +
               where(*c, capability) + " to " + node_ref(requester));
  const bool rerun = s->rerun;
  caps_.close_stream(s);
  const LocalCap* cap = caps_.find(cluster_id, capability);
  if (rerun && cap && cap->enabled) CapOps::start_answer(*this, now, *c, *cap, requester);
  return r;
}

void CapOps::service_streams(Engine& e, Now now) {
  const int64_t idle_ms = std::max<int64_t>(e.cfg_.sync_timeout_s, 1) * 1000;
  // Ours: a slow module must not let the requester's sync_timeout expire
  // while chunks wait for a full packet; half of it is the longest wait.
  for (auto& s : e.caps_.streams()) {
    if (s.cut_short) continue;
    if (now.mono_ms - s.last_activity_ms >= idle_ms) {
      // The requester has given up by now: what follows would only
      // precede the answer to its next request.
      e.diagnostic("cluster " + std::to_string(s.cluster_id) + ", capability '" + s.capability +
                   "': the module was silent for sync_timeout, the rest of its answer to " +
                   node_ref(s.requester) + " is not sent");
      s.cut_short = true;
      s.open.reset();
      continue;
    }
    if (!s.open || s.failed != SendResult::kSuccess || now.mono_ms - s.open_since_ms < idle_ms / 2)
      continue;
    Cluster* c = e.find(s.cluster_id);
    assert(c);
    s.failed = close_packet(now, *c, s);
  }
}

// ---------------------------------------------------------------- receiving (§7, §8.4, §8.5)

void CapOps::sync_message(Engine& e, Now now, Cluster& c, int32_t src,
                          const wire::ExtraBody& body) {
  if (const auto* r = std::get_if<wire::SyncReq>(&body))
    on_sync_req(e, now, c, src, *r);
  else if (const auto* d = std::get_if<wire::Sync>(&body))
    on_sync(e, now, c, src, *d);
  else if (const auto* end = std::get_if<wire::SyncEnd>(&body))
    on_sync_end(e, now, c, src, *end);
  e.caps_.check();
}

void CapOps::on_sync_req(Engine& e, Now now, Cluster& c, int32_t src, const wire::SyncReq& m) {
  e.diagnostic("Received sync request for " + where(c, m.capability) + " from " + node_ref(src));
  const LocalCap* cap = e.caps_.find(c.id(), m.capability);
  if (!cap) {
    e.diagnostic(where(c, m.capability) + ": sync request for an unknown capability dropped");
    return;
  }
  if (!cap->enabled) return;  // dropped silently (§7)
  // Ours: a donor that is not synced itself (restarted, or syncing) keeps
  // the request until it is: OpenSIPS answers at once (§7 step 2) with
  // whatever it has, and the requester ends "synced" with part of the data.
  if (!cap->ok) {
    e.caps_.add_deferred(c.id(), cap->spec.name, src);
    return;
  }
  // An unreachable requester is answered when it comes up (§7 step 4).
  if (!c.reachable(src)) {
    e.caps_.add_reply_pending(c.id(), cap->spec.name, src);
    return;
  }
  start_answer(e, now, c, *cap, src);
}

// Ours: once data flows, only its sender may go on; before, only a node
// we asked (anyone when we asked nobody, as OpenSIPS takes any). Other
// packets belong to an abandoned exchange and would corrupt the count.
bool CapOps::from_donor(Engine& e, const Cluster& c, const LocalCap& cap, int32_t src) {
  const bool asked = std::find(cap.asked.begin(), cap.asked.end(), src) != cap.asked.end();
  if (cap.in_progress ? src == cap.donor : cap.asked.empty() || asked) return true;
  e.diagnostic(where(c, cap.spec.name) + ": sync packet from " + node_ref(src) +
               " ignored (not the node the sync is with)");
  return false;
}

void CapOps::on_sync(Engine& e, Now now, Cluster& c, int32_t src, const wire::Sync& m) {
  LocalCap* cap = e.caps_.find(c.id(), m.capability);
  if (!cap || !cap->enabled) return;
  const auto nr_chunks = static_cast<int32_t>(m.chunks.size());
  if (cap->ok) {
    // Ours: data nobody asked for (a deferred answer, a duplicate) still
    // reaches the module, but a synced capability stays synced. OpenSIPS
    // shows "sync in progress" from then on, for good.
    module_event(e, *cap, ModuleEventKind::kSyncData, src, std::nullopt,
                 SyncData{m.data_version, m.chunks});
    return;
  }
  if (!from_donor(e, c, *cap, src)) return;
  if (!cap->in_progress) {
    // A sync starts with its first data: count from here.
    cap->in_progress = true;
    cap->pending = false;  // ours: data came unasked; the seed fallback is moot
    cap->donor = src;
    cap->wait_rounds = 0;
    cap->chunks_processed = 0;
    cap->chunks_total.reset();
    cap->tainted = false;
    set_status(e, now, *cap, CapStatus::kSyncInProgress);
    report(now, *cap, "Sync started from node [" + std::to_string(src) + "]");
  }
  cap->last_data_ms = now.mono_ms;
  module_event(e, *cap, ModuleEventKind::kSyncData, src, std::nullopt,
               SyncData{m.data_version, m.chunks});
  // The module is handed every chunk of the packet: all count as processed.
  // The sync ends at SYNC_END only (ours, see on_sync_end).
  cap->chunks_processed += nr_chunks;
}

void CapOps::on_sync_end(Engine& e, Now now, Cluster& c, int32_t src, const wire::SyncEnd& m) {
  LocalCap* cap = e.caps_.find(c.id(), m.capability);
  if (!cap || !cap->enabled) return;
  e.diagnostic("Received all sync packets for " + where(c, m.capability) + " from " +
               node_ref(src));
  if (cap->ok || !from_donor(e, c, *cap, src)) return;  // ours: a stray end changes nothing
  if (!cap->in_progress) {
    // A donor without data sends 0: done at once, from "sync pending".
    // Any other total without data means the data was lost: ignored, the
    // wait for data runs on (ours).
    if (m.nr_chunks == 0) finish(e, now, c, *cap, src);
    return;
  }
  // Ours: a sync ends only on a SYNC_END whose total is exactly what was
  // received since the data began. A donor sends its data, then its
  // SYNC_END, in order on one connection, so any other count means that
  // the tail of an older answer of the same donor (to a request of ours
  // that we gave up on, or of our previous life) came first: that exchange
  // is over, the count starts again for the answer that follows, and
  // sync_timeout ends the wait if none does. (OpenSIPS also ends a sync
  // when data that arrives after SYNC_END completes the count: its workers
  // may process the data after the end; our count is kept on receipt.)
  cap->chunks_total = m.nr_chunks;
  if (cap->chunks_processed == m.nr_chunks && !cap->tainted) {
    finish(e, now, c, *cap, src);
    return;
  }
  e.diagnostic(where(c, m.capability) + ": SYNC_END from " + node_ref(src) + " counts " +
               std::to_string(m.nr_chunks) + " chunks, " + std::to_string(cap->chunks_processed) +
               " received" + (cap->tainted ? " over a broken connection" : "") +
               ": counting again");
  cap->chunks_processed = 0;
  cap->chunks_total.reset();
  cap->tainted = false;
}

// §8.5. Held packets are presented as coming from the sync sender, as in
// OpenSIPS: that keeps them, the data and SYNC_DONE on one runtime worker,
// in order; the real origin is in packet->trailer.
void CapOps::finish(Engine& e, Now now, Cluster& c, LocalCap& cap, int32_t sender) {
  for (auto& p : cap.held) module_event(e, cap, ModuleEventKind::kRecvMsg, sender, std::move(p));
  cap.held.clear();
  cap.held_bytes = 0;
  cap.in_progress = false;
  cap.pending = false;
  cap.donor = 0;
  restart_series(cap);
  cap.ok = true;
  const int32_t total = cap.chunks_total.value_or(cap.chunks_processed);
  set_status(e, now, cap, CapStatus::kSynced);
  report(now, cap, "Sync completed, received [" + std::to_string(total) + "] chunks");
  module_event(e, cap, ModuleEventKind::kSyncDone, sender);
  advertise(e, now, cap, true);
  answer_deferred(e, now, c, cap);
}

void CapOps::answer_deferred(Engine& e, Now now, Cluster& c, const LocalCap& cap) {
  assert(cap.ok);
  for (int32_t node : e.caps_.take_deferred(c.id(), cap.spec.name)) {
    if (c.reachable(node))
      start_answer(e, now, c, cap, node);
    else
      e.caps_.add_reply_pending(c.id(), cap.spec.name, node);
  }
}

}  // namespace lc::core
