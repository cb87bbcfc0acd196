// The MI context of a running node: the engine on the runtime's loop, the
// wall clock, the random source for request tags, and reload.
#pragma once

#include <functional>
#include <optional>
#include <random>

#include "libcluster/mi/context.h"
#include "libcluster/runtime/runtime.h"

namespace lc::node {

class NodeContext : public mi::Context {
 public:
  // db_mode=1 only (empty otherwise): clusterer_reload, and the state
  // write-back after clusterer_set_status.
  struct DbHooks {
    std::function<void(ReloadDone)> reload;
    std::function<void(int32_t cluster_id, int32_t node_id, bool enabled)> store_state;
  };

  NodeContext(runtime::Runtime& rt, bool enable_stats, DbHooks db, kv::Kv* cache);

  core::Engine& engine() override { return rt_.engine(); }
  core::Now now() override { return rt_.now(); }
  bool enable_stats() override { return enable_stats_; }
  std::string new_tag(int32_t cluster_id) override;
  void reload(ReloadDone done) override;
  void store_node_state(int32_t cluster_id, int32_t node_id, bool enabled) override;
  void log(mi::LogLevel level, std::string_view text) override;
  int log_level() override;
  void set_log_level(int level) override;
  int64_t process_id() override;
  kv::Kv* kv() override { return cache_; }

 private:
  runtime::Runtime& rt_;
  bool enable_stats_;
  DbHooks db_;
  kv::Kv* cache_;  // the node's cache, owned by its KvService
  std::optional<int> opensips_level_;  // set by log_level; until then read from spdlog
  std::mt19937 rng_;  // seeded from std::random_device; tags need no crypto
};

}  // namespace lc::node
