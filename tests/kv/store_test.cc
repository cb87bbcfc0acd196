// The local store (kv-capability.md §3): replace semantics, the expiry
// edges (lazy, swept, synced), fnmatch globs, pruning, the size bound and
// concurrent use.
#include <gtest/gtest.h>

#include <thread>

#include "libcluster/kv/store.h"

namespace lc::kv {
namespace {

std::vector<CollectionSpec> two_collections() {
  return {{"default", false, 9}, {"sess", true, 4}};
}

TEST(kv_store, PutReplacesAndUnknownCollectionsFail) {
  Store s(two_collections());
  EXPECT_EQ(s.put("sess", "k", "v1", 0, 100, false), StoreStatus::kOk);
  EXPECT_EQ(s.put("sess", "k", "v2", 0, 100, false), StoreStatus::kOk);
  EXPECT_EQ(s.get("sess", "k", 100).value, "v2");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.put("nope", "k", "v", 0, 100, false), StoreStatus::kUnknownCollection);
  EXPECT_EQ(s.get("nope", "k", 100).status, StoreStatus::kUnknownCollection);
  EXPECT_EQ(s.remove("nope", "k").status, StoreStatus::kUnknownCollection);
  EXPECT_FALSE(s.get("default", "k", 100).value) << "collections are separate";
  EXPECT_FALSE(s.collection("Sess")) << "names compare as exact bytes";
  EXPECT_FALSE(s.collection("ses")) << "no prefix match (OpenSIPS's quirk, §5)";
}

TEST(kv_store, LazyExpiryKeepsTheEntryAtItsDeadlineSecond) {
  Store s(two_collections());
  s.put("sess", "k", "v", 10, 100, false);  // deadline 110
  EXPECT_EQ(s.get("sess", "k", 110).value, "v") << "now == deadline: still there";
  GetResult r = s.get("sess", "k", 111);
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(r.expired);
  EXPECT_EQ(s.size(), 0u) << "deleted when found expired";
  EXPECT_FALSE(s.get("sess", "k", 111).expired) << "then simply absent";
}

TEST(kv_store, SweepDeletesOnlyPastDeadlines) {
  Store s(two_collections());
  s.put("sess", "a", "v", 10, 100, false);   // 110
  s.put("sess", "b", "v", 20, 100, false);   // 120
  s.put("default", "c", "v", 5, 100, false);  // 105
  s.put("default", "d", "v", 0, 100, false);  // never
  EXPECT_TRUE(s.sweep(110).size() == 1);     // c
  auto gone = s.sweep(121);
  std::sort(gone.begin(), gone.end(), [](const Deleted& x, const Deleted& y) { return x.key < y.key; });
  EXPECT_EQ(gone, (std::vector<Deleted>{{"sess", "a"}, {"sess", "b"}}));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.sweep(1'000'000).empty());
}

TEST(kv_store, SyncRecordsCarryTheRemainingTtlAndSkipTheLastSecond) {
  Store s(two_collections());
  s.put("sess", "a", "1", 10, 100, false);  // 110
  s.put("sess", "b", "2", 0, 100, false);   // never
  s.put("sess", "c", "3", 3, 100, false);   // 103
  EXPECT_EQ(s.sync_records("sess", 102),
            (std::vector<Record>{{"sess", "a", "1", 8}, {"sess", "b", "2", 0}, {"sess", "c", "3", 1}}));
  EXPECT_EQ(s.sync_records("sess", 103),
            (std::vector<Record>{{"sess", "a", "1", 7}, {"sess", "b", "2", 0}}))
      << "deadline == now: fetchable but not synced";
  EXPECT_EQ(s.size(), 3u) << "expired entries are skipped, not deleted";
  EXPECT_TRUE(s.sync_records("nope", 100).empty());
}

