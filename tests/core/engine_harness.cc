#include "engine_harness.h"

#include <cassert>
#include <stdexcept>

#include "wire_test_util.h"

namespace lc::core::test {

Config capture_config(int32_t my_id) {
  Config c;
  c.my_node_id = my_id;
  c.db_mode = false;
  c.ping_interval_s = 1;
  c.ping_timeout_ms = 500;
  c.node_timeout_s = 3;
  return c;
}

NodeInfo script_node(int32_t id) {
  NodeInfo n;
  n.node_id = id;
  n.url = "bin:127.0.0.1:1700" + std::to_string(id);
  return n;
}

ClusterSpec cluster_of(int32_t cluster_id, int32_t my_id, std::vector<int32_t> peers) {
  ClusterSpec s;
  s.cluster_id = cluster_id;
  s.local = script_node(my_id);
  for (int32_t p : peers) s.nodes.push_back(script_node(p));
  return s;
}

std::vector<wire::Packet> Output::to(int32_t node_id) const {
  std::vector<wire::Packet> out;
  for (const auto& t : tx) {
    if (t.node_id != node_id) continue;
    auto p = wire::decode(t.bytes);
    if (!p) throw std::runtime_error("engine sent an undecodable packet: " + p.error().to_string());
    out.push_back(*p);
  }
  return out;
}

std::vector<NodeStateChanged> Output::node_events() const { return events_of<NodeStateChanged>(); }

Harness::Harness(Config cfg, std::vector<ClusterSpec> clusters, int64_t start_ms)
    : engine_([&] {
        if (auto err = Engine::validate(cfg, clusters)) throw std::invalid_argument(*err);
        return Engine(cfg, clusters, Now{start_ms, 1'700'000'000 + start_ms / 1000});
      }()) {}

Output Harness::drain() {
  Output o;
  while (auto t = engine_.poll_transmit()) o.tx.push_back(std::move(*t));
  while (auto e = engine_.poll_event()) o.events.push_back(std::move(*e));
  return o;
}

Output Harness::tick(int64_t ms) {
  engine_.on_tick(at(ms));
  return drain();
}

Output Harness::packet(int64_t ms, const wire::Bytes& bytes, std::string ip, uint64_t conn) {
  engine_.on_packet(at(ms), PeerAddr{conn, std::move(ip)}, bytes);
  return drain();
}

LinkState Harness::link(int32_t cluster, int32_t node) const {
  for (const auto& c : engine_.list())
    if (c.cluster_id == cluster)
      for (const auto& n : c.nodes)
        if (n.node_id == node) return n.link_state;
  throw std::out_of_range("no such node");
}

wire::Bytes hex(std::string_view h) { return wire::test::from_hex(h); }

}  // namespace lc::core::test
