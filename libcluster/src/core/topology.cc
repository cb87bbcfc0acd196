// Link-state database and its propagation (topology.md §5), discovery of
// unknown nodes in db_mode 0 (§8) and capability advertisement (CAP_UPDATE).
#include <algorithm>
#include <cassert>

#include "cap_ops.h"
#include "cluster.h"

namespace lc::core {

bool accept_update(SeqStamp& stored, int32_t seq, int32_t ts, bool may_have_restarted) {
  // OpenSIPS accepts a higher seq, or a seq 0 over anything but a stored 0.
  // Ours (docs/decisions.md T1) orders by life first: an originator numbers
  // from 0 again after a restart, and one life's stamps never go back, so a
  // stamp older than the stored one is older news whatever its seq (0 means
  // "not recorded", as OpenSIPS relays send for some entries); a newer stamp
  // is fresh whatever its seq. Within one second, a higher seq is fresh,
  // and a seq 0 only when the originator was lost meanwhile. So a late copy
  // of a node's first update, which OpenSIPS takes for a restart and rolls
  // its counters back with, is stale here.
  if (ts != 0 && ts < stored.ts) return false;
  const bool fresh = seq > stored.seq || ts > stored.ts ||
                     (seq == 0 && ts == stored.ts && may_have_restarted && stored.seq > 0);
  if (!fresh) return false;
  stored = SeqStamp{seq, ts};
  return true;
}

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

int32_t unix32(Now now) { return static_cast<int32_t>(now.unix_s); }

}  // namespace

// An update originated by `n` itself; accepting one ends the window in which
// a same-second restart is assumed.
static bool accept_own(Node& n, SeqStamp& stored, int32_t seq, int32_t ts) {
  if (!accept_update(stored, seq, ts, n.may_have_restarted)) return false;
  n.may_have_restarted = false;
  return true;
}

// Adds or removes `neigh` in n's advertised set; true when it changed.
bool Cluster::set_adjacency(Node& n, int32_t neigh, bool up) {
  auto it = std::find(n.adjacency.begin(), n.adjacency.end(), neigh);
  if (up == (it != n.adjacency.end())) return false;
  if (up)
    n.adjacency.insert(n.adjacency.begin(), neigh);
  else
    n.adjacency.erase(it);
  mark_dirty();
  return true;
}

Node& Cluster::add_node(const NodeInfo& info) {
  assert(!find(info.node_id) && info.node_id != local_.node_id);
  Node n;
  n.info = info;
  n.ip = url_host(info.url).value_or("");
  n.added = ++added_counter_;
  nodes_.push_back(std::move(n));
  mark_dirty();
  return nodes_.back();
}

void Cluster::erase_node(Now now, int32_t node_id) {
  Node* n = find(node_id);
  if (!n) return;
  if (n->link == LinkState::kUp) set_link(now, *n, LinkState::kDown, false);
  if (n->reported_up) {
    n->reported_up = false;
    engine_->node_event(now, id_, node_id, false);
  }
  for (auto& other : nodes_) set_adjacency(other, node_id, false);
  nodes_.erase(std::find_if(nodes_.begin(), nodes_.end(),
                            [&](const Node& x) { return x.info.node_id == node_id; }));
  mark_dirty();
  engine_->events_.push_back(NodeRemoved{id_, node_id});
}

// ---------------------------------------------------------------- sending

void Cluster::send_ls_update(Now now, int32_t neigh_id, bool up) {
  std::vector<Node*> dsts;
  for (int32_t id : local_neighbours_)
    if (id != neigh_id)
      if (Node* d = find(id)) dsts.push_back(d);
  if (dsts.empty()) return;  // nothing sent, no seq consumed
  wire::LsUpdate m{++ls_seq_, unix32(now), neigh_id, up ? wire::kWireLinkUp : wire::kWireLinkDown,
                   {local_.node_id}};
  for (Node* d : dsts) emit(*d, m);
}

void Cluster::send_full_top(Now now, Node& dst) {
  wire::FullTopUpdate m;
  m.seq_no = ++top_seq_;
  m.timestamp = unix32(now);
  // Entry 0 is ourselves: our own LS seq (timestamp never recorded, so 0,
  // as OpenSIPS sends it) and our Up links, the destination included.
  m.entries.push_back(wire::FullTopEntry{local_.node_id, std::nullopt, ls_seq_, 0,
                                         local_neighbours_});
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    const Node& n = *it;
    if (n.info.node_id == dst.info.node_id) continue;
    wire::FullTopEntry e{n.info.node_id, std::nullopt, n.ls.seq, n.ls.ts, n.adjacency};
    if (!contains(dst.pong_list, n.info.node_id))
      e.descr = wire::NodeDescr{n.info.url, n.info.sip_addr, n.info.priority,
                                n.info.no_ping_retries};
    m.entries.push_back(std::move(e));
  }
  m.path = {local_.node_id};
  emit(dst, m);
}

