// The replicated KV cache `cachedb-local-repl` (kv-capability.md): a local
// Store plus OpenSIPS cachedb_local's replication rules, and the developers'
// API over both.
//
//   kv::Kv cache(options, clock_s, logger, &link);    // link: see ClusterLink
//   cache.set_on_change([](const kv::Change& c) { ... });  // before use
//   runtime.register_capability(cache.capability(),
//                               [&](const core::ModuleEvent& e) { cache.on_event(e); });
//   if (cache.needs_startup_sync()) engine.request_sync(now, id, kv::kCapability);
//   cache.put("sess", "k1", "v", 30);   // replicated if "sess" is /r
//   auto v = cache.get("sess", "k1");
//
// (runtime_link.h does the wiring for a runtime::Runtime.)
//
// Rules (§1-§3): local writes to a replicated collection are broadcast
// (INSERT, REMOVE even for an absent key) iff cluster_id != 0; writes that
// come from replication or sync are never sent again; expiry,
// remove_chunk and pruning are never sent. A donor sends every live entry
// of its replicated collections, then SYNC_END, always. A receiver applies
// sync chunks as replicated inserts and, after SYNC_DONE, prunes the
// entries not marked synced in restart-persistent collections.
//
// Thread-safety: every method may be called from any thread (MI on the
// loop, module events on the runtime's workers) except set_on_change. No
// lock is held while calling the ClusterLink or the change callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/core/capabilities.h"
#include "libcluster/core/types.h"
#include "libcluster/kv/codec.h"
#include "libcluster/kv/settings.h"
#include "libcluster/kv/store.h"

namespace lc::kv {

enum class ChangeCause : uint8_t {
  kLocal,        // put/remove/remove_chunk on this node
  kReplication,  // a live INSERT/REMOVE from a peer
  kSync,         // a sync chunk from the donor
  kExpiry,       // found expired (lazily or by the sweep)
  kPruned,       // deleted at SYNC_DONE: not in the donor's data
};
std::string_view change_cause_name(ChangeCause c);

// A key changed. `value`: the new value, none when the key was deleted.
// Called on the thread that made the change, after the store's lock is
// released; changes of one key from different threads may interleave.
struct Change {
  std::string collection;
  std::string key;
  std::optional<std::string> value;
  ChangeCause cause = ChangeCause::kLocal;
};
using ChangeCallback = std::function<void(const Change&)>;

enum class LogLevel : uint8_t { kDebug, kInfo, kWarning, kError };
using Logger = std::function<void(LogLevel, std::string_view)>;

// What the cache needs from the cluster (the capability's cluster). A
// runtime implements it with Runtime::call (runtime_link.h); tests with an
// Engine. Calls may come from any thread.
class ClusterLink {
 public:
  virtual ~ClusterLink() = default;
  // `packet`: a module packet without trailer.
  virtual core::SendResult send_all(const wire::Bytes& packet) = 0;
  virtual core::SendResult sync_chunks(int32_t requester, std::span<const wire::Bytes> chunks) = 0;
  virtual core::SendResult sync_end(int32_t requester) = 0;
};

struct KvOptions {
  std::vector<CollectionSpec> collections;  // as build_collections() makes them
  std::vector<UrlBinding> urls;             // as build_urls() makes them
  int32_t cluster_id = 0;                   // 0: no replication, no capability
  Persistency persistency = Persistency::kSyncFromCluster;
  // Entries survive restarts (kv_persist_file): SYNC_DONE then deletes the
  // entries of replicated collections that the sync did not bring.
  bool restart_persistent = false;
  std::size_t max_entries = Store::kDefaultMaxEntries;
  // Sync chunks handed to the link per call (the engine packs them into
  // packets of sync_packet_size): bounds what a donor holds encoded.
  std::size_t sync_batch_bytes = 256 * 1024;
};

enum class KvStatus : uint8_t {
  kOk,
  kUnknownCollection,
  kNotFound,  // get: absent or expired
  kFull,      // the store's max_entries
  kBadTtl,    // put: a negative TTL
};
std::string_view kv_status_name(KvStatus s);

class Kv {
 public:
  // Monotonic seconds (uptime); deadlines are in these units.
  using Clock = std::function<int64_t()>;

  // `link` may be null only when cluster_id is 0; it must outlive the Kv.
  Kv(KvOptions options, Clock clock_s, Logger logger, ClusterLink* link);
  Kv(const Kv&) = delete;
  Kv& operator=(const Kv&) = delete;

  // Not synchronised: set it before other threads use the cache.
  void set_on_change(ChangeCallback cb) { on_change_ = std::move(cb); }

  // ---- developers' API ----
  // ttl_s 0: never expires.
  KvStatus put(std::string_view collection, std::string key, std::string value, int32_t ttl_s);
  Expected<std::string, KvStatus> get(std::string_view collection, std::string_view key);
  // kOk whether or not the key existed (a REMOVE is broadcast either way).
  KvStatus remove(std::string_view collection, std::string_view key);
  // fnmatch glob over whole keys, ordered by key; expired entries that the
  // sweep has not deleted yet are listed (as OpenSIPS does).
  std::optional<std::vector<KeyValue>> fetch_chunk(std::string_view collection,
                                                   std::string_view glob) const;
  // Local only, not replicated. The number of keys deleted.
  std::optional<std::size_t> remove_chunk(std::string_view collection, std::string_view glob);
  // The kv_clean_period timer: deletes the expired entries, returns how many.
  std::size_t sweep();

  // The collection an MI "system" names: "local" or "local:<group>",
  // through the kv_url bindings (docs/decisions.md K4). Nothing when the
  // engine is not "local" or the group is unknown.
  std::optional<std::string> resolve_system(std::string_view system) const;
  const std::string& first_collection() const { return options_.collections.front().name; }

  // ---- the capability ----
  core::CapabilitySpec capability() const;
  bool needs_startup_sync() const {
    return options_.cluster_id != 0 && options_.persistency == Persistency::kSyncFromCluster;
  }
  // The capability's handler: every ModuleEvent of cachedb-local-repl.
  void on_event(const core::ModuleEvent& ev);

  // Entries of the persist file, before the node starts: deadlines from
  // now, not marked synced, no change reported. Records of collections
  // that are not configured are skipped (logged); returns how many were.
  std::size_t restore(const std::vector<Record>& records);
  // What the persist file keeps: every entry still alive, remaining TTL.
  std::vector<Record> live_records() const { return store_.live_records(clock_()); }

  const KvOptions& options() const { return options_; }
  const Store& store() const { return store_; }
  int64_t now_s() const { return clock_(); }

 private:
  void on_packet(const wire::ModulePacket& p);
  void on_sync_data(const core::SyncData& data, int32_t from);
  void serve_sync(int32_t requester);
  void prune_after_sync();
  // A replicated INSERT (live or sync). False: the collection is unknown.
  bool apply_insert(Record r, ChangeCause cause);
  void apply_remove(const Removal& r);
  bool send_batch(int32_t requester, std::vector<wire::Bytes>& batch);
  bool replicates(const CollectionSpec& c) const;
  void broadcast(const Expected<wire::Bytes, CodecError>& packet, std::string_view what,
                 std::string_view collection, std::string_view key);
  void notify(Change c) const;
  void log(LogLevel level, const std::string& text) const;

  const KvOptions options_;
  const Clock clock_;
  const Logger logger_;
  ClusterLink* const link_;
  Store store_;
  ChangeCallback on_change_;
};

}  // namespace lc::kv
