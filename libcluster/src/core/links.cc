// Link monitoring: the heartbeat table of topology.md §4.1, PING/PONG
// handling (§4.3, §4.4) and the link-state transitions of §3.
#include <algorithm>
#include <cassert>

#include "cluster.h"

namespace lc::core {

void Cluster::emit(const Node& dst, const wire::InternalBody& body) {
  wire::InternalMessage m{id_, local_.node_id, body, wire::kBinVersion};
  wire::Bytes bytes = wire::encode(m);
  if (bytes.empty()) {
    // Only a FULL_TOP_UPDATE of a huge full mesh can outgrow a BIN packet.
    engine_->diagnostic("cluster " + std::to_string(id_) + ": " +
                        std::string(wire::msg_type_name(wire::type_of(body))) +
                        " too large for one BIN packet, not sent");
    return;
  }
  engine_->transmits_.push_back(Transmit{dst.info.node_id, dst.info.url, 0, std::move(bytes), id_});
}

void Cluster::send_ping(Now now, Node& n, bool req_node_list) {
  emit(n, wire::Ping{req_node_list ? 1 : 0});
  n.last_ping_ms = now.mono_ms;
  n.pong_since_ping = false;
  n.asked_node_list = req_node_list;
}

void Cluster::heartbeat(Now now) {
  if (!local_.enabled) return;
  for (auto& n : nodes_)
    if (n.info.enabled) heartbeat_node(now, n);
  refresh_topology(now);
}

// Anti-entropy (docs/decisions.md L6). OpenSIPS exchanges topology only on
// changes and link-ups, so news lost with a connection, or overtaken by news
// of an older life, can stay wrong for good. Every refresh period we send
// our full topology to one Up neighbour in turn; it floods it to the whole
// cluster like any FULL_TOP_UPDATE, and its entry 0 (our own links) puts
// every view of us right.
void Cluster::refresh_topology(Now now) {
  const int64_t period = int64_t{engine_->cfg_.ping_interval_s} * 1000 * kTopologyRefreshPings;
  if (next_refresh_ms_ == 0) {
    // The first one within a period, spread by node id so that nodes do
    // not refresh in step.
    next_refresh_ms_ = now.mono_ms + (local_.node_id % 10 + 1) * period / 10;
    return;
  }
  if (now.mono_ms < next_refresh_ms_) return;
  next_refresh_ms_ = now.mono_ms + period;
  if (local_neighbours_.empty()) return;
  refresh_turn_ = (refresh_turn_ + 1) % local_neighbours_.size();
  if (Node* n = find(local_neighbours_[refresh_turn_])) {
    send_full_top(now, *n);
    // Capability states too: a CAP_UPDATE lost, or refused as stale (a
    // peer restarted within the same second), is otherwise never repeated
    // (docs/decisions.md CP10).
    send_cap_update(now, *n, false);
  }
}

// One row of the heartbeat table per call; the first matching row applies.
// Sends are asynchronous (they succeed when handed to the driver); a failure
// reported later through on_send_failed takes the "failed" branches.
void Cluster::heartbeat_node(Now now, Node& n) {
  const Config& cfg = engine_->cfg_;
  const int64_t timeout = cfg.ping_timeout_ms;
  const int64_t since_ping = now.mono_ms - n.last_ping_ms;
  const int64_t since_sent = now.mono_ms - n.last_sent_ms;
  // "reply delay <= 0 or >= ping_timeout": no timely answer to the last ping.
  const bool unanswered =
      !n.pong_since_ping || n.last_pong_ms - n.last_ping_ms >= timeout;
  const int32_t npr = n.info.no_ping_retries;

  switch (n.link) {
    case LinkState::kRestartPinging:  // row 0
      send_ping(now, n, true);
      set_link(now, n, LinkState::kRestarted, true);
      return;
    case LinkState::kRetrySendFail:  // row 1
      if (since_ping >= timeout) {
        if (n.retries_left > 0) --n.retries_left;
        send_ping(now, n, true);
        set_link(now, n, LinkState::kRetrying, true);
      }
      return;
    case LinkState::kUp:
    case LinkState::kRestarted:  // row 2, then row 5 for Up
      if (unanswered && (n.link == LinkState::kRestarted || since_sent >= timeout) &&
          since_ping >= timeout) {
        if (npr == 0) {
          set_link(now, n, LinkState::kDown, true);
        } else {
          send_ping(now, n, true);
          n.retries_left = npr - 1;
          set_link(now, n, LinkState::kRetrying, true);
        }
        return;
      }
      if (n.link == LinkState::kUp && since_sent >= cfg.ping_interval_s * 1000LL &&
          since_ping >= cfg.ping_interval_s * 1000LL)
        send_ping(now, n, false);  // row 5: keep-alive
      return;
    case LinkState::kRetrying:  // row 3
      if (unanswered && since_ping >= timeout) {
        if (n.retries_left > 0) {
          send_ping(now, n, true);
          --n.retries_left;
        } else {
          set_link(now, n, LinkState::kDown, true);
        }
      }
      return;
    case LinkState::kDown:  // row 4
      if (since_ping >= cfg.node_timeout_s * 1000LL) {
        send_ping(now, n, true);
        set_link(now, n, LinkState::kRestarted, true);
      }
      return;
    case LinkState::kTemp:  // matches no row; the PONG handler moves it on
      return;
  }
}

void Cluster::set_link(Now now, Node& n, LinkState s, bool advertise) {
  if (n.link == s) return;
  if (n.link == LinkState::kUp) leave_up(now, n, advertise);
  n.link = s;
}

// Whenever a link leaves Up: out of our neighbour list, graph changed, and
// (guarded path only) an LS_UPDATE(Down) to our other Up neighbours.
void Cluster::leave_up(Now now, Node& n, bool advertise) {
  auto it = std::find(local_neighbours_.begin(), local_neighbours_.end(), n.info.node_id);
  assert(it != local_neighbours_.end());  // invariant: Up <=> in local_neighbours_
  local_neighbours_.erase(it);
  mark_dirty();
  if (advertise) send_ls_update(now, n.info.node_id, false);
}

// set_link_w_neigh_up (topology.md §4.4 step 3).
void Cluster::link_up(Now now, Node& n) {
  assert(n.link != LinkState::kUp);
  n.link = LinkState::kUp;
  local_neighbours_.insert(local_neighbours_.begin(), n.info.node_id);
  mark_dirty();
  send_ls_update(now, n.info.node_id, true);
  send_full_top(now, n);
  send_cap_update(now, n, true);
}

// "→ LS_RESTART_PINGING" triggers of §4.5: re-probe on the next tick.
void Cluster::restart_pinging(Now now, Node& n) {
  set_link(now, n, LinkState::kRestartPinging, true);
}

void Cluster::handle_ping(Now now, const PeerAddr&, Node& n, const wire::Ping& m) {
  wire::Pong pong;
  if (m.req_node_list != 0) {
    // Every node we know except the pinger, newest first like our list.
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it)
      if (it->info.node_id != n.info.node_id) pong.node_ids.push_back(it->info.node_id);
  }
  emit(n, pong);
  // A PING never brings a link Up; from a node we consider Down it starts
  // our own probe at once.
  if (n.link == LinkState::kDown) {
    send_ping(now, n, true);
    set_link(now, n, LinkState::kRestarted, true);
  }
}