std::vector<wire::CapBlock> Cluster::cap_blocks(int32_t exclude_node) const {
  std::vector<wire::CapBlock> blocks;
  wire::CapBlock mine{local_.node_id, CapOps::local_states(*engine_, id_)};
  if (!mine.caps.empty()) blocks.push_back(std::move(mine));
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    if (it->info.node_id == exclude_node || it->caps.empty()) continue;
    // What we knew of a node that was lost may be from an older life.
    if (!CapOps::advertisable(*engine_, id_, it->info.node_id)) continue;
    wire::CapBlock b{it->info.node_id, {}};
    for (const auto& c : it->caps) b.caps.push_back(wire::CapState{c.name, c.state});
    blocks.push_back(std::move(b));
  }
  return blocks;
}

void Cluster::send_cap_update(Now now, Node& dst, bool require_reply) {
  auto blocks = cap_blocks(dst.info.node_id);
  // Skipped when neither we nor any node we know has capabilities.
  bool any = !blocks.empty();
  for (const auto& n : nodes_) any = any || !n.caps.empty();
  if (!any) return;
  wire::CapUpdate m{++cap_seq_, unix32(now), std::move(blocks), require_reply ? 1 : 0,
                    {local_.node_id}};
  emit(dst, m);
}

// Re-floods an accepted update to every Up neighbour not yet in its path.
void Cluster::flood(Now, const wire::InternalMessage& m, const wire::Path& path) {
  if (static_cast<int32_t>(path.size()) > wire::kMaxFloodPathLen) return;
  wire::InternalMessage copy = m;
  wire::Path new_path = path;
  new_path.push_back(local_.node_id);
  std::visit(
      [&](auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (requires { body.path; }) body.path = new_path;
        if constexpr (std::is_same_v<T, wire::CapUpdate>) body.require_reply = 0;
      },
      copy.body);
  const wire::Bytes bytes = wire::encode(copy);
  if (bytes.empty()) return;  // cannot grow past a BIN packet
  for (int32_t id : local_neighbours_) {
    if (contains(path, id)) continue;
    const Node* d = find(id);
    if (!d) continue;
    engine_->transmits_.push_back(Transmit{id, d->info.url, 0, bytes, id_});
  }
}

// ---------------------------------------------------------------- receiving

void Cluster::handle_ls_update(Now now, Node& origin, const wire::LsUpdate& m) {
  if (!accept_own(origin, origin.ls, m.seq_no, m.timestamp)) return;
  const bool up = m.new_state != wire::kWireLinkDown;
  if (m.neigh_id == local_.node_id) {
    // The originator's view of our common link disagrees with ours: re-probe.
    if ((up && origin.link == LinkState::kDown) || (!up && origin.link == LinkState::kUp))
      restart_pinging(now, origin);
  } else {
    if (!find(m.neigh_id)) return;  // unknown neighbour: dropped, not flooded
    set_adjacency(origin, m.neigh_id, up);
  }
  flood(now, wire::InternalMessage{id_, origin.info.node_id, m, wire::kBinVersion}, m.path);
}

void Cluster::handle_full_top(Now now, Node& origin, const wire::FullTopUpdate& m) {
  const bool restarted = m.seq_no < origin.top.seq;
  if (!accept_own(origin, origin.top, m.seq_no, m.timestamp)) return;
  const int32_t o = origin.info.node_id;

  // Unknown nodes described anywhere in the update are learned first, so
  // that neighbour lists naming them can be applied in the same pass.
  if (!engine_->cfg_.db_mode) {
    for (const auto& e : m.entries) {
      if (!e.descr || e.node_id == local_.node_id || e.node_id < 1 || find(e.node_id)) continue;
      if (!url_host(e.descr->url)) continue;
      NodeInfo info;
      info.node_id = e.node_id;
      info.url = e.descr->url;
      info.sip_addr = e.descr->sip_addr;
      info.priority = e.descr->priority;
      info.no_ping_retries = e.descr->no_ping_retries;
      add_node(info);
      engine_->events_.push_back(NodeAdded{id_, info.node_id, info.url});
    }
  }

  for (std::size_t i = 0; i < m.entries.size(); ++i) {
    const auto& e = m.entries[i];
    if (e.node_id == local_.node_id) continue;
    Node* x = find(e.node_id);
    if (!x) continue;
    if (i == 0) {
      // OpenSIPS trusts entry 0 blindly, to resync after the originator's
      // restart. A flooded copy can arrive after the originator's later
      // LS_UPDATEs, though; applying that older snapshot would undo them.
      if (!restarted && e.ls_seq_no < x->ls.seq && m.timestamp <= x->ls.ts) continue;
      // Its timestamp is always 0 (OpenSIPS never records its own), so the
      // update's own timestamp stands in for it: every LS update up to this
      // seq was created before this FULL_TOP_UPDATE, so an older seq-0 copy
      // still travelling is then recognised as stale.
      x->ls = SeqStamp{e.ls_seq_no, std::max({x->ls.ts, e.ls_timestamp, m.timestamp})};
    } else if (!accept_update(x->ls, e.ls_seq_no, e.ls_timestamp)) {
      continue;
    }
    for (int32_t y : e.neighbours) {
      if (y == local_.node_id) {
        if (x->link == LinkState::kDown && x->info.enabled) restart_pinging(now, *x);
      } else if (y != x->info.node_id && find(y)) {
        set_adjacency(*x, y, true);
      }
    }
    // Links not listed are gone, except towards the originator, whose view
    // of links towards itself is incomplete (it never lists them). For that
    // one link its own fresh entry 0 speaks instead: a node it no longer
    // links to is taken not to link to it either, or a link cut on both
    // sides would live on here as a phantom.
    std::vector<int32_t> drop;
    for (int32_t y : x->adjacency)
      if (y != o ? !contains(e.neighbours, y) : i > 0 && !contains(origin.adjacency, x->info.node_id))
        drop.push_back(y);
    for (int32_t y : drop) set_adjacency(*x, y, false);
  }
  flood(now, wire::InternalMessage{id_, o, m, wire::kBinVersion}, m.path);
}

