#include "node_context.h"

#include <spdlog/spdlog.h>

#include "libcluster/mi/tag.h"

namespace lc::node {

NodeContext::NodeContext(runtime::Runtime& rt, bool enable_stats, Reloader reload)
    : rt_(rt), enable_stats_(enable_stats), reload_(std::move(reload)),
      rng_(std::random_device{}()) {}

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
