#include "node_context.h"

#include <spdlog/spdlog.h>

#include "libcluster/mi/tag.h"

namespace lc::node {

NodeContext::NodeContext(runtime::Runtime& rt, bool enable_stats, DbHooks db, kv::Kv* cache)
    : rt_(rt),
      enable_stats_(enable_stats),
      db_(std::move(db)),
      cache_(cache),
      rng_(std::random_device{}()) {}

void NodeContext::reload(ReloadDone done) {
  // The MI handler answers "Non-DB mode" before asking; without a database
  // no reload may look like one.
  if (!db_.reload) return done(mi::MiError{500, "Failed to reload", std::nullopt});
  db_.reload(std::move(done));
}

void NodeContext::store_node_state(int32_t cluster_id, int32_t node_id, bool enabled) {
  if (db_.store_state) db_.store_state(cluster_id, node_id, enabled);
}

std::string NodeContext::new_tag(int32_t cluster_id) {
  return mi::make_tag(cluster_id, rt_.engine().my_id(), [this] { return rng_(); });
}

void NodeContext::log(mi::LogLevel level, std::string_view text) {
  switch (level) {
    case mi::LogLevel::kInfo: spdlog::info("{}", text); break;
    case mi::LogLevel::kWarning: spdlog::warn("{}", text); break;
    case mi::LogLevel::kError: spdlog::error("{}", text); break;
  }
}

}  // namespace lc::node
