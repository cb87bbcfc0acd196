// Cluster bookkeeping: construction, queries, reachability events and the
// administrative commands (topology.md §6, §9).
#include "cluster.h"

#include <algorithm>
#include <cassert>

namespace lc::core {

Cluster::Cluster(Engine& engine, const ClusterSpec& spec)
    : engine_(&engine), id_(spec.cluster_id), local_(spec.local),
      local_ip_(url_host(spec.local.url).value_or("")) {
  local_.node_id = engine.cfg_.my_node_id;
  for (const auto& info : spec.nodes) add_node(info);
  for (auto& n : nodes_)
    if (!n.info.enabled) n.link = LinkState::kDown;
}

Node* Cluster::find(int32_t node_id) {
  for (auto& n : nodes_)
    if (n.info.node_id == node_id) return &n;
  return nullptr;
}

const Node* Cluster::find(int32_t node_id) const {
  return const_cast<Cluster*>(this)->find(node_id);
}

bool Cluster::ip_known(const std::string& ip) const {
  if (local_ip_ == ip) return true;
  return std::any_of(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.ip == ip; });
}

std::optional<int32_t> Cluster::next_hop(int32_t node_id) const {
  auto it = std::lower_bound(routes_.begin(), routes_.end(), node_id,
                             [](const Route& r, int32_t id) { return r.dst < id; });
  if (it == routes_.end() || it->dst != node_id) return std::nullopt;
  return it->next_hop;
}

// Recomputes the routing table when the graph changed, then raises an event
// for every node whose reachability differs from what was last announced.
void Cluster::settle(Now now) {
  if (dirty_) {
    dirty_ = false;
    routes_.clear();
    if (local_.enabled) {
      if (engine_->cfg_.enable_rerouting) {
        std::vector<GraphNode> graph;
        graph.reserve(nodes_.size() + 1);
        graph.push_back(GraphNode{local_.node_id, local_.priority, local_neighbours_});
        for (const auto& n : nodes_)
          graph.push_back(GraphNode{n.info.node_id, n.info.priority, n.adjacency});
        routes_ = compute_routes(graph);
      } else {
        // Rerouting off: direct Up links only (docs/decisions.md).
        for (int32_t id : local_neighbours_) routes_.push_back(Route{id, id, 1});
        std::sort(routes_.begin(), routes_.end(),
                  [](const Route& a, const Route& b) { return a.dst < b.dst; });
      }
    }
  }
  for (auto& n : nodes_) {
    const bool up = reachable(n.info.node_id);
    if (up == n.reported_up) continue;
    n.reported_up = up;
    if (!up) n.may_have_restarted = true;
    engine_->node_event(now, id_, n.info.node_id, up);
  }
}

NodeView Cluster::view(const Node& n) const {
  return NodeView{n.info.node_id, n.info.url,  n.info.sip_addr, n.info.priority,
                  n.info.flags,   n.info.description, n.info.db_id, n.info.enabled,
                  n.link,         next_hop(n.info.node_id)};
}

std::vector<TopologyEntry> Cluster::topology() const {
  std::vector<TopologyEntry> out;
  out.push_back(TopologyEntry{local_.node_id, local_neighbours_});
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    TopologyEntry e{it->info.node_id, it->adjacency};
    if (it->link == LinkState::kUp) e.neighbours.push_back(local_.node_id);
    out.push_back(std::move(e));
  }
  return out;
}

void Cluster::disable_local(Now now) {
  if (!local_.enabled) return;
  for (auto& n : nodes_) set_link(now, n, LinkState::kDown, false);
  local_.enabled = false;
  mark_dirty();
}

void Cluster::enable_local(Now now) {
  if (local_.enabled) return;
  local_.enabled = true;
  for (auto& n : nodes_)
    if (n.info.enabled) set_link(now, n, LinkState::kRestartPinging, false);
  mark_dirty();
}

CommandResult Cluster::set_status(Now now, int32_t node_id, bool enabled) {
  if (node_id == local_.node_id) {
    enabled ? enable_local(now) : disable_local(now);
    return CommandResult::kOk;
  }
  Node* n = find(node_id);
  if (!n) return CommandResult::kUnknownNode;
  if (n->info.enabled == enabled) return CommandResult::kOk;
  n->info.enabled = enabled;
  if (enabled) {
    set_link(now, *n, LinkState::kRestartPinging, true);
  } else {
    set_link(now, *n, LinkState::kDown, true);
    n->resync_on_pong = false;
  }
  return CommandResult::kOk;
}

CommandResult Cluster::remove_node(Now now, int32_t node_id) {
  if (engine_->cfg_.db_mode) return CommandResult::kNotAllowed;
  if (!find(node_id)) return CommandResult::kUnknownNode;
  // One routed copy per enabled node, the target included; failures are
  // only logged, as in OpenSIPS.
  SendResult r = broadcast_extra(now, wire::RemoveNode{node_id}, NodeMatch::kAny);
  if (r != SendResult::kSuccess)
    engine_->diagnostic("cluster " + std::to_string(id_) + ": REMOVE_NODE for node " +
                       std::to_string(node_id) + " not sent to every node (" +
                       std::string(send_result_name(r)) + ")");
  erase_node(now, node_id);
  return CommandResult::kOk;
}

}  // namespace lc::core