void Cluster::handle_unknown_id(Now now, Node& n) {
  wire::NodeDescription d{wire::NodeDescr{local_.url, local_.sip_addr, local_.priority,
                                          local_.no_ping_retries},
                          {local_.node_id}};
  emit(n, d);
  restart_pinging(now, n);
}

void Cluster::handle_cap_update(Now now, Node& origin, const wire::CapUpdate& m) {
  if (!accept_own(origin, origin.cap, m.seq_no, m.timestamp)) return;
  for (const auto& b : m.blocks) {
    if (b.node_id == local_.node_id) continue;
    Node* n = find(b.node_id);
    if (!n) return;  // unknown node: processing aborted, not flooded
    for (const auto& c : b.caps) {
      auto it = std::find_if(n->caps.begin(), n->caps.end(),
                             [&](const RemoteCap& rc) { return rc.name == c.name; });
      if (it == n->caps.end())
        n->caps.push_back(RemoteCap{c.name, c.state});
      else
        it->state = c.state;
    }
  }
  CapOps::update_received(*engine_, now, *this, m);  // queued sync requests (§9.3 step 3)
  if (m.require_reply) send_cap_update(now, origin, false);
  flood(now, wire::InternalMessage{id_, origin.info.node_id, m, wire::kBinVersion}, m.path);
}

// Packets from a node id we do not know (bin_rcv_cl_packets step 3).
void Cluster::handle_unknown_source(Now now, const PeerAddr& from,
                                    const wire::InternalMessage& m) {
  if (engine_->cfg_.db_mode) return;
  if (std::holds_alternative<wire::Ping>(m.body)) {
    wire::InternalMessage reply{id_, local_.node_id, wire::UnknownId{}, wire::kBinVersion};
    engine_->transmits_.push_back(Transmit{0, "", from.conn_id, wire::encode(reply), id_});
    return;
  }
  const auto* d = std::get_if<wire::NodeDescription>(&m.body);
  if (!d || m.src_node_id < 1 || !url_host(d->descr.url)) return;
  NodeInfo info;
  info.node_id = m.src_node_id;
  info.url = d->descr.url;
  info.sip_addr = d->descr.sip_addr;
  info.priority = d->descr.priority;
  info.no_ping_retries = d->descr.no_ping_retries;
  add_node(info);
  engine_->events_.push_back(NodeAdded{id_, info.node_id, info.url});
  flood(now, m, d->path);
}

void Cluster::on_internal(Now now, const PeerAddr& from, const wire::InternalMessage& m) {
  if (!local_.enabled) return;
  Node* n = find(m.src_node_id);
  if (!n) {
    handle_unknown_source(now, from, m);
    return;
  }
  if (!ip_known(from.ip)) {
    engine_->diagnostic("cluster " + std::to_string(id_) + ": packet from node " +
                       std::to_string(m.src_node_id) + " came from unknown IP " + from.ip);
    return;
  }
  const bool is_pong = std::holds_alternative<wire::Pong>(m.body);
  if (!is_pong) {
    n->last_recv_ms = now.mono_ms;
    n->ever_received = true;
  }
  if (!n->info.enabled) return;
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, wire::Ping>) handle_ping(now, from, *n, body);
        else if constexpr (std::is_same_v<T, wire::Pong>) handle_pong(now, *n, body);
        else if constexpr (std::is_same_v<T, wire::LsUpdate>) handle_ls_update(now, *n, body);
        else if constexpr (std::is_same_v<T, wire::FullTopUpdate>) handle_full_top(now, *n, body);
        else if constexpr (std::is_same_v<T, wire::UnknownId>) handle_unknown_id(now, *n);
        else if constexpr (std::is_same_v<T, wire::CapUpdate>) handle_cap_update(now, *n, body);
        // NODE_DESCRIPTION from a known source is dropped.
      },
      m.body);
}

}  // namespace lc::core
