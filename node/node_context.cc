#include "node_context.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

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

// OpenSIPS's scale ↔ spdlog's. Notice (2) has no spdlog level: it logs as
// info, and is remembered so log_level reads back what was set.
int NodeContext::log_level() {
  if (opensips_level_) return *opensips_level_;
  switch (spdlog::get_level()) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 4;
    case spdlog::level::info: return 3;
    case spdlog::level::warn: return 1;
    case spdlog::level::err: return -1;
    case spdlog::level::critical: return -2;
    default: return -3;  // off: only alerts would pass, and we have none
  }
}

void NodeContext::set_log_level(int level) {
  spdlog::level::level_enum l = level >= 4   ? spdlog::level::debug
                                : level >= 2 ? spdlog::level::info
                                : level >= 1 ? spdlog::level::warn
                                : level >= -1 ? spdlog::level::err
                                              : spdlog::level::critical;
  spdlog::set_level(l);
  opensips_level_ = level;
  // At warn so that the change shows in all but the quietest levels.
  spdlog::warn("log level set to {} ({}) by MI", level, spdlog::level::to_string_view(l));
}

int64_t NodeContext::process_id() { return static_cast<int64_t>(::getpid()); }

void NodeContext::log(mi::LogLevel level, std::string_view text) {
  switch (level) {
    case mi::LogLevel::kInfo: spdlog::info("{}", text); break;
    case mi::LogLevel::kWarning: spdlog::warn("{}", text); break;
    case mi::LogLevel::kError: spdlog::error("{}", text); break;
  }
}

}  // namespace lc::node
