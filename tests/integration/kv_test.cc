// The replicated key-value cache (capability cachedb-local-repl) between real
// clusterd processes on loopback: live replication of stores and removals,
// full sync of a node that joins later, a node killed during its sync, and
// expiry on every node. Nodes run with `--kv_cluster_id 1 --kv_collection
// default/r`; node 1 is the seed (flags=seed), so a cluster started from
// scratch falls back to synced instead of waiting for a donor forever
// (kv-capability.md §5). Every wait is bounded.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "mi_client.h"
#include "node_process.h"
#include "polling.h"
#include "process.h"

namespace lc::itest {
namespace {

using namespace std::chrono_literals;
using lc::test::free_port;
using lc::test::wait_for;

constexpr int kMaxNodes = 4;
constexpr const char* kCapIdentifier = "cap:cachedb-local-repl";
// Startup: links Up within ~1 s, then the seed's fallback (1 s here) and the
// syncs; generous for a loaded machine and sanitizer builds.
constexpr auto kSyncLimit = 30s;

std::vector<std::string> kv_flags() {
  return {"--kv_cluster_id", "1", "--kv_collection", "default/r", "--seed_fallback_interval", "1"};
}

// Up to four nodes of cluster 1, each listing the others as neighbours.
class KvCluster {
 public:
  KvCluster() {
    for (auto& p : ports_) p = free_port();
  }

  NodeProcess& start(int id) {
    StaticNode spec;
    spec.port = ports_[id - 1];
    spec.my_flags = id == 1 ? "seed" : "";
    for (int peer = 1; peer <= kMaxNodes; ++peer)
      if (peer != id) spec.peers.emplace_back(peer, ports_[peer - 1]);
    auto flags = static_node_flags(spec);
    for (auto& f : kv_flags()) flags.push_back(f);
    nodes_[id] = std::make_unique<NodeProcess>(dir_.path(), id, flags);
    return *nodes_[id];
  }
  NodeProcess& n(int id) { return *nodes_.at(id); }

  // The logs of every node started, for failure messages.
  std::string logs() {
    std::string all;
    for (auto& [id, node] : nodes_) {
      std::string log = node->log();
      if (log.size() > 6000) log = "...\n" + log.substr(log.size() - 6000);
      all += "---- node " + std::to_string(id) + " (tail)\n" + log;
    }
    return all;
  }

