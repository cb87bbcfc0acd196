// The replicated KV cache on three real runtimes over loopback TCP
// (kv-capability.md): a write on one node is seen on the others, removes
// are replicated, a node that starts late syncs 10,000 keys from a donor,
// and entries expire on every node. Node 1 runs cluster_persistency
// "none" (synced from the start: the donor, as no node here is a seed);
// nodes 2 and 3 sync from the cluster.
#include <atomic>

#include "libcluster/kv/runtime_link.h"
#include "test_node.h"

namespace lc::runtime {
namespace {

using namespace lc::runtime::test;

int64_t uptime_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A node's cache and its link, built when the runtime exists (before it
// runs); declared before the TestNode so that they outlive its runtime.
struct Cache {
  std::unique_ptr<kv::RuntimeLink> link;
  std::unique_ptr<kv::Kv> kv;
  kv::Kv& operator*() { return *kv; }
  kv::Kv* operator->() { return kv.get(); }
};

NodeSetup with_cache(Cache& cache, kv::Persistency persistency) {
  return NodeSetup{[](Options& o) { o.dispatch_jobs = true; },
                   [&cache, persistency](Runtime& rt) {
                     kv::KvOptions o;
                     o.collections = *kv::build_collections({"default/r", "local"});
                     o.cluster_id = 1;
                     o.persistency = persistency;
                     cache.link = std::make_unique<kv::RuntimeLink>(rt, 1);
                     cache.kv = std::make_unique<kv::Kv>(o, uptime_s, kv::Logger{}, cache.link.get());
                     ASSERT_FALSE(kv::attach(rt, *cache.kv));
                   }};
}

bool has(Cache& c, const std::string& key, const std::string& value) {
  auto v = c->get("default", key);
  return v && *v == value;
}

bool synced(TestNode& n) {
  auto cap = n.rt().call([](core::Engine& e, core::Now) { return e.capability(1, kv::kCapability); });
  return cap && cap->ok;
}

TEST(runtime_kv, WritesRemovesSyncAndExpiryAcrossThreeNodes) {
  const NodePorts all = ports(3);
  Cache c1, c2, c3;
  TestNode n1(1, all, with_cache(c1, kv::Persistency::kNone));
  TestNode n2(2, all, with_cache(c2, kv::Persistency::kSyncFromCluster));
  ASSERT_TRUE(wait_for([&] { return synced(n2); }, 10s)) << "node 2 synced from node 1";

  // Live replication 1 -> 2, and a local-only collection that stays local.
  ASSERT_EQ(c1->put("default", "k1", "v1", 0), kv::KvStatus::kOk);
  ASSERT_EQ(c1->put("local", "mine", "x", 0), kv::KvStatus::kOk);
  ASSERT_TRUE(wait_for([&] { return has(c2, "k1", "v1"); }, 5s));
  EXPECT_FALSE(c2->get("local", "mine"));

  // 10,000 keys written on node 1 reach node 2 live...
  constexpr int kKeys = 10'000;
  for (int i = 0; i < kKeys; ++i)
    ASSERT_EQ(c1->put("default", "key-" + std::to_string(i), "value-" + std::to_string(i), 0),
              kv::KvStatus::kOk);
  ASSERT_TRUE(wait_for([&] { return c2->store().size("default") == kKeys + 1; }, 20s))
      << c2->store().size("default");

  // ...and node 3, started now, gets them all by a sync.
  TestNode n3(3, all, with_cache(c3, kv::Persistency::kSyncFromCluster));
  ASSERT_TRUE(wait_for([&] { return synced(n3); }, 20s)) << "node 3 never completed its sync";
  // The engine is synced once every chunk is handed to the workers; the
  // cache has them once the workers have applied them.
  ASSERT_TRUE(wait_for([&] { return c3->store().size("default") == kKeys + 1; }, 5s))
      << c3->store().size("default");
  EXPECT_TRUE(has(c3, "key-9999", "value-9999"));
  auto reports = n3.rt().call([](core::Engine& e, core::Now) { return e.capability_reports(kv::kCapability); });
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().log, "Sync completed, received [" + std::to_string(kKeys + 1) + "] chunks");

  // A write on node 1 is visible on 2 and 3; a remove on node 2 everywhere.
  ASSERT_EQ(c1->put("default", "k2", "v2", 0), kv::KvStatus::kOk);
  ASSERT_TRUE(wait_for([&] { return has(c2, "k2", "v2") && has(c3, "k2", "v2"); }, 5s));
  ASSERT_EQ(c2->remove("default", "k1"), kv::KvStatus::kOk);
  ASSERT_TRUE(wait_for([&] { return !c1->get("default", "k1") && !c3->get("default", "k1"); }, 5s));
  EXPECT_TRUE(has(c3, "k2", "v2"));

  // Expiry: each node counts the TTL from its own arrival; gone everywhere.
  ASSERT_EQ(c3->put("default", "short", "s", 1), kv::KvStatus::kOk);
  ASSERT_TRUE(wait_for([&] { return has(c1, "short", "s") && has(c2, "short", "s"); }, 5s));
  ASSERT_TRUE(wait_for([&] {
    return !c1->get("default", "short") && !c2->get("default", "short") &&
           !c3->get("default", "short");
  }, 5s));
  EXPECT_EQ(c1->store().size("default"), static_cast<std::size_t>(kKeys + 1));  // keys + k2
}

}  // namespace
}  // namespace lc::runtime
