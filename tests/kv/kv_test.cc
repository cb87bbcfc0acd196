// The replication and sync rules of cachedb-local-repl (kv-capability.md
// §1-§3) over a fake cluster link and a fake clock: what is sent, what a
// received packet or sync chunk does, the donor's walk, SYNC_DONE pruning,
// the change callback, restore and the MI group lookup.
#include <gtest/gtest.h>

#include <mutex>

#include "libcluster/kv/kv.h"
#include "libcluster/wire/codec.h"

namespace lc::kv {
namespace {

class FakeLink : public ClusterLink {
 public:
  core::SendResult send_all(const wire::Bytes& packet) override {
    sent.push_back(packet);
    return send_result;
  }
  core::SendResult sync_chunks(int32_t requester, std::span<const wire::Bytes> chunks) override {
    batches.emplace_back(requester, std::vector<wire::Bytes>(chunks.begin(), chunks.end()));
    return chunk_result;
  }
  core::SendResult sync_end(int32_t requester) override {
    ends.push_back(requester);
    return core::SendResult::kSuccess;
  }
  std::vector<Record> synced_records() const {
    std::vector<Record> out;
    for (const auto& [node, chunks] : batches)
      for (const auto& c : chunks) out.push_back(*decode_sync_record(c));
    return out;
  }

  std::vector<wire::Bytes> sent;
  std::vector<std::pair<int32_t, std::vector<wire::Bytes>>> batches;
  std::vector<int32_t> ends;
  core::SendResult send_result = core::SendResult::kSuccess;
  core::SendResult chunk_result = core::SendResult::kSuccess;
};

struct Fixture {
  explicit Fixture(KvOptions o = options()) : kv(std::move(o), [this] { return now_s; }, logger(), &link) {
    kv.set_on_change([this](const Change& c) { changes.push_back(c); });
  }
  static KvOptions options() {
    KvOptions o;
    o.collections = *build_collections({"sess/r", "local=4"});
    o.cluster_id = 1;
    return o;
  }
  Logger logger() {
    return [this](LogLevel level, std::string_view text) {
      logs.emplace_back(level, std::string(text));
    };
  }
  bool logged(LogLevel level, std::string_view text) const {
    for (const auto& [l, t] : logs)
      if (l == level && t.find(text) != std::string::npos) return true;
    return false;
  }
  core::ModuleEvent packet(const wire::Bytes& unrouted, int32_t src = 2) {
    auto h = wire::decode_module_header(unrouted);
    core::ModuleEvent ev;
    ev.module = std::string(kCapability);
    ev.kind = core::ModuleEventKind::kRecvMsg;
    ev.cluster_id = 1;
    ev.node_id = src;
    ev.packet = wire::ModulePacket{h->capability, h->type, h->version,
                                   wire::Bytes(unrouted.begin() + h->body_offset, unrouted.end()),
                                   {1, src, 1}};
    return ev;
  }
  core::ModuleEvent event(core::ModuleEventKind kind, int32_t node = 2) {
    core::ModuleEvent ev;
    ev.module = std::string(kCapability);
    ev.kind = kind;
    ev.cluster_id = 1;
    ev.node_id = node;
    return ev;
  }
  core::ModuleEvent sync_data(const std::vector<Record>& records, int32_t from = 2) {
    core::ModuleEvent ev = event(core::ModuleEventKind::kSyncData, from);
    ev.sync = core::SyncData{kDataVersion, {}};
    for (const Record& r : records) ev.sync->chunks.push_back(*encode_sync_record(r));
    return ev;
  }

