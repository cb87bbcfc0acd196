// Drives one Engine by hand: explicit time, packets in, everything it wants
// to send and every event it raised out.
#pragma once

#include <string>
#include <vector>

#include "libcluster/core/engine.h"
#include "libcluster/wire/codec.h"

namespace lc::core::test {

// Scenario "two"/"three" of the captures: ping 1 s, timeout 500 ms,
// node_timeout 3 s, db_mode 0, script priority 3.
Config capture_config(int32_t my_id);
NodeInfo script_node(int32_t id);  // url bin:127.0.0.1:1700<id>
ClusterSpec cluster_of(int32_t cluster_id, int32_t my_id, std::vector<int32_t> peers);

struct Output {
  std::vector<Transmit> tx;
  std::vector<Event> events;

  // Transmits to one node, decoded.
  std::vector<wire::Packet> to(int32_t node_id) const;
  std::vector<NodeStateChanged> node_events() const;
  template <class T>
  std::vector<T> events_of() const {
    std::vector<T> out;
    for (const auto& e : events)
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }
};

class Harness {
 public:
  Harness(Config cfg, std::vector<ClusterSpec> clusters, int64_t start_ms = 0);

  Now at(int64_t ms) const { return Now{ms, unix_base_ + ms / 1000}; }
  void set_unix_base(int64_t s) { unix_base_ = s; }

  Output tick(int64_t ms);
  Output packet(int64_t ms, const wire::Bytes& bytes, std::string ip = "127.0.0.1",
                uint64_t conn = 7);
  Output packet(int64_t ms, const wire::Packet& p, std::string ip = "127.0.0.1",
                uint64_t conn = 7) {
    return packet(ms, wire::encode(p), std::move(ip), conn);
  }
  Output drain();

  Engine& engine() { return engine_; }
  LinkState link(int32_t cluster, int32_t node) const;

 private:
  Engine engine_;
  int64_t unix_base_ = 1'700'000'000;
};

wire::Bytes hex(std::string_view h);

}  // namespace lc::core::test
