// A clusterd child process for the real-process tests: its MI socket and log
// in the test's directory, the test timers (ping_interval 1 s, ping_timeout
// 500 ms, node_timeout 3 s), debug logs unless the flags set --log_level,
// and nodectl to drive it. The callers add what makes the node theirs
// (db_mode 0 with static neighbours, db_mode 1 with a database, the kv
// keys...). Shared by cluster_test.cc, db_mode_test.cc, kv_test.cc and the
// nodectl kv tests.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace lc::itest {

using Json = nlohmann::ordered_json;

class NodeProcess {
 public:
  // `flags`: the clusterd flags beyond the common ones; starts the node.
  NodeProcess(std::string dir, int id, std::vector<std::string> flags);
  virtual ~NodeProcess() = default;
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // (Re)starts clusterd with the same flags and waits (at most 3 s) until
  // its MI socket exists or it has exited. A stale socket of a killed run is
  // removed first, so the wait is for the new process. Time a restart from
  // before this call: the wait is part of the node's start-up.
  void start();

  int id() const { return id_; }
  std::string socket() const;
  std::string log_path() const;
  std::string log() const;
  Process& proc() { return *proc_; }

  // nodectl -s SOCKET -o OUTPUT ARGS...
  RunResult ctl(std::vector<std::string> args, const std::string& output = "json");
  // node id -> clusterer_list entry of `cluster`; empty if the call failed.
  std::map<int, Json> nodes(int cluster = 1);
  // A string field of that entry ("" if absent), e.g. link_state.
  std::string field(int node, const std::string& key, int cluster = 1);

 private:
  std::string dir_;
  int id_;
  std::vector<std::string> flags_;
  std::unique_ptr<Process> proc_;
};

// db_mode 0 flags of a node of `cluster_id` listening on HOST:PORT, with
// static neighbours (node id, port this node uses to reach it, same host).
// `my_flags` is the my_node_info flags property ("seed" or empty).
struct StaticNode {
  int cluster_id = 1;
  std::string host = "127.0.0.1";  // or "[::1]"
  uint16_t port = 0;
  std::vector<std::pair<int, uint16_t>> peers;
  std::string my_flags;
};
std::string bin_url(const std::string& host, uint16_t port);
std::vector<std::string> static_node_flags(const StaticNode& n);

}  // namespace lc::itest