  int64_t now_s = 1000;
  FakeLink link;
  std::vector<std::pair<LogLevel, std::string>> logs;
  std::vector<Change> changes;
  Kv kv;
};

TEST(kv_repl, LocalWritesToReplicatedCollectionsAreBroadcast) {
  Fixture f;
  EXPECT_EQ(f.kv.put("sess", "k1", "v", 30), KvStatus::kOk);
  ASSERT_EQ(f.link.sent.size(), 1u);
  EXPECT_EQ(f.link.sent[0], *encode_insert({"sess", "k1", "v", 30})) << "the TTL as given";
  EXPECT_EQ(f.kv.remove("sess", "k1"), KvStatus::kOk);
  EXPECT_EQ(f.kv.remove("sess", "absent"), KvStatus::kOk);
  ASSERT_EQ(f.link.sent.size(), 3u);
  EXPECT_EQ(f.link.sent[2], *encode_remove({"sess", "absent"})) << "REMOVE even when absent";
  // Local-only collection, expiry, remove_chunk: never sent.
  f.kv.put("local", "k", "v", 1);
  f.kv.remove("local", "k");
  f.kv.put("sess", "e", "v", 1);
  f.now_s += 5;
  EXPECT_FALSE(f.kv.get("sess", "e"));
  f.kv.put("sess", "c1", "v", 0);
  const std::size_t before = f.link.sent.size();
  f.kv.sweep();
  EXPECT_EQ(*f.kv.remove_chunk("sess", "c*"), 1u);
  EXPECT_EQ(f.link.sent.size(), before);
}

TEST(kv_repl, NoClusterNoPackets) {
  KvOptions o = Fixture::options();
  o.cluster_id = 0;
  Kv kv(o, [] { return int64_t{1}; }, {}, nullptr);
  EXPECT_EQ(kv.put("sess", "k", "v", 0), KvStatus::kOk);
  EXPECT_EQ(kv.remove("sess", "k"), KvStatus::kOk);
  EXPECT_FALSE(kv.needs_startup_sync());
}

TEST(kv_repl, SendFailuresAndOversizeKeepTheLocalWrite) {
  Fixture f;
  f.link.send_result = core::SendResult::kDestDown;
  EXPECT_EQ(f.kv.put("sess", "k", "v", 0), KvStatus::kOk);
  EXPECT_EQ(*f.kv.get("sess", "k"), "v");
  f.link.send_result = core::SendResult::kError;
  EXPECT_EQ(f.kv.put("sess", "k2", "v", 0), KvStatus::kOk);
  EXPECT_TRUE(f.logged(LogLevel::kError, "not sent to cluster 1"));
  const std::size_t sent = f.link.sent.size();
  EXPECT_EQ(f.kv.put("sess", "big", std::string(70'000, 'x'), 0), KvStatus::kOk);
  EXPECT_EQ(f.link.sent.size(), sent) << "oversized: not replicated";
  EXPECT_EQ(f.kv.get("sess", "big")->size(), 70'000u) << "but stored";
  EXPECT_TRUE(f.logged(LogLevel::kError, "REPL_CACHE_INSERT not replicated (collection sess, key big)"));
}

TEST(kv_repl, PutRefusesNegativeTtlAndUnknownCollections) {
  Fixture f;
  EXPECT_EQ(f.kv.put("sess", "k", "v", -1), KvStatus::kBadTtl);
  EXPECT_EQ(f.kv.put("nope", "k", "v", 0), KvStatus::kUnknownCollection);
  EXPECT_EQ(f.kv.remove("nope", "k"), KvStatus::kUnknownCollection);
  EXPECT_EQ(f.kv.get("nope", "k").error(), KvStatus::kUnknownCollection);
  EXPECT_EQ(f.kv.get("sess", "k").error(), KvStatus::kNotFound);
  EXPECT_TRUE(f.link.sent.empty());
}

TEST(kv_repl, ReceivedInsertsAndRemovesFollowTheReceiverRules) {
  Fixture f;
  f.kv.on_event(f.packet(*encode_insert({"sess", "k", "v", 10})));
  EXPECT_EQ(*f.kv.get("sess", "k"), "v");
  f.now_s += 11;
  EXPECT_FALSE(f.kv.get("sess", "k")) << "the receiver's own deadline: now + TTL";
  f.kv.on_event(f.packet(*encode_insert({"sess", "k", "v2", 0})));
  f.kv.on_event(f.packet(*encode_insert({"local", "k", "v", 0})));
  EXPECT_FALSE(f.kv.get("local", "k")) << "a local-only collection ignores it";
  f.kv.on_event(f.packet(*encode_insert({"other", "k", "v", 0})));
  EXPECT_TRUE(f.logged(LogLevel::kError, "Collection: other not found"));
  EXPECT_TRUE(f.link.sent.empty()) << "replicated writes are never sent again";
  f.kv.on_event(f.packet(*encode_remove({"sess", "k"})));
  EXPECT_FALSE(f.kv.get("sess", "k"));
  f.kv.on_event(f.packet(*encode_remove({"sess", "absent"})));
  EXPECT_TRUE(f.link.sent.empty());
  ASSERT_EQ(f.changes.size(), 4u);  // insert, lazy expiry, insert, remove
  EXPECT_EQ(f.changes[0].cause, ChangeCause::kReplication);
  EXPECT_EQ(f.changes[1].cause, ChangeCause::kExpiry);
  EXPECT_EQ(f.changes[2].value, "v2");
  EXPECT_FALSE(f.changes[3].value);
}

TEST(kv_repl, NegativeTtlIsAlreadyExpired) {
  Fixture f;
  f.kv.put("sess", "k", "old", 0);
  f.kv.on_event(f.packet(*encode_insert({"sess", "k", "v", -5})));
  EXPECT_FALSE(f.kv.get("sess", "k"));
  EXPECT_EQ(f.kv.store().size(), 0u);
}

TEST(kv_repl, BadPacketsAreDroppedWithTheirLog) {
  Fixture f;
  wire::Bytes unknown = wire::encode_module_unrouted(kCapability, 7, kBinVersion, wire::Bytes{});
  f.kv.on_event(f.packet(unknown));
  EXPECT_TRUE(f.logged(LogLevel::kWarning, "Invalid cache binary packet command: 7"));
  wire::Bytes cut = *encode_insert({"sess", "k", "v", 1});
  cut.resize(cut.size() - 2);
  f.kv.on_event(f.packet(wire::encode_module_unrouted(kCapability, 1, kBinVersion,
                                                      wire::Bytes(cut.begin() + 34, cut.end()))));
  EXPECT_TRUE(f.logged(LogLevel::kError, "dropped a cachedb-local-repl packet from node 2"));
  EXPECT_EQ(f.kv.store().size(), 0u);
}

TEST(kv_sync, DonorSendsLiveReplicatedEntriesThenSyncEnd) {
  Fixture f;
  f.kv.put("sess", "a", "1", 10);  // deadline 1010
  f.kv.put("sess", "b", "2", 0);
  f.kv.put("sess", "c", "3", 2);  // deadline 1002
  f.kv.put("local", "x", "y", 0);
  f.now_s = 1002;
  f.kv.on_event(f.event(core::ModuleEventKind::kSyncRequest, 3));
  EXPECT_EQ(f.link.synced_records(),
            (std::vector<Record>{{"sess", "a", "1", 8}, {"sess", "b", "2", 0}}))
      << "remaining TTL; deadline == now is not sent; local-only collections never";
  EXPECT_EQ(f.link.batches[0].first, 3);
  EXPECT_EQ(f.link.ends, std::vector<int32_t>{3});
}

TEST(kv_sync, DonorWithNothingStillEndsAndBatchesAreBounded) {
  Fixture empty;
  empty.kv.on_event(empty.event(core::ModuleEventKind::kSyncRequest, 3));
  EXPECT_TRUE(empty.link.batches.empty());
  EXPECT_EQ(empty.link.ends, std::vector<int32_t>{3});

  KvOptions o = Fixture::options();
  o.sync_batch_bytes = 100;
  Fixture f(o);
  for (int i = 0; i < 50; ++i) f.kv.put("sess", "key-" + std::to_string(i), "value", 0);
  f.kv.on_event(f.event(core::ModuleEventKind::kSyncRequest, 2));
  EXPECT_GT(f.link.batches.size(), 5u);
  EXPECT_EQ(f.link.synced_records().size(), 50u);
  EXPECT_EQ(f.link.ends.size(), 1u);
}

TEST(kv_sync, DonorStopsOnSendFailureButAlwaysEnds) {
  KvOptions o = Fixture::options();
  o.sync_batch_bytes = 1;
  Fixture f(o);
  for (int i = 0; i < 10; ++i) f.kv.put("sess", std::to_string(i), "v", 0);
  f.link.chunk_result = core::SendResult::kDestDown;
  f.kv.on_event(f.event(core::ModuleEventKind::kSyncRequest, 2));
  EXPECT_EQ(f.link.batches.size(), 1u) << "stopped at the first failure";
  EXPECT_EQ(f.link.ends, std::vector<int32_t>{2});
  EXPECT_TRUE(f.logged(LogLevel::kError, "Failed to send sync data to node: 2"));
}

TEST(kv_sync, ReceiverAppliesChunksAndSkipsBadOnes) {
  Fixture f;
  core::ModuleEvent ev = f.sync_data({{"sess", "a", "1", 5}, {"other", "b", "2", 0},
                                      {"sess", "c", "3", 0}});
  ev.sync->chunks.insert(ev.sync->chunks.begin() + 1, wire::Bytes{1, 0});  // truncated
  f.kv.on_event(ev);
  EXPECT_EQ(*f.kv.get("sess", "a"), "1");
  EXPECT_EQ(*f.kv.get("sess", "c"), "3") << "K1: the chunks after a bad one are applied";
  EXPECT_TRUE(f.logged(LogLevel::kError, "Collection: other not found"));
  EXPECT_TRUE(f.logged(LogLevel::kError, "2 of 4 chunks from node 2 skipped"));
  f.now_s += 6;
  EXPECT_FALSE(f.kv.get("sess", "a")) << "the remaining TTL is kept";
  ASSERT_GE(f.changes.size(), 2u);
  EXPECT_EQ(f.changes[0].cause, ChangeCause::kSync);
  EXPECT_TRUE(f.link.sent.empty());
}

TEST(kv_sync, SyncDonePrunesUnsyncedOnlyWithRestartPersistency) {
  for (bool persistent : {false, true}) {
    KvOptions o = Fixture::options();
    o.restart_persistent = persistent;
    Fixture f(o);
    EXPECT_EQ(f.kv.restore({{"sess", "stale", "s", 0}, {"sess", "kept", "old", 0},
                            {"local", "l", "v", 0}}),
              0u);
    f.kv.put("sess", "written-meanwhile", "w", 0);
    f.kv.on_event(f.sync_data({{"sess", "kept", "new", 0}, {"sess", "fresh", "f", 0}}));
    f.kv.on_event(f.event(core::ModuleEventKind::kSyncDone));
    EXPECT_EQ(f.kv.get("sess", "stale").has_value(), !persistent);
    EXPECT_EQ(f.kv.get("sess", "written-meanwhile").has_value(), !persistent);
    EXPECT_EQ(*f.kv.get("sess", "kept"), "new");
    EXPECT_TRUE(f.kv.get("sess", "fresh"));
    EXPECT_TRUE(f.kv.get("local", "l")) << "local-only collections are never pruned";
    if (persistent) {
      EXPECT_EQ(f.changes.back().cause, ChangeCause::kPruned);
    }
  }
}

TEST(kv_sync, RestoreRecomputesDeadlinesAndSkipsUnknownCollections) {
  Fixture f;
  EXPECT_EQ(f.kv.restore({{"sess", "a", "1", 10}, {"gone", "b", "2", 0}, {"gone", "c", "3", 0},
                          {"sess", "d", "4", -1}}),
            3u);
  EXPECT_TRUE(f.logged(LogLevel::kWarning, "2 entries not restored: collection gone is not configured"));
  EXPECT_TRUE(f.changes.empty()) << "restoring reports no change";
  f.now_s += 10;
  EXPECT_TRUE(f.kv.get("sess", "a"));
  f.now_s += 1;
  EXPECT_FALSE(f.kv.get("sess", "a"));
  EXPECT_TRUE(f.link.sent.empty());
}

TEST(kv_repl, ChangeCallbackSeesEveryCause) {
  Fixture f;
  f.kv.put("sess", "k", "v", 1);
  f.kv.put("local", "j", "v", 1);
  f.now_s += 2;
  EXPECT_EQ(f.kv.sweep(), 2u);
  ASSERT_EQ(f.changes.size(), 4u);
  EXPECT_EQ(f.changes[0].cause, ChangeCause::kLocal);
  EXPECT_EQ(f.changes[0].value, "v");
  EXPECT_EQ(f.changes[2].cause, ChangeCause::kExpiry);
  EXPECT_FALSE(f.changes[2].value);
  f.kv.remove("sess", "absent");
  EXPECT_EQ(f.changes.size(), 4u) << "nothing changed";
}

TEST(kv_repl, CapabilityFollowsThePersistency) {
  Fixture f;
  core::CapabilitySpec spec = f.kv.capability();
  EXPECT_EQ(spec.name, "cachedb-local-repl");
  EXPECT_EQ(spec.cluster_id, 1);
  EXPECT_TRUE(spec.startup_sync);
  EXPECT_EQ(spec.sync_cond, core::NodeMatch::kAny);
  KvOptions o = Fixture::options();
  o.persistency = Persistency::kNone;
  Fixture none(o);
  EXPECT_FALSE(none.kv.capability().startup_sync);
  EXPECT_FALSE(none.kv.needs_startup_sync());
}

TEST(kv_repl, SystemsResolveThroughUrlsThenCollectionNames) {
  Fixture plain;  // no kv_url: "local" is the first collection (default, prepended)
  EXPECT_EQ(plain.kv.resolve_system("local"), "default");
  EXPECT_EQ(plain.kv.resolve_system("local:local"), "local") << "K4: a group names a collection";
  EXPECT_EQ(plain.kv.resolve_system("local:default"), "default");
  EXPECT_FALSE(plain.kv.resolve_system("local:nope"));
  EXPECT_FALSE(plain.kv.resolve_system("local:"));
  EXPECT_FALSE(plain.kv.resolve_system("redis"));
  EXPECT_FALSE(plain.kv.resolve_system("redis:sess"));
  EXPECT_FALSE(plain.kv.resolve_system("Local"));

  KvOptions o = Fixture::options();
  o.urls = *build_urls({"local:g1://local", "local:g2://"}, o.collections);
  Fixture bound(o);
  EXPECT_EQ(bound.kv.resolve_system("local:g1"), "local");
  EXPECT_EQ(bound.kv.resolve_system("local:g2"), "default") << "no collection: the first";
  EXPECT_FALSE(bound.kv.resolve_system("local")) << "URLs given, none for plain local";
  EXPECT_EQ(bound.kv.resolve_system("local:sess"), "sess");
}

}  // namespace
}  // namespace lc::kv
