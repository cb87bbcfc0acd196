#include "libcluster/kv/runtime_link.h"

#include <chrono>
#include <thread>

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

// A donor produces far faster than TCP drains: unpaced, a large answer
// overflows the connection's bounded queue and the rest is dropped (K13).
// On the loop thread (dispatch_jobs=0) nothing can be written while we
// wait, so the answer goes out unpaced there.
void RuntimeLink::wait_for_room(int32_t requester) {
  if (rt_.on_loop_thread()) return;
  constexpr int kMaxWaits = 10'000;  // 1 ms each: a queue stuck ~10 s gives up
  const std::size_t high = rt_.max_queued_bytes_per_connection() / 2;
  for (int i = 0; i < kMaxWaits; ++i) {
    std::size_t queued = 0;
    try {
      queued = rt_.call([&](core::Engine& e, core::Now) -> std::size_t {
        auto hop = e.get_next_hop(cluster_id_, requester);
        return hop ? rt_.queued_bytes_to(hop->node_id) : 0;
      });
    } catch (const runtime::Unavailable&) {
      return;  // shutting down: the send reports it
    }
    if (queued <= high) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

core::SendResult RuntimeLink::sync_chunks(int32_t requester, std::span<const wire::Bytes> chunks) {
  wait_for_room(requester);
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
