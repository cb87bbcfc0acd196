// Routed (trailer) packets: clusterer-extra messages and module packets,
// their forwarding by relays (wire.md §3.4, §3.5) and the send paths of the
// developers' API (topology.md §10).
#include <algorithm>
#include <cassert>

#include "cap_ops.h"
#include "cluster.h"
#include "libcluster/wire/codec.h"
#include "libcluster/wire/writer.h"

namespace lc::core {
namespace {

wire::Bytes with_trailer(std::span<const uint8_t> unrouted, const wire::Trailer& t) {
  wire::Bytes b(unrouted.begin(), unrouted.end());
  b.resize(b.size() + 12);
  uint8_t* p = b.data() + b.size() - 12;
  wire::put_le32(p, static_cast<uint32_t>(t.cluster_id));
  wire::put_le32(p + 4, static_cast<uint32_t>(t.src_node_id));
  wire::put_le32(p + 8, static_cast<uint32_t>(t.dst_node_id));
  wire::put_le32(b.data() + 4, static_cast<uint32_t>(b.size()));
  return b;
}

}  // namespace

// Hands a routed packet to the next hop towards dst (msg_send_retry).
SendResult Cluster::route(Now now, int32_t dst, wire::Bytes bytes) {
  auto hop = next_hop(dst);
  if (!hop) return SendResult::kDestDown;
  Node* h = find(*hop);
  assert(h);  // invariant: routes only name known nodes
  h->last_sent_ms = now.mono_ms;
  engine_->transmits_.push_back(Transmit{h->info.node_id, h->info.url, 0, std::move(bytes), id_});
  return SendResult::kSuccess;
}

SendResult Cluster::send_extra(Now now, int32_t dst, wire::ExtraBody body) {
  if (!local_.enabled) return SendResult::kCurrDisabled;
  Node* n = find(dst);
  if (!n) return SendResult::kError;
  if (!n->info.enabled) return SendResult::kSuccess;  // skipped silently
  const int16_t version = wire::default_version(body);
  wire::ExtraMessage m{wire::Trailer{id_, local_.node_id, dst}, std::move(body), version};
  wire::Bytes bytes = wire::encode(m);
  if (bytes.empty()) return SendResult::kError;  // larger than a BIN packet
  return route(now, dst, std::move(bytes));
}

bool Cluster::matches(const Node& n, NodeMatch match) const {
  switch (match) {
    case NodeMatch::kAny:
    case NodeMatch::kAll:
      return true;
    case NodeMatch::kEqSipAddr:
      return !local_.sip_addr.empty() && !n.info.sip_addr.empty() &&
             local_.sip_addr == n.info.sip_addr;
    case NodeMatch::kNeqSipAddr:
      return !local_.sip_addr.empty() && !n.info.sip_addr.empty() &&
             local_.sip_addr != n.info.sip_addr;
  }
  return false;
}

namespace {

// Folds per-copy outcomes into the send_all result of topology.md §10.1.
struct BroadcastTally {
  int eligible = 0, sent = 0, down = 0;
  SendResult result() const {
    if (eligible == 0 || sent > 0) return SendResult::kSuccess;
    if (down == eligible) return SendResult::kDestDown;
    return SendResult::kError;
  }
  void add(SendResult r) {
    ++eligible;
    if (r == SendResult::kSuccess) ++sent;
    if (r == SendResult::kDestDown) ++down;
  }
};

}  // namespace

SendResult Cluster::broadcast_extra(Now now, wire::ExtraBody body, NodeMatch match) {
  if (!local_.enabled) return SendResult::kCurrDisabled;
  const int16_t version = wire::default_version(body);
  wire::ExtraMessage m{wire::Trailer{id_, local_.node_id, -1}, std::move(body), version};
  wire::Bytes bytes = wire::encode(m);
  if (bytes.empty()) return SendResult::kError;  // larger than a BIN packet
  return broadcast(now, std::move(bytes), match);
}

// One routed copy per enabled matching node, each with its own dst in the
// trailer (no multicast on the wire), newest node first like OpenSIPS.
SendResult Cluster::broadcast(Now now, wire::Bytes bytes, NodeMatch match) {
  BroadcastTally tally;
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    if (!it->info.enabled || !matches(*it, match)) continue;
    wire::patch_trailer_dst(bytes, it->info.node_id);
    tally.add(route(now, it->info.node_id, bytes));
  }
  return tally.result();
}