void Cluster::handle_pong(Now now, Node& n, const wire::Pong& m) {
  const int64_t timeout = engine_->cfg_.ping_timeout_ms;
  const int64_t prev_recv = n.last_recv_ms;
  const bool had_prev = n.ever_received;
  n.last_pong_ms = now.mono_ms;
  n.pong_since_ping = true;
  n.last_recv_ms = now.mono_ms;
  n.ever_received = true;
  // The answer to a ping that asked for the list is the list, even empty
  // (a restarted node knows nobody yet: it must get every description).
  if (n.asked_node_list || !m.node_ids.empty()) n.pong_list = m.node_ids;

  const int64_t delay = now.mono_ms - n.last_ping_ms;
  if ((n.link == LinkState::kRestartPinging || n.link == LinkState::kRetrySendFail ||
       n.link == LinkState::kDown) &&
      delay < timeout)
    n.link = LinkState::kTemp;  // the race with the timer storing post-send state

  if (n.link == LinkState::kRestarted || n.link == LinkState::kRetrying ||
      n.link == LinkState::kTemp) {
    const bool timely = delay >= 0 && delay < timeout;
    const bool recent = had_prev && now.mono_ms - prev_recv < timeout;
    if (timely || recent) {
      link_up(now, n);
    }
    return;
  }
  if (n.link == LinkState::kUp && n.resync_on_pong) {
    // The connection was reset while the link stayed Up: packets may have
    // been lost, so repeat the link-up exchange (no state change, no event).
    n.resync_on_pong = false;
    send_full_top(now, n);
    send_cap_update(now, n, true);
  }
}

void Cluster::on_connection_reset(Now now, int32_t node_id) {
  Node* n = find(node_id);
  if (!n || !local_.enabled || !n->info.enabled) return;
  if (n->link != LinkState::kUp) return;  // probing goes on as usual
  // Re-check at once: no PONG within ping_timeout takes the link out of Up
  // by the ordinary row-2 rule (Retrying, then Down once no_ping_retries
  // retries go unanswered; decision L2); a PONG triggers a topology resync.
  send_ping(now, *n, true);
  n->resync_on_pong = true;
}

// The transport could not deliver to the node: its connection was refused
// or a write failed. That is proof enough: the link goes Down at once (with
// LS_UPDATE(Down) if it was Up) and is re-probed node_timeout later, or as
// soon as the node pings us. Waiting for ping retries would only delay the
// failover (docs/decisions.md L1).
void Cluster::on_send_failed(Now now, int32_t node_id) {
  Node* n = find(node_id);
  if (!n || !local_.enabled || !n->info.enabled) return;
  if (n->link == LinkState::kDown) return;
  n->retries_left = 0;
  n->last_ping_ms = now.mono_ms;
  n->resync_on_pong = false;
  set_link(now, *n, LinkState::kDown, true);
}

}  // namespace lc::core
