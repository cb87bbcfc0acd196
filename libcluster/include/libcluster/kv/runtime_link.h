// The KV cache on a runtime::Runtime: the ClusterLink over Runtime::call,
// and the capability's registration.
//
//   kv::RuntimeLink link(rt, cluster_id);
//   kv::Kv cache(options, clock, logger, &link);
//   if (auto err = kv::attach(rt, cache)) fail(*err);   // loop thread, before run()
#pragma once

#include <optional>
#include <string>

#include "libcluster/kv/kv.h"
#include "libcluster/runtime/runtime.h"

namespace lc::kv {

class RuntimeLink final : public ClusterLink {
 public:
  RuntimeLink(runtime::Runtime& rt, int32_t cluster_id) : rt_(rt), cluster_id_(cluster_id) {}

  // From any thread; inline on the loop thread. kError once the runtime
  // has stopped.
  core::SendResult send_all(const wire::Bytes& packet) override;
  core::SendResult sync_chunks(int32_t requester, std::span<const wire::Bytes> chunks) override;
  core::SendResult sync_end(int32_t requester) override;

 private:
  // Off the loop thread, waits while the queue towards the requester's next
  // hop is over half its bound (decision K13).
  void wait_for_room(int32_t requester);

  runtime::Runtime& rt_;
  const int32_t cluster_id_;
};

// Registers cachedb-local-repl (sync condition ANY, startup sync iff
// persistency is sync-from-cluster) with `cache.on_event` as its handler,
// then requests the sync. Loop thread. Nothing when the cache has no
// cluster (cluster_id 0); an error text when the cluster is unknown.
std::optional<std::string> attach(runtime::Runtime& rt, Kv& cache);

}  // namespace lc::kv
