#include "libcluster/core/engine.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <set>

#include "cap_ops.h"
#include "cluster.h"
#include "libcluster/wire/codec.h"

namespace lc::core {

namespace {

constexpr std::size_t kMaxClusters = 64;
constexpr std::size_t kMaxNodesPerCluster = 128;

std::string node_context(int32_t cluster_id, int32_t node_id) {
  return "cluster " + std::to_string(cluster_id) + ", node " + std::to_string(node_id);
}

}  // namespace

std::string_view link_state_label(LinkState s) {
  switch (s) {
    case LinkState::kUp: return "Up";
    case LinkState::kDown: return "Down";
    default: return "Probe";
  }
}

std::string_view link_state_name(LinkState s) {
  switch (s) {
    case LinkState::kUp: return "LS_UP";
    case LinkState::kDown: return "LS_DOWN";
    case LinkState::kRetrySendFail: return "LS_RETRY_SEND_FAIL";
    case LinkState::kRestartPinging: return "LS_RESTART_PINGING";
    case LinkState::kRestarted: return "LS_RESTARTED";
    case LinkState::kRetrying: return "LS_RETRYING";
    case LinkState::kTemp: return "LS_TEMP";
  }
  return "LS_UNKNOWN";
}

std::string_view send_result_name(SendResult r) {
  switch (r) {
    case SendResult::kSuccess: return "success";
    case SendResult::kCurrDisabled: return "local node disabled";
    case SendResult::kDestDown: return "destination down";
    case SendResult::kError: return "error";
  }
  return "unknown";
}

std::optional<std::string> Engine::validate(const Config& cfg,
                                            const std::vector<ClusterSpec>& clusters) {
  if (cfg.my_node_id < 1) return "my_node_id must be >= 1, got " + std::to_string(cfg.my_node_id);
  if (cfg.ping_interval_s < 1) return "ping_interval must be >= 1 s";
  if (cfg.ping_timeout_ms < 1) return "ping_timeout must be >= 1 ms";
  if (cfg.node_timeout_s < 0) return "node_timeout must be >= 0 s";
  if (clusters.size() > kMaxClusters)
    return "at most " + std::to_string(kMaxClusters) + " clusters, got " +
           std::to_string(clusters.size());
  std::set<int32_t> cluster_ids;
  for (const auto& c : clusters) {
    const std::string where = "cluster " + std::to_string(c.cluster_id);
    if (c.cluster_id < 1) return where + ": cluster_id must be >= 1";
    if (!cluster_ids.insert(c.cluster_id).second) return where + ": defined twice";
    if (c.local.node_id != 0 && c.local.node_id != cfg.my_node_id)
      return where + ": local node_id " + std::to_string(c.local.node_id) +
             " differs from my_node_id " + std::to_string(cfg.my_node_id);
    if (!url_host(c.local.url)) return where + ": bad local url '" + c.local.url + "'";
    if (c.nodes.size() + 1 > kMaxNodesPerCluster)
      return where + ": more than " + std::to_string(kMaxNodesPerCluster) + " nodes";
    std::set<int32_t> node_ids;
    for (const auto& n : c.nodes) {
      const std::string ctx = node_context(c.cluster_id, n.node_id);
      if (n.node_id < 1) return ctx + ": node_id must be >= 1";
      if (n.node_id == cfg.my_node_id) return ctx + ": is the local node id";
      if (!node_ids.insert(n.node_id).second) return ctx + ": defined twice";
      if (!url_host(n.url)) return ctx + ": bad url '" + n.url + "'";
      if (n.no_ping_retries < 0) return ctx + ": no_ping_retries must be >= 0";
    }
  }
  return std::nullopt;
}

Engine::Engine(Config cfg, std::vector<ClusterSpec> clusters, Now now) : cfg_(std::move(cfg)) {
  assert(!validate(cfg_, clusters));
  // The heartbeat runs at the gcd of the three timers, as in OpenSIPS.
  int64_t period = std::gcd(std::gcd(int64_t{cfg_.ping_interval_s} * 1000,
                                     int64_t{cfg_.ping_timeout_ms}),
                            int64_t{cfg_.node_timeout_s} * 1000);
  heartbeat_period_ms_ = std::max<int64_t>(period, 1);
  next_heartbeat_ms_ = now.mono_ms;  // the first tick probes every node at once
  for (const auto& spec : clusters) clusters_.push_back(std::make_unique<Cluster>(*this, spec));
}

Engine::~Engine() = default;
// Clusters point back at their engine, so a move re-points them.
Engine::Engine(Engine&& other) noexcept { *this = std::move(other); }

Engine& Engine::operator=(Engine&& other) noexcept {
  cfg_ = std::move(other.cfg_);
  heartbeat_period_ms_ = other.heartbeat_period_ms_;
  next_heartbeat_ms_ = other.next_heartbeat_ms_;
  clusters_ = std::move(other.clusters_);
  transmits_ = std::move(other.transmits_);
  events_ = std::move(other.events_);
  node_states_ = std::move(other.node_states_);
  modules_ = std::move(other.modules_);
  shtags_ = std::move(other.shtags_);
  caps_ = std::move(other.caps_);
  for (auto& c : clusters_) c->rebind(*this);
  return *this;
}

Cluster* Engine::find(int32_t cluster_id) {
  for (auto& c : clusters_)
    if (c->id() == cluster_id) return c.get();
  return nullptr;
}

const Cluster* Engine::find(int32_t cluster_id) const {
  return const_cast<Engine*>(this)->find(cluster_id);
}

bool Engine::module_in_cluster(const std::string& name, int32_t cluster_id) const {
  auto it = modules_.find(name);
  if (it == modules_.end()) return false;
  const auto& ids = it->second.cluster_ids;
  return std::find(ids.begin(), ids.end(), cluster_id) != ids.end();
}

void Engine::diagnostic(std::string text) {
  if (events_.size() >= kMaxQueuedDiagnostics) return;
  events_.push_back(Diagnostic{Diagnostic::Level::kDebug, std::move(text)});
}

void Engine::node_event(Now now, int32_t cluster_id, int32_t node_id, bool up) {
  // The capabilities' side first (§11): queued requests, NODE_UP/DOWN.
  CapOps::node_event(*this, now, cluster_id, node_id, up);
  events_.push_back(NodeStateChanged{cluster_id, node_id, up});
  node_states_.add(now.unix_s, "Node [" + std::to_string(node_id) + "], cluster [" +
                                   std::to_string(cluster_id) + "] is " + (up ? "UP" : "DOWN"));
  if (up) shtag_flush(now, cluster_id, node_id);  // pending sharing-tag announcements (§B.5)
}

void Engine::settle(Now now) {
  for (auto& c : clusters_) c->settle(now);
  shtag_failover(now);  // sees the reachability just computed
}

// ---------------------------------------------------------------- inputs

void Engine::on_packet(Now now, const PeerAddr& from, std::span<const uint8_t> packet) {
  auto decoded = wire::decode(packet);
  if (!decoded) {
    diagnostic("dropped packet from " + from.ip + ": " + decoded.error().to_string());
    return;
  }
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, wire::InternalMessage>) {
          if (m.src_node_id == cfg_.my_node_id) return;  // our own id: misconfiguration
          if (Cluster* c = find(m.cluster_id)) c->on_internal(now, from, m);
        } else {
          const wire::Trailer& t = m.trailer;
          if (t.src_node_id == cfg_.my_node_id) return;
          Cluster* c = find(t.cluster_id);
          if (!c) return;
          if constexpr (std::is_same_v<T, wire::ExtraMessage>) {
            c->on_extra(now, from, m, packet);
          } else {
            auto it = modules_.find(m.capability);
            const bool registered = module_in_cluster(m.capability, t.cluster_id);
            const bool auth = it == modules_.end() || it->second.auth_check;
            c->on_module(now, from, m, packet, auth, registered);
          }
        }
      },
      *decoded);
  settle(now);
}

