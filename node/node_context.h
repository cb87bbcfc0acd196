// The MI context of a running node: the engine on the runtime's loop, the
// wall clock, the random source for request tags, and reload.
#pragma once

#include <functional>
#include <random>

#include "libcluster/mi/context.h"
#include "libcluster/runtime/runtime.h"

namespace lc::node {

class NodeContext : public mi::Context {
 public:
  using Reloader = std::function<std::optional<mi::MiError>()>;

  NodeContext(runtime::Runtime& rt, bool enable_stats, Reloader reload);

  core::Engine& engine() override { return rt_.engine(); }
  core::Now now() override { return rt_.now(); }
  bool enable_stats() override { return enable_stats_; }
  std::string new_tag(int32_t cluster_id) override;
  std::optional<mi::MiError> reload() override { return reload_(); }
  void log(mi::LogLevel level, std::string_view text) override;

 private:
  runtime::Runtime& rt_;
  bool enable_stats_;
  Reloader reload_;
  std::mt19937 rng_;  // seeded from std::random_device; tags need no crypto
};

}  // namespace lc::node
