#include "libcluster/kv/store.h"

#include <fnmatch.h>

#include <algorithm>
#include <cassert>

namespace lc::kv {

namespace {

bool expired(const Entry& e, int64_t now_s) { return e.deadline_s != 0 && e.deadline_s < now_s; }
// A donor sends only entries still alive after this second (§2.2, §3 edge).
bool sendable(const Entry& e, int64_t now_s) { return e.deadline_s == 0 || e.deadline_s > now_s; }

int32_t remaining_ttl(const Entry& e, int64_t now_s) {
  if (e.deadline_s == 0) return 0;
  const int64_t left = e.deadline_s - now_s;
  assert(left >= 1);
  return static_cast<int32_t>(std::min<int64_t>(left, INT32_MAX));
}

}  // namespace

bool glob_match(std::string_view glob, std::string_view key) {
  // fnmatch wants NUL-terminated strings; keys may hold NUL bytes, which
  // then end the comparison early exactly as in OpenSIPS's C strings.
  const std::string g(glob), k(key);
  return ::fnmatch(g.c_str(), k.c_str(), 0) == 0;
}

Store::Collection::Collection(CollectionSpec s) : spec(std::move(s)) {
  // OpenSIPS allocates 2^N buckets up front; a hint here, capped so that a
  // large N does not cost memory before any key exists.
  entries.reserve(std::size_t{1} << std::min(spec.size_exp, 16));
}

Store::Store(std::vector<CollectionSpec> collections, std::size_t max_entries)
    : specs_(std::move(collections)), max_entries_(max_entries) {
  assert(!specs_.empty() && specs_.size() <= kMaxCollections);
  for (const CollectionSpec& s : specs_) {
    assert(!find(s.name) && "collection names are unique");
    cols_.emplace_back(s);
  }
}

Store::Collection* Store::find(std::string_view name) {
  for (Collection& c : cols_)
    if (c.spec.name == name) return &c;
  return nullptr;
}

const Store::Collection* Store::find(std::string_view name) const {
  for (const Collection& c : cols_)
    if (c.spec.name == name) return &c;
  return nullptr;
}

const CollectionSpec* Store::collection(std::string_view name) const {
  const Collection* c = find(name);
  return c ? &c->spec : nullptr;
}

std::size_t Store::size(std::string_view collection) const {
  const Collection* c = find(collection);
  if (!c) return 0;
  std::lock_guard lock(c->mu);
  return c->entries.size();
}

void Store::erase_locked(Collection& c, std::unordered_map<std::string, Entry>::iterator it) {
  c.entries.erase(it);
  entries_.fetch_sub(1);
}

StoreStatus Store::put(std::string_view collection, std::string key, std::string value,
                       int32_t ttl_s, int64_t now_s, bool synced) {
  assert(ttl_s >= 0);
  Collection* c = find(collection);
  if (!c) return StoreStatus::kUnknownCollection;
  Entry e{std::move(value), ttl_s > 0 ? now_s + ttl_s : 0, ttl_s, synced};
  std::lock_guard lock(c->mu);
  auto it = c->entries.find(key);
  if (it != c->entries.end()) {
    it->second = std::move(e);
    return StoreStatus::kOk;
  }
  if (entries_.load() >= max_entries_) return StoreStatus::kFull;
  c->entries.emplace(std::move(key), std::move(e));
  entries_.fetch_add(1);
  return StoreStatus::kOk;
}

GetResult Store::get(std::string_view collection, std::string_view key, int64_t now_s) {
  Collection* c = find(collection);
  if (!c) return {StoreStatus::kUnknownCollection, std::nullopt, false};
  std::lock_guard lock(c->mu);
  auto it = c->entries.find(std::string(key));
  if (it == c->entries.end()) return {};
  if (expired(it->second, now_s)) {
    erase_locked(*c, it);
    return {StoreStatus::kOk, std::nullopt, true};
  }
  return {StoreStatus::kOk, it->second.value, false};
}

RemoveResult Store::remove(std::string_view collection, std::string_view key) {
  Collection* c = find(collection);
  if (!c) return {StoreStatus::kUnknownCollection, false};
  std::lock_guard lock(c->mu);
  auto it = c->entries.find(std::string(key));
  if (it == c->entries.end()) return {};
  erase_locked(*c, it);
  return {StoreStatus::kOk, true};
}

std::optional<std::vector<KeyValue>> Store::fetch_chunk(std::string_view collection,
                                                        std::string_view glob) const {
  const Collection* c = find(collection);
  if (!c) return std::nullopt;
  std::vector<KeyValue> out;
  {
    std::lock_guard lock(c->mu);
    for (const auto& [key, e] : c->entries)
      if (glob_match(glob, key)) out.push_back({key, e.value});
  }
  std::sort(out.begin(), out.end(), [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  return out;
}

std::optional<std::vector<std::string>> Store::remove_chunk(std::string_view collection,
                                                            std::string_view glob) {
  Collection* c = find(collection);
  if (!c) return std::nullopt;
  std::vector<std::string> removed;
  std::lock_guard lock(c->mu);
  for (auto it = c->entries.begin(); it != c->entries.end();) {
    auto next = std::next(it);
    if (glob_match(glob, it->first)) {
      removed.push_back(it->first);
      erase_locked(*c, it);
    }
    it = next;
  }
  return removed;
}

std::vector<Deleted> Store::sweep(int64_t now_s) {
  std::vector<Deleted> out;
  for (Collection& c : cols_) {
    std::lock_guard lock(c.mu);
    for (auto it = c.entries.begin(); it != c.entries.end();) {
      auto next = std::next(it);
      if (expired(it->second, now_s)) {
        out.push_back({c.spec.name, it->first});
        erase_locked(c, it);
      }
      it = next;
    }
  }
  return out;
}

std::vector<std::string> Store::prune_unsynced(std::string_view collection) {
  std::vector<std::string> out;
  Collection* c = find(collection);
  if (!c) return out;
  std::lock_guard lock(c->mu);
  for (auto it = c->entries.begin(); it != c->entries.end();) {
    auto next = std::next(it);
    if (!it->second.synced) {
      out.push_back(it->first);
      erase_locked(*c, it);
    }
    it = next;
  }
  return out;
}

std::vector<Record> Store::sync_records(std::string_view collection, int64_t now_s) const {
  std::vector<Record> out;
  const Collection* c = find(collection);
  if (!c) return out;
  {
    std::lock_guard lock(c->mu);
    out.reserve(c->entries.size());
    for (const auto& [key, e] : c->entries)
      if (sendable(e, now_s)) out.push_back({c->spec.name, key, e.value, remaining_ttl(e, now_s)});
  }
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.key < b.key; });
  return out;
}

std::vector<Record> Store::live_records(int64_t now_s) const {
  std::vector<Record> out;
  for (const CollectionSpec& s : specs_) {
    auto part = sync_records(s.name, now_s);
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return out;
}

}  // namespace lc::kv
