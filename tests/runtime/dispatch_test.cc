// dispatch_jobs: module handlers inline on the loop thread (0) or on the
// worker pool (1); per-node order, callbacks into the runtime from a
// handler, the bounded queue, and stop() with handlers still queued. Node 1
// echoes module "m" requests from node 2 back to it. Every wait is bounded.
#include <atomic>

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
  EXPECT_EQ(a.counters().dropped_dispatches, 0u);
}

TEST(dispatch, InlineHandlersRunOnTheLoopThread) { echo_round(false, true); }

TEST(dispatch, JobsRunOnAWorkerInSenderOrder) { echo_round(true, false); }

TEST(dispatch, FullWorkerQueueDropsAndCountsEvents) {
  auto all = ports(2);
  std::atomic<bool> gate_open{false};
  std::atomic<int> handled{0};
  NodeSetup blocked{[](Options& o) {
                  o.dispatch_jobs = true;
                  o.worker_threads = 1;
                  o.dispatch_queue_limit = 4;
                },
                [&](Runtime& rt) {
                  ASSERT_TRUE(rt.register_module("m", {1}, true, [&](const core::ModuleEvent& ev) {
                    if (!is_request(ev)) return;
                    ++handled;
                    for (int i = 0; i < 500 && !gate_open; ++i) std::this_thread::sleep_for(10ms);
                  }));
                }};
  std::atomic<int> replies{0};
  TestNode a(1, all, blocked), b(2, all, count_replies(replies));
  ASSERT_TRUE(wait_for([&] { return a.reachable(2) && b.reachable(1); }, 3s));
  constexpr int kN = 20;
  for (int i = 0; i < kN; ++i) ASSERT_EQ(send(b.rt(), 1, kRequest, i), core::SendResult::kSuccess);
  // One request in the blocked handler, 4 queued, the rest dropped.
  const auto dropped = [&] { return static_cast<int>(a.counters().dropped_dispatches); };
  ASSERT_TRUE(wait_for([&] { return dropped() >= kN - 5; }, 3s)) << dropped() << " dropped";
  gate_open = true;
  ASSERT_TRUE(wait_for([&] { return handled.load() + dropped() >= kN; }, 3s));
  std::this_thread::sleep_for(100ms);
  EXPECT_GE(handled.load(), 1);
  EXPECT_LE(handled.load(), 5);
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