SendResult Cluster::send_module(Now now, int32_t dst, std::span<const uint8_t> unrouted) {
  if (!local_.enabled) return SendResult::kCurrDisabled;
  Node* n = find(dst);
  if (!n) return SendResult::kError;
  if (!n->info.enabled) return SendResult::kSuccess;
  return route(now, dst, with_trailer(unrouted, wire::Trailer{id_, local_.node_id, dst}));
}

SendResult Cluster::broadcast_module(Now now, std::span<const uint8_t> unrouted,
                                     NodeMatch match) {
  if (!local_.enabled) return SendResult::kCurrDisabled;
  return broadcast(now, with_trailer(unrouted, wire::Trailer{id_, local_.node_id, -1}), match);
}

// A relay re-sends the unchanged packet towards dst. clusterer-extra
// packets need rerouting on; module packets then go over a direct link only.
void Cluster::forward(Now now, int32_t dst, std::span<const uint8_t> raw, bool direct_only,
                      const wire::ModulePacket* module) {
  std::optional<int32_t> hop;
  if (direct_only) {
    const Node* d = find(dst);
    if (d && d->link == LinkState::kUp) hop = dst;
  } else {
    hop = next_hop(dst);
  }
  Node* h = hop ? find(*hop) : nullptr;
  if (!h) {
    engine_->diagnostic("cluster " + std::to_string(id_) + ": no route to forward a packet to node " +
                       std::to_string(dst));
    if (module) {
      wire::ModulePacket p = *module;
      engine_->events_.push_back(
          ModuleEvent{p.capability, ModuleEventKind::kRouteFailed, id_, dst, std::move(p), {}});
    }
    return;
  }
  h->last_sent_ms = now.mono_ms;
  engine_->transmits_.push_back(
      Transmit{h->info.node_id, h->info.url, 0, wire::Bytes(raw.begin(), raw.end()), id_});
}

void Cluster::on_extra(Now now, const PeerAddr& from, const wire::ExtraMessage& m,
                       std::span<const uint8_t> raw) {
  if (!local_.enabled) return;
  const int32_t src = m.trailer.src_node_id;
  Node* n = find(src);
  if (!n) return;  // no discovery through routed packets
  if (!ip_known(from.ip)) return;
  n->last_recv_ms = now.mono_ms;
  n->ever_received = true;
  if (!n->info.enabled) return;
  if (n->link == LinkState::kDown) restart_pinging(now, *n);
  if (m.trailer.dst_node_id != local_.node_id) {
    if (engine_->cfg_.enable_rerouting) forward(now, m.trailer.dst_node_id, raw, false, nullptr);
    return;
  }
  deliver_extra(now, src, m.body);
}

void Cluster::on_module(Now now, const PeerAddr& from, const wire::ModulePacket& m,
                        std::span<const uint8_t> raw, bool auth_check, bool registered) {
  if (!local_.enabled) return;
  const int32_t src = m.trailer.src_node_id;
  Node* n = find(src);
  if (!n) return;
  if (auth_check && !ip_known(from.ip)) return;
  n->last_recv_ms = now.mono_ms;
  n->ever_received = true;
  if (!n->info.enabled) return;
  // Even a relay must have the capability registered in this cluster.
  if (!registered) return;
  if (n->link == LinkState::kDown) restart_pinging(now, *n);
  if (m.trailer.dst_node_id != local_.node_id) {
    forward(now, m.trailer.dst_node_id, raw, !engine_->cfg_.enable_rerouting, &m);
    return;
  }
  if (CapOps::take_packet(*engine_, *this, m)) return;  // held during a sync, or disabled
  engine_->events_.push_back(
      ModuleEvent{m.capability, ModuleEventKind::kRecvMsg, id_, src, m, {}});
}

void Cluster::deliver_extra(Now now, int32_t src, const wire::ExtraBody& body) {
  if (const auto* g = std::get_if<wire::GenericMsg>(&body)) {
    engine_->events_.push_back(GenericReceived{id_, src, g->req_like != 0, g->msg, g->tag});
  } else if (const auto* mi = std::get_if<wire::MiCmd>(&body)) {
    engine_->events_.push_back(MiCommandReceived{id_, src, mi->cmd_name, mi->params});
  } else if (const auto* r = std::get_if<wire::RemoveNode>(&body)) {
    if (engine_->cfg_.db_mode) return;
    if (r->target_node_id == local_.node_id)
      disable_local(now);
    else
      erase_node(now, r->target_node_id);
  } else if (const auto* tag = std::get_if<wire::ShtagActive>(&body)) {
    engine_->shtag_received(now, id_, src, tag->tag);
  } else {
    CapOps::sync_message(*engine_, now, *this, src, body);  // SYNC_REQ, SYNC, SYNC_END
  }
}

}  // namespace lc::core
