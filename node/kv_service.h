// The node's replicated KV cache: the kv::Kv of the configuration's kv_*
// keys on the node's runtime, its capability, the kv_clean_period sweep and
// the kv_persist_file (loaded before the node starts, written when it
// stops cleanly).
//
//   auto svc = KvService::create(rt, cfg.kv);   // error: exit 2
//   if (auto err = (*svc)->attach()) ...         // loop thread, before run()
//   rt.run();
//   (*svc)->persist();                            // after the loop stopped
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libcluster/kv/kv.h"
#include "libcluster/kv/runtime_link.h"
#include "node/config.h"

namespace lc::node {

class KvService {
 public:
  // Builds the cache and restores the persist file (an unreadable or
  // corrupt file is an error: the node must not start and overwrite it).
  static Expected<std::unique_ptr<KvService>, std::string> create(runtime::Runtime& rt,
                                                                  const KvSettings& settings);
  ~KvService();
  KvService(const KvService&) = delete;
  KvService& operator=(const KvService&) = delete;

  // Registers cachedb-local-repl when kv_cluster_id != 0 and requests the
  // startup sync; starts the sweep timer. Loop thread, before run().
  std::optional<std::string> attach();
  // Writes the persist file (if configured). Call once the runtime stopped.
  void persist();
  kv::Kv& kv() { return *kv_; }

 private:
  KvService(runtime::Runtime& rt, const KvSettings& settings);
  void arm_sweep();

  struct Timer;  // the asio timer, kept out of this header
  runtime::Runtime& rt_;
  const KvSettings settings_;
  kv::RuntimeLink link_;
  std::unique_ptr<kv::Kv> kv_;
  std::unique_ptr<Timer> timer_;
};

// Monotonic seconds (the cache's clock): whole seconds of the steady clock.
int64_t uptime_s();

}  // namespace lc::node