TEST(kv_store, GlobsAreFnmatchWithoutFlags) {
  Store s(two_collections());
  for (const char* k : {"user:1", "user:22", "user/x", "admin", "u", "[x]"})
    s.put("default", k, std::string("v-") + k, 0, 100, false);
  auto keys = [&](std::string_view glob) {
    std::vector<std::string> out;
    const auto found = s.fetch_chunk("default", glob);
    for (const auto& kv : *found) out.push_back(kv.key);
    return out;
  };
  EXPECT_EQ(keys("user:*"), (std::vector<std::string>{"user:1", "user:22"}));
  EXPECT_EQ(keys("user?*"), (std::vector<std::string>{"user/x", "user:1", "user:22"}))
      << "'?' and '*' match '/' (no FNM_PATHNAME)";
  EXPECT_EQ(keys("user:?"), (std::vector<std::string>{"user:1"}));
  EXPECT_EQ(keys("[au]*"), (std::vector<std::string>{"admin", "u", "user/x", "user:1", "user:22"}));
  EXPECT_EQ(keys("\\[x\\]"), (std::vector<std::string>{"[x]"})) << "backslash escapes";
  EXPECT_TRUE(keys("user").empty()) << "the whole key must match";
  EXPECT_EQ((*s.fetch_chunk("default", "admin"))[0].value, "v-admin");
  EXPECT_FALSE(s.fetch_chunk("nope", "*"));
}

TEST(kv_store, FetchChunkIgnoresDeadlinesRemoveChunkDeletes) {
  Store s(two_collections());
  s.put("sess", "a", "1", 1, 100, false);
  s.put("sess", "b", "2", 0, 100, false);
  EXPECT_EQ(s.fetch_chunk("sess", "*")->size(), 2u) << "expired but not swept: listed";
  auto removed = s.remove_chunk("sess", "a*");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, std::vector<std::string>{"a"});
  EXPECT_EQ(s.remove_chunk("sess", "zzz")->size(), 0u);
  EXPECT_FALSE(s.remove_chunk("nope", "*"));
  EXPECT_EQ(s.size(), 1u);
}

TEST(kv_store, PruneDeletesWhatIsNotMarkedSynced) {
  Store s(two_collections());
  s.put("sess", "local", "v", 0, 100, false);
  s.put("sess", "repl", "v", 0, 100, true);
  s.put("sess", "overwritten", "v", 0, 100, true);
  s.put("sess", "overwritten", "w", 0, 100, false);  // a local write unmarks it
  auto pruned = s.prune_unsynced("sess");
  std::sort(pruned.begin(), pruned.end());
  EXPECT_EQ(pruned, (std::vector<std::string>{"local", "overwritten"}));
  EXPECT_EQ(s.size(), 1u);
}

TEST(kv_store, MaxEntriesRefusesNewKeysOnly) {
  Store s(two_collections(), 2);
  EXPECT_EQ(s.put("sess", "a", "v", 0, 100, false), StoreStatus::kOk);
  EXPECT_EQ(s.put("default", "b", "v", 0, 100, false), StoreStatus::kOk);
  EXPECT_EQ(s.put("sess", "c", "v", 0, 100, false), StoreStatus::kFull);
  EXPECT_EQ(s.put("sess", "a", "new", 0, 100, false), StoreStatus::kOk) << "a replace fits";
  s.remove("sess", "a");
  EXPECT_EQ(s.put("sess", "c", "v", 0, 100, false), StoreStatus::kOk);
}

TEST(kv_store, ConcurrentWritersAndReadersKeepTheCount) {
  Store s(two_collections());
  constexpr int kThreads = 4, kKeys = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&s, t] {
      const std::string coll = t % 2 ? "sess" : "default";
      for (int i = 0; i < kKeys; ++i) {
        const std::string key = std::to_string(t) + ":" + std::to_string(i);
        s.put(coll, key, "v", i % 3, 100, false);
        s.get(coll, key, 100);
        if (i % 2) s.remove(coll, key);
        if (i % 1000 == 0) s.fetch_chunk(coll, "*");
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(s.size(), static_cast<std::size_t>(kThreads * kKeys / 2));
  EXPECT_EQ(s.size("sess") + s.size("default"), s.size());
}

}  // namespace
}  // namespace lc::kv
