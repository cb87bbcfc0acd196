// The settings of the KV cache as OpenSIPS cachedb_local takes them
// (kv-capability.md §2.4), parsed and printed back: collections
// `name[/r][=N]`, group URLs `local[:group]://[/]collection`, and the
// cluster persistency. clusterd's configuration and the tests share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcluster/expected.h"

namespace lc::kv {

// The collection that always exists (prepended when not listed).
inline constexpr std::string_view kDefaultCollection = "default";
// N of `name=N`: 2^N buckets in OpenSIPS; here the initial size hint of the
// collection's hash map (capped at 2^16).
inline constexpr int32_t kDefaultSizeExp = 9;
inline constexpr int32_t kMaxSizeExp = 24;
// Bounds of the configuration lists (collections, URLs).
inline constexpr std::size_t kMaxCollections = 256;

struct CollectionSpec {
  std::string name;         // exact bytes, without "/r"
  bool replicated = false;  // "/r": INSERT/REMOVE broadcast, synced
  int32_t size_exp = kDefaultSizeExp;
  bool operator==(const CollectionSpec&) const = default;
};

// One `name[/r][ = N]` item, blanks trimmed around the name and N.
Expected<CollectionSpec, std::string> parse_collection(std::string_view text);
// The inverse: "name", "name/r", "name=10", "name/r=10" (N only if not 9).
std::string format_collection(const CollectionSpec& c);
// The whole list: a duplicate name is an error; `default` is prepended
// (not replicated, N = 9) when not listed. Order is kept: the first
// collection is where a group without a collection points.
Expected<std::vector<CollectionSpec>, std::string> build_collections(
    const std::vector<std::string>& items);

// A cachedb_url: `local://` or `local:GROUP://` followed by an optional
// collection, written `collection` or `/collection`.
struct UrlBinding {
  std::string group;       // empty: the plain "local" system
  std::string collection;  // empty: the first collection
  bool operator==(const UrlBinding&) const = default;
};
Expected<UrlBinding, std::string> parse_url(std::string_view text);
std::string format_url(const UrlBinding& u);
// Every URL parsed; a group bound twice, or a collection that is not in
// `collections`, is an error.
Expected<std::vector<UrlBinding>, std::string> build_urls(
    const std::vector<std::string>& items, const std::vector<CollectionSpec>& collections);

// cluster_persistency.
enum class Persistency : uint8_t {
  kSyncFromCluster,  // the capability needs a sync, requested at start
  kNone,             // start empty, never request a sync (still a donor)
};
// Case-insensitive "sync-from-cluster" or "none"; nothing otherwise.
std::optional<Persistency> parse_persistency(std::string_view text);
std::string_view persistency_name(Persistency p);

}  // namespace lc::kv
