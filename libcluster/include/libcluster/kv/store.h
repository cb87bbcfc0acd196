// The local data of the KV cache (kv-capability.md §3): named collections of
// key -> entry, with lazy and swept expiry. Thread-safe: each collection has
// its own lock, held only for the operation itself (the store never calls
// out while holding it). Time is the caller's: `now_s` is monotonic seconds
// (uptime), a deadline is now_s + ttl_s, 0 = no deadline.
//
// Expiry rules (OpenSIPS's): an entry is expired when deadline < now (so at
// now == deadline it can still be fetched); it is synced to a peer only when
// deadline > now. fetch_chunk ignores deadlines, like OpenSIPS.
//
// The store does not replicate: the Kv facade (kv.h) decides what goes on
// the wire. Every call that deletes returns what it deleted, so that the
// facade can report the changes once the lock is released.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "libcluster/kv/codec.h"
#include "libcluster/kv/settings.h"

namespace lc::kv {

struct Entry {
  std::string value;
  int64_t deadline_s = 0;  // 0: never expires
  int32_t ttl_s = 0;       // as given to the write
  // Written by replication or sync (not locally, not restored from the
  // persist file): SYNC_DONE keeps it in restart-persistent collections.
  bool synced = false;
};

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};

// A deleted key, as the store reports it.
struct Deleted {
  std::string collection;
  std::string key;
  bool operator==(const Deleted&) const = default;
};

enum class StoreStatus : uint8_t {
  kOk,
  kUnknownCollection,
  kFull,  // max_entries reached: the write is refused
};

struct GetResult {
  StoreStatus status = StoreStatus::kOk;
  std::optional<std::string> value;  // none: absent or expired
  bool expired = false;              // found expired and deleted now
};

struct RemoveResult {
  StoreStatus status = StoreStatus::kOk;
  bool existed = false;
};

class Store {
 public:
  // The bound of the whole store, every collection together. OpenSIPS has
  // none but its shared memory; past it writes fail like an insert failure.
  static constexpr std::size_t kDefaultMaxEntries = 16u << 20;

  // `collections` as build_collections() makes them: non-empty, unique names.
  explicit Store(std::vector<CollectionSpec> collections,
                 std::size_t max_entries = kDefaultMaxEntries);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::vector<CollectionSpec>& collections() const { return specs_; }
  // Exact-byte lookup; nothing for an unknown name.
  const CollectionSpec* collection(std::string_view name) const;
  std::size_t size() const { return entries_.load(); }
  std::size_t size(std::string_view collection) const;

  // Replaces any entry of that key. ttl_s > 0: deadline now + ttl; 0: none.
  // ttl_s < 0 is the caller's to handle (an already expired write).
  StoreStatus put(std::string_view collection, std::string key, std::string value, int32_t ttl_s,
                  int64_t now_s, bool synced);
  // Lazy expiry: an entry with deadline < now is deleted and not returned.
  GetResult get(std::string_view collection, std::string_view key, int64_t now_s);
  RemoveResult remove(std::string_view collection, std::string_view key);

  // fnmatch(3) with no flags against whole keys, ordered by key bytes.
  // Deadlines are ignored. Nothing for an unknown collection.
  std::optional<std::vector<KeyValue>> fetch_chunk(std::string_view collection,
                                                   std::string_view glob) const;
  // Deletes the matching keys and returns them; nothing for an unknown collection.
  std::optional<std::vector<std::string>> remove_chunk(std::string_view collection,
                                                       std::string_view glob);

  // The expiry timer: deletes every entry with deadline < now.
  std::vector<Deleted> sweep(int64_t now_s);
  // SYNC_DONE in a restart-persistent collection: deletes what is not synced.
  std::vector<std::string> prune_unsynced(std::string_view collection);

  // What a donor sends (§2.2): the entries with no deadline or deadline >
  // now, TTL = the remaining seconds (>= 1) or 0. Ordered by key.
  std::vector<Record> sync_records(std::string_view collection, int64_t now_s) const;
  // The same over every collection, for the persist file.
  std::vector<Record> live_records(int64_t now_s) const;

 private:
  struct Collection {
    explicit Collection(CollectionSpec s);
    CollectionSpec spec;
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> entries;  // guarded by mu
  };
  Collection* find(std::string_view name);
  const Collection* find(std::string_view name) const;
  // Erases under c.mu (held by the caller) and keeps the count.
  void erase_locked(Collection& c, std::unordered_map<std::string, Entry>::iterator it);

  std::vector<CollectionSpec> specs_;
  std::deque<Collection> cols_;  // same order as specs_; stable addresses
  const std::size_t max_entries_;
  std::atomic<std::size_t> entries_{0};
};

// fnmatch(3) with no flags.
bool glob_match(std::string_view glob, std::string_view key);

}  // namespace lc::kv
