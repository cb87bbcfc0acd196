// What MI handlers need from the node runtime. The MI layer, like the core,
// has no clock, randomness, database or logger of its own: the runtime
// implements this interface, tests use a fake.
//
// Threading: handlers run on the engine's thread (the runtime's event loop),
// so they call engine commands directly with now(). The runtime flushes the
// engine's transmits and events after every call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "libcluster/core/engine.h"
#include "libcluster/mi/error.h"

namespace lc::kv {
class Kv;
}

namespace lc::mi {

enum class LogLevel : uint8_t { kInfo, kWarning, kError };

class Context {
 public:
  virtual ~Context() = default;

  virtual core::Engine& engine() = 0;
  virtual core::Now now() = 0;
  // The enable_stats module parameter: without it the "clusterer" statistics
  // group does not exist (mi.md §7).
  virtual bool enable_stats() = 0;
  // A fresh tag "<cluster_id>-<my_id>-<24 random chars>" (mi.md §4.5); the
  // runtime implements it with make_tag() and its random source.
  virtual std::string new_tag(int32_t cluster_id) = 0;
  // clusterer_reload in DB mode: replace clusters and nodes with the DB
  // contents, then call `done` on the engine thread with nothing or the
  // command's error (500 "Failed to reload"). The database is read off the
  // engine thread, so `done` may run after reload returns.
  using ReloadDone = std::function<void(std::optional<MiError>)>;
  virtual void reload(ReloadDone done) = 0;

  // clusterer_set_status succeeded in DB mode: update the `state` column
  // (mi.md §2.4; for the local node every row with its node_id). Failures
  // are only logged by the runtime; the reply stays "OK".
  virtual void store_node_state(int32_t cluster_id, int32_t node_id, bool enabled) {
    (void)cluster_id, (void)node_id, (void)enabled;
  }
  // Outcomes OpenSIPS only logs (a failed cluster_broadcast_mi broadcast...).
  virtual void log(LogLevel level, std::string_view text) { (void)level, (void)text; }
  // log_level, on OpenSIPS's scale (-3 alert, -2 critical, -1 error,
  // 1 warning, 2 notice, 3 info, 4 debug): the process's level now, setting
  // it, and the process id the command reports.
  virtual int log_level() = 0;
  virtual void set_log_level(int level) = 0;
  virtual int64_t process_id() = 0;
  // The node's replicated cache for the cache_* commands (kv/kv.h); null
  // when it has none, which they answer like OpenSIPS with no such engine.
  virtual kv::Kv* kv() { return nullptr; }
};

}  // namespace lc::mi