void Engine::on_tick(Now now) {
  CapOps::tick(*this, now);  // the sync check, on its own 500 ms period
  if (now.mono_ms < next_heartbeat_ms_) return;
  for (auto& c : clusters_) c->heartbeat(now);
  // Stay on the tick grid; ticks missed while the driver was late collapse
  // into this one (OpenSIPS delays a late run rather than repeating it).
  const int64_t behind = (now.mono_ms - next_heartbeat_ms_) / heartbeat_period_ms_;
  next_heartbeat_ms_ += (behind + 1) * heartbeat_period_ms_;
  settle(now);
}

void Engine::on_connection_reset(Now now, int32_t node_id) {
  CapOps::link_trouble(*this, node_id);  // syncs from or through it may miss data
  for (auto& c : clusters_) c->on_connection_reset(now, node_id);
  settle(now);
}

void Engine::on_send_failed(Now now, int32_t node_id) {
  CapOps::link_trouble(*this, node_id);
  for (auto& c : clusters_) c->on_send_failed(now, node_id);
  settle(now);
}

int64_t Engine::next_deadline_ms() const {
  return std::min(next_heartbeat_ms_, CapOps::deadline_ms(*this));
}

std::optional<Transmit> Engine::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  Transmit t = std::move(transmits_.front());
  transmits_.pop_front();
  return t;
}

