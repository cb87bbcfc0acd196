#include "libcluster/kv/runtime_link.h"

namespace lc::kv {

namespace {

template <class F>
core::SendResult guarded(runtime::Runtime& rt, F&& fn) {
  try {
    return rt.call(std::forward<F>(fn));
  } catch (const runtime::Unavailable&) {
    return core::SendResult::kError;  // shutting down: nothing more goes out
  }
}

}  // namespace

core::SendResult RuntimeLink::send_all(const wire::Bytes& packet) {
  return guarded(rt_, [&](core::Engine& e, core::Now now) {
    return e.send_all(now, cluster_id_, packet);
  });
}

core::SendResult RuntimeLink::sync_chunks(int32_t requester, std::span<const wire::Bytes> chunks) {
  return guarded(rt_, [&](core::Engine& e, core::Now now) {
    return e.sync_chunks(now, cluster_id_, kCapability, requester, kDataVersion, chunks);
  });
}

core::SendResult RuntimeLink::sync_end(int32_t requester) {
  return guarded(rt_, [&](core::Engine& e, core::Now now) {
    return e.sync_end(now, cluster_id_, kCapability, requester);
  });
}

std::optional<std::string> attach(runtime::Runtime& rt, Kv& cache) {
  const int32_t cluster_id = cache.options().cluster_id;
  if (cluster_id == 0) return std::nullopt;
  const core::CapabilitySpec spec = cache.capability();
  if (!rt.register_capability(spec, [&cache](const core::ModuleEvent& ev) { cache.on_event(ev); }))
    return "cannot register capability " + spec.name + " in cluster " +
           std::to_string(cluster_id) + ": the node is not in that cluster (kv_cluster_id)";
  if (cache.needs_startup_sync()) rt.engine().request_sync(rt.now(), cluster_id, kCapability);
  return std::nullopt;
}

}  // namespace lc::kv
