// A capability synced over real TCP between two runtimes: node 1 holds
// 3,000 records and answers sync requests from its handler (on the worker
// pool, calling back into the runtime); node 2 starts empty, asks at
// registration and must end synced with every record, SYNC_DONE last.
#include <atomic>
#include <set>

#include "test_node.h"

namespace lc::runtime {
namespace {

using namespace lc::runtime::test;

constexpr const char* kCap = "kv-test";
constexpr int kRecords = 3'000;

wire::Bytes record(int i) {
  const std::string s = "key-" + std::to_string(i) + "=value-" + std::to_string(i * 7);
  return wire::Bytes(s.begin(), s.end());
}

// Node 1's module: the whole data set on every request, in batches.
NodeSetup donor() {
  return NodeSetup{[](Options& o) { o.dispatch_jobs = true; },
                   [](Runtime& rt) {
                     core::CapabilitySpec spec{kCap, 1, false};
                     ASSERT_TRUE(rt.register_capability(spec, [&rt](const core::ModuleEvent& ev) {
                       if (ev.kind != core::ModuleEventKind::kSyncRequest) return;
                       for (int first = 0; first < kRecords; first += 500) {
                         std::vector<wire::Bytes> batch;
                         for (int i = first; i < std::min(first + 500, kRecords); ++i)
                           batch.push_back(record(i));
                         const auto r = rt.call([&](core::Engine& e, core::Now now) {
                           return e.sync_chunks(now, 1, kCap, ev.node_id, 1, batch);
                         });
                         if (r != core::SendResult::kSuccess) break;
                       }
                       rt.call([&](core::Engine& e, core::Now now) {
                         return e.sync_end(now, 1, kCap, ev.node_id);
                       });
                     }));
                   }};
}

struct Receiver {
  std::mutex mu;
  std::set<wire::Bytes> records;
  bool done = false;
  bool data_after_done = false;
};

NodeSetup receiver(Receiver& got) {
  return NodeSetup{[](Options& o) { o.dispatch_jobs = true; },
                   [&got](Runtime& rt) {
                     core::CapabilitySpec spec{kCap, 1, true};
                     ASSERT_TRUE(rt.register_capability(spec, [&got](const core::ModuleEvent& ev) {
                       std::lock_guard lock(got.mu);
                       if (ev.kind == core::ModuleEventKind::kSyncData) {
                         got.data_after_done = got.data_after_done || got.done;
                         for (const auto& c : ev.sync->chunks) got.records.insert(c);
                       }
                       if (ev.kind == core::ModuleEventKind::kSyncDone) got.done = true;
                     }));
                     // Before the loop runs: the request is queued until a donor shows up.
                     EXPECT_EQ(rt.engine().request_sync(rt.now(), 1, kCap),
                               core::SyncRequest::kQueued);
                   }};
}

TEST(runtime_caps, JoiningNodeSyncsEveryRecordFromTheDonor) {
  const NodePorts all = ports(2);
  Receiver got;
  TestNode n1(1, all, donor());
  TestNode n2(2, all, receiver(got));
  ASSERT_TRUE(wait_for(
      [&] {
        std::lock_guard lock(got.mu);
        return got.done;
      },
      10s));
  {
    std::lock_guard lock(got.mu);
    EXPECT_EQ(got.records.size(), static_cast<std::size_t>(kRecords));
    EXPECT_FALSE(got.data_after_done) << "SYNC_DONE after every data packet";
  }
  auto cap = n2.rt().call([](core::Engine& e, core::Now) { return e.capability(1, kCap); });
  ASSERT_TRUE(cap);
  EXPECT_TRUE(cap->ok);
  EXPECT_EQ(cap->status, core::CapStatus::kSynced);
  auto reports =
      n2.rt().call([](core::Engine& e, core::Now) { return e.capability_reports(kCap); });
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().log,
            "Sync completed, received [" + std::to_string(kRecords) + "] chunks");
}

}  // namespace
}  // namespace lc::runtime