std::optional<Event> Engine::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

// ---------------------------------------------------------------- commands

CommandResult Engine::set_status(Now now, int32_t cluster_id, int32_t node_id, bool enabled) {
  Cluster* c = find(cluster_id);
  if (!c) return CommandResult::kUnknownCluster;
  CommandResult r = c->set_status(now, node_id, enabled);
  settle(now);
  return r;
}

CommandResult Engine::remove_node(Now now, int32_t cluster_id, int32_t node_id) {
  if (cfg_.db_mode) return CommandResult::kNotAllowed;
  Cluster* c = find(cluster_id);
  if (!c) return CommandResult::kUnknownCluster;
  CommandResult r = c->remove_node(now, node_id);
  settle(now);
  return r;
}

SendResult Engine::send_generic(Now now, int32_t cluster_id, int32_t dst_id, bool request,
                                const std::string& tag, const std::string& msg) {
  Cluster* c = find(cluster_id);
  if (!c) return SendResult::kError;
  if (!c->local_enabled()) return SendResult::kCurrDisabled;
  if (dst_id == cfg_.my_node_id) {
    // Delivered locally, never sent.
    events_.push_back(GenericReceived{cluster_id, cfg_.my_node_id, request, msg, tag});
    return SendResult::kSuccess;
  }
  SendResult r = c->send_extra(now, dst_id, wire::GenericMsg{request ? 1 : 0, tag, msg});
  settle(now);
  return r;
}

SendResult Engine::broadcast_generic(Now now, int32_t cluster_id, const std::string& tag,
                                     const std::string& msg, bool include_self) {
  Cluster* c = find(cluster_id);
  if (!c) return SendResult::kError;
  SendResult r = c->broadcast_extra(now, wire::GenericMsg{1, tag, msg}, NodeMatch::kAny);
  if (include_self && r != SendResult::kCurrDisabled)
    events_.push_back(GenericReceived{cluster_id, cfg_.my_node_id, true, msg, tag});
  settle(now);
  return r;
}

SendResult Engine::send_mi(Now now, int32_t cluster_id, int32_t dst_id, const std::string& cmd,
                           const std::vector<std::string>& params) {
  Cluster* c = find(cluster_id);
  if (!c || params.size() > static_cast<std::size_t>(wire::kMaxMiParams)) return SendResult::kError;
  SendResult r = c->send_extra(now, dst_id, wire::MiCmd{cmd, params});
  settle(now);
  return r;
}

SendResult Engine::broadcast_mi(Now now, int32_t cluster_id, const std::string& cmd,
                                const std::vector<std::string>& params) {
  Cluster* c = find(cluster_id);
  if (!c || params.size() > static_cast<std::size_t>(wire::kMaxMiParams)) return SendResult::kError;
  SendResult r = c->broadcast_extra(now, wire::MiCmd{cmd, params}, NodeMatch::kAny);
  settle(now);
  return r;
}

// ---------------------------------------------------------------- developers' API

bool Engine::register_module(const std::string& name, const std::vector<int32_t>& cluster_ids,
                             bool auth_check) {
  if (name.empty() || name.size() > 0xFFFF || modules_.contains(name) || cluster_ids.empty())
    return false;
  if (name == wire::kCapInternal || name == wire::kCapExtra) return false;
  for (int32_t id : cluster_ids)
    if (!find(id)) return false;
  if (caps_.size() + cluster_ids.size() > CapTable::kMaxCapabilities) return false;
  // A plain capability in each cluster: synced from the start.
  for (int32_t id : cluster_ids) {
    if (caps_.find(id, name)) continue;  // the id listed twice
    [[maybe_unused]] LocalCap* added =
        caps_.add(CapabilitySpec{name, id, false, NodeMatch::kAny, auth_check});
    assert(added);  // the name is new and there is room
  }
  modules_.emplace(name, Module{cluster_ids, auth_check});
  return true;
}

// The cluster and registered capability a module packet may be sent with,
// or nothing: unknown cluster, malformed or too large packet, a clusterer
// capability, or a capability not registered in that cluster.
Cluster* Engine::module_cluster(int32_t cluster_id, std::span<const uint8_t> packet) {
  Cluster* c = find(cluster_id);
  if (!c || packet.size() + 12 > wire::kMaxPacketSize) return nullptr;
  auto h = wire::decode_module_header(packet);
  if (!h || h->capability == wire::kCapInternal || h->capability == wire::kCapExtra ||
      !module_in_cluster(h->capability, cluster_id))
    return nullptr;
  return c;
}

