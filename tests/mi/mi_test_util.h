// A fake mi::Context over the core test harness, a node-1-of-3 fixture
// shaped like the captured OpenSIPS cluster, and the capture file reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "engine_harness.h"
#include "libcluster/mi/context.h"
#include "libcluster/mi/registry.h"

namespace lc::mi::test {

class FakeContext : public Context {
 public:
  explicit FakeContext(core::test::Harness& h) : h_(h) {}

  core::Engine& engine() override { return h_.engine(); }
  core::Now now() override { return h_.at(now_ms); }
  bool enable_stats() override { return stats_enabled; }
  std::string new_tag(int32_t cluster_id) override;
  void reload(ReloadDone done) override;
  void store_node_state(int32_t cluster_id, int32_t node_id, bool enabled) override {
    stored.emplace_back(cluster_id, node_id, enabled);
  }
  void log(LogLevel, std::string_view text) override { logs.emplace_back(text); }
  int log_level() override { return level; }
  void set_log_level(int l) override { level = l; }
  int64_t process_id() override { return 4242; }

  int64_t now_ms = 100;
  int level = 3;
  bool stats_enabled = true;
  uint32_t next_random = 0;  // the tag "random" source counts up
  int reloads = 0;
  std::optional<MiError> reload_error;
  // When set, reload() keeps `done` here instead of answering (the node's
  // database read in flight); the test answers later.
  bool defer_reload = false;
  ReloadDone pending_reload;
  std::vector<std::tuple<int32_t, int32_t, bool>> stored;
  std::vector<std::string> logs;

 private:
  core::test::Harness& h_;
};

// A registry, a harness and a fake context; rpc() runs one request body
// and returns the compact reply ("" for no reply).
class Node {
 public:
  Node(core::Config cfg, std::vector<core::ClusterSpec> clusters, int64_t unix_base = 1'700'000'000);
  Node(const Node&) = delete;  // ctx refers to h
  Node& operator=(const Node&) = delete;

  std::string rpc(std::string_view body);
  // rpc() of {"jsonrpc":"2.0","method":M,"params":P,"id":1}.
  std::string call(std::string_view method, const Json& params = nullptr);
  Reply reply(std::string_view body);

  core::test::Harness h;
  FakeContext ctx{h};
  Registry registry = make_clusterer_registry();
};

// The capture's node 1: peers 2 and 3 with the captured URLs, both links
// Up at unix 1795619215, each peer advertising the other.
std::unique_ptr<Node> node1_of_capture();
// Runs the heartbeat from `from_ms` to `until_ms`, answering only node 2's
// pings: node 3 is dead.
void keep_only_node2_alive(Node& n, int64_t from_ms, int64_t until_ms);

wire::Bytes pong(int32_t cluster, int32_t src);
wire::Bytes ls_update(int32_t cluster, int32_t src, int32_t seq, int32_t neigh, bool up);

// One "> request" / "< reply" pair of a capture file, with the "# ..."
// comment above it.
struct CapturedCall {
  int line_no = 0;
  std::string comment;
  std::string request;
  std::string reply;
};
std::vector<CapturedCall> captured_calls(const std::string& file_name);

// An error reply as the envelope prints it.
std::string error_reply(int code, std::string_view message, Json id = 1);

}  // namespace lc::mi::test
