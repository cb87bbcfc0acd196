// dispatch_jobs: module handlers inline on the loop thread (0) or on the
// worker pool (1); per-node order, callbacks into the runtime from a
// handler, the bounded queue and its backpressure (no event lost: reads
// pause instead, docs/decisions.md N2), and stop() with handlers still
// queued. Node 1 echoes module "m" requests from node 2 back to it. Every
// wait is bounded.
#include <algorithm>
#include <atomic>
#include <map>

#include "test_node.h"

namespace lc::runtime {
namespace {

using namespace lc::runtime::test;
using Clock = std::chrono::steady_clock;

constexpr int32_t kRequest = 1;
constexpr int32_t kReply = 2;

wire::Bytes module_packet(int32_t type, uint32_t seq) {
  const uint8_t body[4] = {static_cast<uint8_t>(seq), static_cast<uint8_t>(seq >> 8),
                           static_cast<uint8_t>(seq >> 16), static_cast<uint8_t>(seq >> 24)};
  return wire::encode_module_unrouted("m", type, 1, body);
}

uint32_t seq_of(const core::ModuleEvent& ev) {
  const auto& b = ev.packet->body;
  return b.size() < 4 ? UINT32_MAX : (b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24);
}

bool is_request(const core::ModuleEvent& ev) {
  return ev.kind == core::ModuleEventKind::kRecvMsg && ev.packet && ev.packet->type == kRequest;
}

core::SendResult send(Runtime& rt, int32_t to, int32_t type, uint32_t seq) {
  return rt.call([&](core::Engine& e, core::Now now) {
    return e.send_to(now, 1, to, module_packet(type, seq));
  });
}

// What node 1's handler saw, in call order.
struct Seen {
  std::mutex mu;
  std::vector<uint32_t> seqs;
  std::vector<std::thread::id> threads;
  std::vector<core::SendResult> reply_results;
};

// Node 1: echoes each request back to its sender from inside the handler.
NodeSetup echo(Seen& seen, bool dispatch_jobs) {
  return NodeSetup{[dispatch_jobs](Options& o) {
                 o.dispatch_jobs = dispatch_jobs;
                 o.worker_threads = 4;
               },
               [&seen](Runtime& rt) {
                 ASSERT_TRUE(rt.register_module("m", {1}, true, [&seen, &rt](const core::ModuleEvent& ev) {
                   if (!is_request(ev)) return;
                   const auto r = send(rt, ev.node_id, kReply, seq_of(ev));
                   std::lock_guard lock(seen.mu);
                   seen.seqs.push_back(seq_of(ev));
                   seen.threads.push_back(std::this_thread::get_id());
                   seen.reply_results.push_back(r);
                 }));
               }};
}

// Node 2: counts the replies.
NodeSetup count_replies(std::atomic<int>& replies) {
  return NodeSetup{{}, [&replies](Runtime& rt) {
                 ASSERT_TRUE(rt.register_module("m", {1}, true, [&replies](const core::ModuleEvent& ev) {
                   if (ev.kind == core::ModuleEventKind::kRecvMsg && ev.packet->type == kReply) ++replies;
                 }));
               }};
}

// Node 2 sends `n` requests; node 1 answers each from its handler.
void echo_round(bool dispatch_jobs, bool expect_loop_thread) {
  auto all = ports(2);
  Seen seen;
  std::atomic<int> replies{0};
  TestNode a(1, all, echo(seen, dispatch_jobs)), b(2, all, count_replies(replies));
  ASSERT_TRUE(wait_for([&] { return a.reachable(2) && b.reachable(1); }, 3s));
  const auto loop_id = a.loop_thread_id();
  constexpr uint32_t kN = 200;
  for (uint32_t i = 0; i < kN; ++i) ASSERT_EQ(send(b.rt(), 1, kRequest, i), core::SendResult::kSuccess);
  ASSERT_TRUE(wait_for([&] { return replies.load() == static_cast<int>(kN); }, 5s))
      << replies.load() << " replies of " << kN;

  std::lock_guard lock(seen.mu);
  ASSERT_EQ(seen.seqs.size(), kN);
  for (uint32_t i = 0; i < kN; ++i) EXPECT_EQ(seen.seqs[i], i) << "handler calls out of order";
  for (const auto r : seen.reply_results) EXPECT_EQ(r, core::SendResult::kSuccess);
  for (const auto& id : seen.threads) {
    if (expect_loop_thread)
      EXPECT_EQ(id, loop_id);
    else
      EXPECT_NE(id, loop_id);
  }
  // One node's events go to one worker (that is what keeps them in order).
  for (const auto& id : seen.threads) EXPECT_EQ(id, seen.threads[0]);
  // 200 events never reach the 1024-event limit: reading never paused.
  EXPECT_EQ(a.counters().read_pauses, 0u);
}

TEST(dispatch, InlineHandlersRunOnTheLoopThread) { echo_round(false, true); }

TEST(dispatch, JobsRunOnAWorkerInSenderOrder) { echo_round(true, false); }

// What node 1's handler got from a flood: the requests of each sender, in
// handler-call order, and the NODE_DOWN events.
struct Flooded {
  std::mutex mu;
  std::map<int32_t, std::vector<uint32_t>> seqs;
  std::vector<int32_t> downs;
  std::atomic<uint32_t> total{0};
};

// `n` sends requests 0..count-1 to node 1, 1,000 per loop call; returns how
// many send_to calls failed.
int flood(TestNode& n, uint32_t count) {
  int failed = 0;
  for (uint32_t first = 0; first < count; first += 1000) {
    const uint32_t end = std::min(count, first + 1000);
    failed += n.rt().call([first, end](core::Engine& e, core::Now now) {
      int bad = 0;
      for (uint32_t s = first; s < end; ++s)
        bad += e.send_to(now, 1, 1, module_packet(kRequest, s)) != core::SendResult::kSuccess;
      return bad;
    });
  }
  return failed;
}

// Nodes 2 and 3 flood node 1 with 10,000 requests each, faster than its
// handler takes them (it sleeps 1 ms every 50). Nothing is dropped: every
// request reaches the handler exactly once, each sender's in order; node 1
// paused reading instead, and no worker's queue went past the limit by more
// than one packet's events.
TEST(dispatch, FloodReachesASlowHandlerExactlyOnceInOrderWhileReadsPause) {
  auto all = ports(3);
  constexpr std::size_t kLimit = 64;
  constexpr uint32_t kPerSender = 10000;
  Flooded got;
  NodeSetup slow{[](Options& o) {
                   o.dispatch_jobs = true;
                   o.worker_threads = 2;  // nodes 2 and 3 on different workers
                   o.dispatch_queue_limit = kLimit;
                 },
                 [&got](Runtime& rt) {
                   ASSERT_TRUE(rt.register_module("m", {1}, true, [&got](const core::ModuleEvent& ev) {
                     if (ev.kind == core::ModuleEventKind::kNodeDown) {
                       std::lock_guard lock(got.mu);
                       got.downs.push_back(ev.node_id);
                       return;
                     }
                     if (!is_request(ev)) return;
                     const uint32_t seq = seq_of(ev);
                     {
                       std::lock_guard lock(got.mu);
                       got.seqs[ev.node_id].push_back(seq);
                     }
                     ++got.total;
                     if (seq % 50 == 49) std::this_thread::sleep_for(1ms);
                   }));
                 }};
  std::atomic<int> replies{0};
  TestNode a(1, all, slow), b(2, all, count_replies(replies)), c(3, all, count_replies(replies));
  ASSERT_TRUE(wait_for([&] { return a.reachable(2) && a.reachable(3) && b.reachable(1) && c.reachable(1); },
                       5s));

  std::atomic<int> failed{0};
  std::thread from_b([&] { failed += flood(b, kPerSender); });
  std::thread from_c([&] { failed += flood(c, kPerSender); });
  from_b.join();
  from_c.join();
  ASSERT_EQ(failed.load(), 0);
  ASSERT_TRUE(wait_for([&] { return got.total.load() >= 2 * kPerSender; }, 30s))
      << got.total.load() << " of " << 2 * kPerSender << " requests handled";
  std::this_thread::sleep_for(200ms);  // a duplicate would arrive now

  const auto counters = a.counters();
  std::lock_guard lock(got.mu);
  EXPECT_EQ(got.total.load(), 2 * kPerSender);
  for (const int32_t sender : {2, 3}) {
    const auto& seqs = got.seqs[sender];
    ASSERT_EQ(seqs.size(), kPerSender) << "from node " << sender;
    for (uint32_t i = 0; i < kPerSender; ++i)
      if (seqs[i] != i) {
        ADD_FAILURE() << "from node " << sender << ": call " << i << " had request " << seqs[i];
        break;
      }
  }
  EXPECT_GE(counters.read_pauses, 1u) << "the handler never fell behind: no backpressure tested";
  EXPECT_GE(counters.dispatch_queue_peak, kLimit);
  EXPECT_LE(counters.dispatch_queue_peak, kLimit + 1) << "a module packet raises one event";
  // Reads resumed promptly each time: the links never timed out.
  EXPECT_TRUE(got.downs.empty()) << got.downs.size() << " NODE_DOWN events";
  std::printf("[ info ] %u requests, %llu read pauses, %llu ms paused, queue peak %llu\n",
              2 * kPerSender, static_cast<unsigned long long>(counters.read_pauses),
              static_cast<unsigned long long>(counters.read_paused_ms),
              static_cast<unsigned long long>(counters.dispatch_queue_peak));
}

// Node 1's only worker is stuck in a handler and its queue is full, so
// reading is paused; a node-state event raised meanwhile (NODE_DOWN for
// node 3, removed by a command: disabling it would not do, node 2 relays to
// it) is queued past the limit rather than dropped. Once the handler
// returns, everything arrives and reading resumes.
TEST(dispatch, NodeEventsRaisedWhileFullAreQueuedNotDropped) {
  auto all = ports(3);
  constexpr std::size_t kLimit = 4;
  constexpr uint32_t kN = 20;
  std::atomic<bool> gate_open{false};
  std::atomic<int> entered{0};
  Flooded got;
  NodeSetup blocked{[](Options& o) {
                      o.dispatch_jobs = true;
                      o.worker_threads = 1;
                      o.dispatch_queue_limit = kLimit;
                    },
                    [&](Runtime& rt) {
                      ASSERT_TRUE(rt.register_module("m", {1}, true, [&](const core::ModuleEvent& ev) {
                        if (ev.kind == core::ModuleEventKind::kNodeDown) {
                          std::lock_guard lock(got.mu);
                          got.downs.push_back(ev.node_id);
                          return;
                        }
                        if (!is_request(ev)) return;
                        ++entered;
                        for (int i = 0; i < 500 && !gate_open; ++i) std::this_thread::sleep_for(10ms);
                        std::lock_guard lock(got.mu);
                        got.seqs[ev.node_id].push_back(seq_of(ev));
                      }));
                    }};
  std::atomic<int> replies{0};
  TestNode a(1, all, blocked), b(2, all, count_replies(replies)), c(3, all, count_replies(replies));
  ASSERT_TRUE(wait_for([&] { return a.reachable(2) && a.reachable(3) && b.reachable(1); }, 5s));
  ASSERT_EQ(send(b.rt(), 1, kRequest, 0), core::SendResult::kSuccess);
  ASSERT_TRUE(wait_for([&] { return entered.load() == 1; }, 3s));
  for (uint32_t i = 1; i < kN; ++i) ASSERT_EQ(send(b.rt(), 1, kRequest, i), core::SendResult::kSuccess);
  // One request in the stuck handler, kLimit queued: reading paused, the
  // other requests wait in node 1's socket buffer and framer.
  ASSERT_TRUE(wait_for([&] { return a.counters().read_pauses >= 1; }, 3s));
  EXPECT_EQ(a.counters().dispatch_queue_peak, kLimit);
  ASSERT_EQ(a.rt().call([](core::Engine& e, core::Now now) { return e.remove_node(now, 1, 3); }),
            core::CommandResult::kOk);
  EXPECT_TRUE(wait_for([&] { return a.counters().dispatch_queue_peak == kLimit + 1; }, 2s))
      << "NODE_DOWN not queued past the limit: peak " << a.counters().dispatch_queue_peak;
  gate_open = true;

  const auto delivered = [&] {
    std::lock_guard lock(got.mu);
    return got.seqs[2].size() == kN &&
           std::count(got.downs.begin(), got.downs.end(), 3) == 1;
  };
  ASSERT_TRUE(wait_for(delivered, 5s));
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard lock(got.mu);
    ASSERT_EQ(got.seqs[2].size(), kN);
    for (uint32_t i = 0; i < kN; ++i) EXPECT_EQ(got.seqs[2][i], i);
    EXPECT_EQ(std::count(got.downs.begin(), got.downs.end(), 3), 1);
  }
  // Reading resumed: node 2 is still (or again) reachable both ways.
  EXPECT_TRUE(wait_for([&] { return a.reachable(2) && b.reachable(1); }, 5s));
}

// tcp_max_msg_time does not count the time reading was paused (the rest of
// a partial packet waits in our socket buffer then, not on the peer): a
// packet whose first bytes came just before a pause twice the limit long
// completes fine after it; the limit still applies afterwards.
TEST(dispatch, PausedTimeDoesNotCountTowardsMaxMsgTime) {
  auto all = ports(2);
  constexpr std::size_t kLimit = 2;
  std::atomic<bool> gate_open{false};
  std::atomic<int> entered{0};
  NodeSetup blocked{[](Options& o) {
                      o.dispatch_jobs = true;
                      o.worker_threads = 1;
                      o.dispatch_queue_limit = kLimit;
                      o.max_msg_time_ms = 600;
                    },
                    [&](Runtime& rt) {
                      ASSERT_TRUE(rt.register_module("m", {1}, true, [&](const core::ModuleEvent& ev) {
                        if (!is_request(ev)) return;
                        ++entered;
                        for (int i = 0; i < 500 && !gate_open; ++i) std::this_thread::sleep_for(10ms);
                      }));
                    }};
  std::atomic<int> replies{0};
  TestNode a(1, all, blocked), b(2, all, count_replies(replies));
  ASSERT_TRUE(wait_for([&] { return a.reachable(2) && b.reachable(1); }, 3s));
  RawClient raw(a.port());
  ASSERT_TRUE(raw.ok());
  const auto packet = ping_from(9);  // from an unknown node: ignored once complete
  const auto bytes = std::span<const uint8_t>(packet);
  ASSERT_TRUE(raw.write(bytes.first(5)));
  std::this_thread::sleep_for(50ms);  // node 1 holds a partial packet
  // One request stuck in the handler, kLimit queued: reading pauses.
  ASSERT_EQ(send(b.rt(), 1, kRequest, 0), core::SendResult::kSuccess);
  ASSERT_TRUE(wait_for([&] { return entered.load() == 1; }, 3s));
  for (uint32_t i = 1; i <= kLimit; ++i)
    ASSERT_EQ(send(b.rt(), 1, kRequest, i), core::SendResult::kSuccess);
  ASSERT_TRUE(wait_for([&] { return a.counters().read_pauses >= 1; }, 3s));
  std::this_thread::sleep_for(1200ms);
  gate_open = true;
  ASSERT_TRUE(wait_for([&] { return a.counters().read_paused_ms >= 1000; }, 3s));  // resumed
  ASSERT_TRUE(raw.write(bytes.subspan(5)));
  EXPECT_FALSE(raw.closed_within(300ms)) << "closed for a partial packet the pause kept waiting";
  EXPECT_EQ(a.counters().partial_timeouts, 0u);
  // Not paused any more: a packet left incomplete is timed out as ever.
  ASSERT_TRUE(raw.write(bytes.first(5)));
  EXPECT_TRUE(raw.closed_within(3s));
  EXPECT_EQ(a.counters().partial_timeouts, 1u);
}

TEST(dispatch, StopWithHandlersQueuedReturnsPromptly) {
  auto all = ports(2);
  std::atomic<int> started{0}, finished{0}, unavailable{0};
  NodeSetup slow{[](Options& o) {
               o.dispatch_jobs = true;
               o.worker_threads = 1;
             },
             [&](Runtime& rt) {
               ASSERT_TRUE(rt.register_module("m", {1}, true, [&](const core::ModuleEvent& ev) {
                 if (!is_request(ev)) return;
                 ++started;
                 std::this_thread::sleep_for(100ms);
                 // Calls back while the runtime stops: must not wait forever.
                 try {
                   send(rt, ev.node_id, kReply, seq_of(ev));
                 } catch (const Unavailable&) {
                   ++unavailable;
                 }
                 ++finished;
               }));
             }};
  std::atomic<int> replies{0};
  auto a = std::make_unique<TestNode>(1, all, slow);
  TestNode b(2, all, count_replies(replies));
  ASSERT_TRUE(wait_for([&] { return a->reachable(2) && b.reachable(1); }, 3s));
  constexpr int kN = 40;  // 4 s of handler work queued
  for (int i = 0; i < kN; ++i) ASSERT_EQ(send(b.rt(), 1, kRequest, i), core::SendResult::kSuccess);
  ASSERT_TRUE(wait_for([&] { return started.load() >= 1; }, 3s));

  const auto t0 = Clock::now();
  a->stop();  // stop() and the join of run()'s thread
  // run() returned only once the running handler had returned.
  EXPECT_EQ(started.load(), finished.load());
  EXPECT_LT(finished.load(), kN);
  EXPECT_THROW(a->link(2), Unavailable);
  a.reset();  // the Runtime's destructor: nothing left to wait for
  EXPECT_LT(Clock::now() - t0, 2s) << "stopping waited for the queued handlers";
  EXPECT_LT(finished.load(), kN);
}

}  // namespace
}  // namespace lc::runtime