SendResult Engine::send_to(Now now, int32_t cluster_id, int32_t node_id,
                           std::span<const uint8_t> packet) {
  Cluster* c = module_cluster(cluster_id, packet);
  if (!c) return SendResult::kError;
  if (CapOps::muted(*this, cluster_id, packet)) return SendResult::kSuccess;  // disabled (§10)
  SendResult r = c->send_module(now, node_id, packet);
  settle(now);
  return r;
}

SendResult Engine::send_all(Now now, int32_t cluster_id, std::span<const uint8_t> packet) {
  return send_all_having(now, cluster_id, packet, NodeMatch::kAny);
}

SendResult Engine::send_all_having(Now now, int32_t cluster_id, std::span<const uint8_t> packet,
                                   NodeMatch match) {
  Cluster* c = module_cluster(cluster_id, packet);
  if (!c) return SendResult::kError;
  if (CapOps::muted(*this, cluster_id, packet)) return SendResult::kSuccess;  // disabled (§10)
  SendResult r = c->broadcast_module(now, packet, match);
  settle(now);
  return r;
}

int32_t Engine::my_id() const { return cfg_.my_node_id; }

std::optional<std::vector<NodeView>> Engine::get_nodes(int32_t cluster_id) const {
  const Cluster* c = find(cluster_id);
  if (!c) return std::nullopt;
  std::vector<NodeView> out;
  for (auto it = c->nodes().rbegin(); it != c->nodes().rend(); ++it)
    if (c->reachable(it->info.node_id)) out.push_back(c->view(*it));
  return out;
}

std::optional<NodeView> Engine::get_next_hop(int32_t cluster_id, int32_t node_id) const {
  const Cluster* c = find(cluster_id);
  if (!c) return std::nullopt;
  auto hop = c->next_hop(node_id);
  if (!hop) return std::nullopt;
  const Node* n = c->find(*hop);
  assert(n);
  return c->view(*n);
}

bool Engine::check_addr(int32_t cluster_id, std::string_view ip, AddrType type) const {
  const Cluster* c = find(cluster_id);
  if (!c) return false;
  for (const auto& n : c->nodes()) {
    if (type == AddrType::kBin) {
      if (n.ip == ip) return true;
    } else {
      const std::string& sip = n.info.sip_addr;
      if (!sip.empty() && std::string_view(sip).substr(0, sip.find(':')) == ip) return true;
    }
  }
  return false;
}

std::optional<std::string> Engine::my_sip_addr(int32_t cluster_id) const {
  const Cluster* c = find(cluster_id);
  if (!c) return std::nullopt;
  return c->local().sip_addr;
}

std::optional<std::string> Engine::local_url(int32_t cluster_id) const {
  const Cluster* c = find(cluster_id);
  if (!c) return std::nullopt;
  return c->local().url;
}

bool Engine::is_seed(int32_t cluster_id) const {
  const Cluster* c = find(cluster_id);
  return c && c->local().flags.starts_with("seed");
}

// ---------------------------------------------------------------- inspection

std::vector<int32_t> Engine::cluster_ids() const {
  std::vector<int32_t> ids;
  for (auto it = clusters_.rbegin(); it != clusters_.rend(); ++it) ids.push_back((*it)->id());
  return ids;
}

bool Engine::has_cluster(int32_t cluster_id) const { return find(cluster_id) != nullptr; }

std::vector<ClusterView> Engine::list() const {
  std::vector<ClusterView> out;
  for (auto it = clusters_.rbegin(); it != clusters_.rend(); ++it) {
    const Cluster& c = **it;
    ClusterView v{c.id(), c.local_enabled(), {}};
    for (auto n = c.nodes().rbegin(); n != c.nodes().rend(); ++n) v.nodes.push_back(c.view(*n));
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::pair<int32_t, std::vector<TopologyEntry>>> Engine::topology() const {
  std::vector<std::pair<int32_t, std::vector<TopologyEntry>>> out;
  for (auto it = clusters_.rbegin(); it != clusters_.rend(); ++it)
    out.emplace_back((*it)->id(), (*it)->topology());
  return out;
}

Stats Engine::stats() const {
  Stats s;
  for (const auto& c : clusters_) {
    s.nodes += static_cast<int64_t>(c->nodes().size());
    for (const auto& n : c->nodes()) s.nodes_up += n.link == LinkState::kUp ? 1 : 0;
  }
  return s;
}

}  // namespace lc::core