 private:
  TempDir dir_;
  std::array<uint16_t, kMaxNodes> ports_{};
  std::map<int, std::unique_ptr<NodeProcess>> nodes_;
};

// One MI call on a fresh connection; nothing if the node does not answer.
std::optional<Json> mi(NodeProcess& n, const std::string& method, const Json& params) {
  std::string err;
  auto c = MiClient::connect(n.socket(), &err);
  if (!c) return std::nullopt;
  return c->call(method, params);
}

// sr_get_status of the capability: "synced", "sync in progress", ... or "".
std::string cap_state(NodeProcess& n) {
  auto r = mi(n, "sr_get_status", Json{{"group", "clusterer"}, {"identifier", kCapIdentifier}});
  if (!r || !r->contains("result")) return "";
  return (*r)["result"].value("Details", "");
}

bool synced(std::initializer_list<NodeProcess*> nodes) {
  for (NodeProcess* n : nodes)
    if (cap_state(*n) != "synced") return false;
  return true;
}

using KeyMap = std::map<std::string, std::string>;

// Every key and value of the default collection, from cache_fetch_chunk.
KeyMap all_keys(NodeProcess& n) {
  KeyMap out;
  auto r = mi(n, "cache_fetch_chunk", Json::array({"*"}));
  if (!r || !r->contains("result")) return out;
  for (const auto& k : (*r)["result"]["keys"]) out[k["name"]] = k["value"];
  return out;
}

std::string key_of(int i) {
  char b[32];
  std::snprintf(b, sizeof b, "key-%05d", i);
  return b;
}

// The value of key i: its index, then filler up to `size` bytes.
std::string value_of(int i, std::size_t size) {
  std::string v = "value-" + std::to_string(i) + "-";
  v.resize(std::max(size, v.size()), 'x');
  return v;
}

KeyMap expected_keys(int count, std::size_t value_size) {
  KeyMap m;
  for (int i = 0; i < count; ++i) m[key_of(i)] = value_of(i, value_size);
  return m;
}

// "" when equal; else the sizes and the first few keys that differ (a
// readable failure message instead of two 10,000-entry maps).
std::string difference(const KeyMap& actual, const KeyMap& expected) {
  std::string d;
  int shown = 0;
  for (const auto& [k, v] : expected) {
    auto it = actual.find(k);
    if (it != actual.end() && it->second == v) continue;
    if (++shown > 5) break;
    d += "\n  " + k + (it == actual.end() ? ": missing" : ": value " + it->second.substr(0, 40));
  }
  for (const auto& [k, v] : actual)
    if (!expected.count(k) && ++shown <= 10) d += "\n  " + k + ": unexpected";
  if (d.empty() && actual.size() == expected.size()) return "";
  return std::to_string(actual.size()) + " keys, " + std::to_string(expected.size()) +
         " expected:" + d;
}

// The engine reports "synced" once the sync's packets are received; the
// cache applies their chunks on a dispatch worker, a few milliseconds later
// for 10,000 keys ("our count is kept on receipt", CapOps::on_sync_end in
// libcluster/src/core/sync.cc; OpenSIPS counts chunks as the module
// iterates them). So the keys are checked with a short bounded wait.
void expect_keys_soon(NodeProcess& n, const KeyMap& expected) {
  std::string diff;
  const bool same = wait_for([&] { return (diff = difference(all_keys(n), expected)).empty(); }, 5s)
                        .has_value();
  EXPECT_TRUE(same) << "node " << n.id() << ": " << diff;
}

// Stores `count` keys on `n` through one MI connection, 256 requests ahead.
void store_keys(NodeProcess& n, int count, std::size_t value_size) {
  std::vector<MiClient::Call> calls;
  for (int i = 0; i < count; ++i)
    calls.push_back({"cache_store", Json::array({"local", key_of(i), value_of(i, value_size)})});
  std::string err;
  auto c = MiClient::connect(n.socket(), &err);
  ASSERT_TRUE(c) << err;
  auto res = c->call_all(calls, 256, 60s);
  ASSERT_TRUE(res) << c->error();
  for (std::size_t i = 0; i < res->size(); ++i)
    ASSERT_EQ((*res)[i].value("result", Json()), "OK") << "key " << i << ": " << (*res)[i].dump();
}

// Nodes 1-3 started and synced (node 1 the seed).
void start_three(KvCluster& c) {
  c.start(1);
  c.start(2);
  c.start(3);
  ASSERT_TRUE(wait_for([&] { return synced({&c.n(1), &c.n(2), &c.n(3)}); }, kSyncLimit))
      << c.logs();
}

TEST(kv_cluster, StoreAndRemoveReplicateToEveryNode) {
  KvCluster c;
  ASSERT_NO_FATAL_FAILURE(start_three(c));
  auto r = c.n(1).ctl({"kv", "put", "greeting", "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int id : {2, 3})
    EXPECT_TRUE(wait_for([&] { return c.n(id).ctl({"kv", "get", "greeting"}, "table").out == "hello\n"; },
                         5s))
        << "node " << id << "\n" << c.logs();

  // The generic MI path, as an OpenSIPS operator types it, from another node.
  r = c.n(2).ctl({"mi", "cache_store", "local", "from2", "v2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int id : {1, 3})
    EXPECT_TRUE(wait_for([&] { return c.n(id).ctl({"kv", "get", "from2"}, "table").out == "v2\n"; }, 5s))
        << "node " << id;

  r = c.n(1).ctl({"kv", "del", "greeting"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int id : {1, 2, 3}) {
    EXPECT_TRUE(wait_for([&] { return c.n(id).ctl({"kv", "get", "greeting"}, "table").exit_code == 1; }, 5s))
        << "node " << id << " still has the removed key";
    EXPECT_EQ(all_keys(c.n(id)), (KeyMap{{"from2", "v2"}}))
        << "node " << id;
  }
}

TEST(kv_cluster, NodeJoiningLaterGetsTheWholeCacheBySync) {
  constexpr int kKeys = 10000;
  constexpr std::size_t kValueBytes = 100;
  KvCluster c;
  ASSERT_NO_FATAL_FAILURE(start_three(c));
  ASSERT_NO_FATAL_FAILURE(store_keys(c.n(1), kKeys, kValueBytes));
  const auto expected = expected_keys(kKeys, kValueBytes);
  for (int id : {2, 3})
    ASSERT_TRUE(wait_for([&] { return all_keys(c.n(id)).size() == kKeys; }, 20s))
        << "node " << id << " has " << all_keys(c.n(id)).size() << " keys";
  EXPECT_EQ(difference(all_keys(c.n(2)), expected), "");

  NodeProcess& n4 = c.start(4);
  auto took = wait_for([&] { return synced({&n4}); }, kSyncLimit);
  ASSERT_TRUE(took) << c.logs();
  std::printf("node 4 synced %d keys in %lld ms after its start; %zu applied then\n", kKeys,
              static_cast<long long>(took->count()), all_keys(n4).size());
  ASSERT_NO_FATAL_FAILURE(expect_keys_soon(n4, expected));
}

// Starts node 4 and kills it (SIGKILL) as soon as its capability shows a
// sync in progress. Returns whether it was caught in progress (a fast sync
// may complete between two polls).
bool kill_during_sync(KvCluster& c) {
  NodeProcess& n4 = c.start(4);
  std::string err;
  std::unique_ptr<MiClient> client;
  wait_for([&] { return (client = MiClient::connect(n4.socket(), &err)) != nullptr; }, 5s);
  if (!client) return false;
  const Json params = {{"group", "clusterer"}, {"identifier", kCapIdentifier}};
  const auto deadline = std::chrono::steady_clock::now() + kSyncLimit;
  // A poll every ~1 ms: the ~10 MB sync lasts far longer, and tests running
  // in parallel keep their share of the CPUs.
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
    auto r = client->call("sr_get_status", params);
    const std::string state = r && r->contains("result") ? (*r)["result"].value("Details", "") : "";
    if (state == "sync in progress") {
      n4.proc().kill9();
      return true;
    }
    if (state == "synced" || !r) break;
  }
  n4.proc().kill9();
  return false;
}

TEST(kv_cluster, NodeKilledDuringItsSyncSyncsAfterRestart) {
  // 1 KiB values: a ~10 MB sync, long enough to be caught in progress.
  constexpr int kKeys = 10000;
  constexpr std::size_t kValueBytes = 1024;
  constexpr int kAttempts = 5;
  KvCluster c;
  ASSERT_NO_FATAL_FAILURE(start_three(c));
  ASSERT_NO_FATAL_FAILURE(store_keys(c.n(1), kKeys, kValueBytes));
  ASSERT_TRUE(wait_for([&] { return all_keys(c.n(2)).size() == kKeys; }, 20s));

  int attempt = 1;
  while (attempt <= kAttempts && !kill_during_sync(c)) ++attempt;
  ASSERT_LE(attempt, kAttempts) << "node 4 was never seen with its sync in progress\n" << c.logs();
  // The donors saw it go; the restarted node syncs from scratch.
  ASSERT_TRUE(wait_for([&] { return c.n(1).field(4, "link_state") != "Up"; }, 5s));
  NodeProcess& n4 = c.n(4);
  n4.start();
  ASSERT_TRUE(wait_for([&] { return synced({&n4}); }, kSyncLimit)) << c.logs();
  ASSERT_NO_FATAL_FAILURE(expect_keys_soon(n4, expected_keys(kKeys, kValueBytes)));
  EXPECT_TRUE(synced({&c.n(1), &c.n(2), &c.n(3)}));
  std::printf("killed during its sync on attempt %d\n", attempt);
}

TEST(kv_cluster, ExpiryIsHonouredOnEveryNode) {
  KvCluster c;
  ASSERT_NO_FATAL_FAILURE(start_three(c));
  auto r = c.n(1).ctl({"kv", "put", "short", "lived", "--expires", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(c.n(1).ctl({"kv", "put", "forever", "kept"}).exit_code, 0);
  // Replication takes milliseconds; each node must show it before it expires.
  for (int id : {1, 2, 3})
    EXPECT_TRUE(wait_for([&] { return c.n(id).ctl({"kv", "get", "short"}, "table").out == "lived\n"; }, 1500ms))
        << "node " << id;

  const Json not_found = {{"code", 400}, {"message", "Value not found"}};
  for (int id : {1, 2, 3}) {
    // Deadlines are whole uptime seconds (kv-capability.md §1): gone by ~3 s.
    EXPECT_TRUE(wait_for([&] {
      auto f = mi(c.n(id), "cache_fetch", Json::array({"local", "short"}));
      return f && f->value("error", Json()) == not_found;
    }, 8s)) << "node " << id << " still returns the expired key";
    auto f = mi(c.n(id), "cache_fetch", Json::array({"local", "forever"}));
    ASSERT_TRUE(f);
    EXPECT_EQ(f->value("result", Json()), (Json{{"key", "forever"}, {"value", "kept"}}));
  }
}

}  // namespace
}  // namespace lc::itest
