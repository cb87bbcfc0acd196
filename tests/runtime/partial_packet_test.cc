// tcp_max_msg_time (Options::max_msg_time_ms): a connection holding an
// incomplete BIN packet too long is closed; complete packets, however slow
// within the limit, and idle connections are not affected. Raw loopback
// clients talk to one runtime (node 1); node 2 is a FakePeer listener that
// receives node 1's PONGs. Every wait is bounded.
#include "test_node.h"

namespace lc::runtime {
namespace {

using namespace lc::runtime::test;
using Clock = std::chrono::steady_clock;

NodeSetup with_max_msg_time(int64_t ms) {
  return NodeSetup{[ms](Options& o) { o.max_msg_time_ms = ms; }, {}};
}

std::span<const uint8_t> head(const wire::Bytes& b, std::size_t n) { return {b.data(), n}; }
std::span<const uint8_t> tail(const wire::Bytes& b, std::size_t n) {
  return {b.data() + n, b.size() - n};
}

TEST(partial_packet, StalledPacketOfANodeClosesItsConnection) {
  auto all = ports(2);
  TestNode a(1, all, with_max_msg_time(200));
  RawClient client(a.port());
  ASSERT_TRUE(client.ok());
  // A complete PING names the connection's node (2), then half a packet.
  const auto ping = ping_from(2);
  ASSERT_TRUE(client.write(ping));
  const auto t0 = Clock::now();
  ASSERT_TRUE(client.write(head(ping, ping.size() / 2)));
  ASSERT_TRUE(client.closed_within(3s)) << "a stalled partial packet kept its connection";
  // The limit counts from the runtime's read of the first byte: >= 200 ms.
  EXPECT_GE(Clock::now() - t0, 150ms);
  const auto c = a.counters();
  EXPECT_EQ(c.partial_timeouts, 1u);
  // Closed as a broken connection of node 2: the engine heard of it.
  EXPECT_GE(c.resets, 1u);
}

TEST(partial_packet, FewerBytesThanAHeaderCountAsPartial) {
  auto all = ports(2);
  TestNode a(1, all, with_max_msg_time(200));
  RawClient client(a.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.write(head(ping_from(2), 5)));  // "P4CK" and a length byte
  ASSERT_TRUE(client.closed_within(3s));
  EXPECT_EQ(a.counters().partial_timeouts, 1u);
}

TEST(partial_packet, ZeroDisablesTheTimeout) {
  auto all = ports(2);
  TestNode a(1, all, with_max_msg_time(0));
  RawClient client(a.port());
  ASSERT_TRUE(client.ok());
  const auto ping = ping_from(2);
  ASSERT_TRUE(client.write(head(ping, ping.size() / 2)));
  EXPECT_FALSE(client.closed_within(600ms));
  EXPECT_EQ(a.counters().partial_timeouts, 0u);
}

TEST(partial_packet, SlowPacketWithinTheLimitIsAccepted) {
  auto all = ports(2);
  FakePeer node2(all[1].second);
  ASSERT_TRUE(node2.ok());
  // A generous limit: the loop of a loaded test host may stall a while.
  TestNode a(1, all, with_max_msg_time(1000));
  RawClient client(a.port());
  ASSERT_TRUE(client.ok());
  const auto ping = ping_from(2);
  ASSERT_TRUE(client.write(head(ping, 7)));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(client.write(tail(ping, 7)));
  EXPECT_TRUE(node2.pongs_reach(1, 3s)) << "the PING split in two writes got no PONG";
  // Past the limit of the first half's timer: it finds nothing to close.
  EXPECT_FALSE(client.closed_within(1300ms));
  EXPECT_EQ(a.counters().partial_timeouts, 0u);
}

TEST(partial_packet, StreamThatKeepsCompletingPacketsIsNotClosed) {
  auto all = ports(2);
  FakePeer node2(all[1].second);
  ASSERT_TRUE(node2.ok());
  TestNode a(1, all, with_max_msg_time(400));
  RawClient client(a.port());
  ASSERT_TRUE(client.ok());
  // Every write completes the previous packet and starts the next one, so
  // the connection always holds a partial packet for 6 x 150 ms > 2 limits;
  // each partial packet is younger than the limit.
  const auto ping = ping_from(2);
  const std::size_t half = ping.size() / 2;
  ASSERT_TRUE(client.write(head(ping, half)));
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(150ms);
    wire::Bytes chunk(ping.begin() + static_cast<std::ptrdiff_t>(half), ping.end());
    chunk.insert(chunk.end(), ping.begin(), ping.begin() + static_cast<std::ptrdiff_t>(half));
    ASSERT_TRUE(client.write(chunk));
  }
  EXPECT_TRUE(node2.pongs_reach(6, 3s)) << node2.pongs() << " PONGs";
  EXPECT_FALSE(client.closed_within(50ms));
  EXPECT_EQ(a.counters().partial_timeouts, 0u);
}

TEST(partial_packet, IdleConnectionBetweenPacketsStaysOpen) {
  auto all = ports(2);
  FakePeer node2(all[1].second);
  ASSERT_TRUE(node2.ok());
  TestNode a(1, all, with_max_msg_time(200));
  RawClient client(a.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.write(ping_from(2)));
  ASSERT_TRUE(node2.pongs_reach(1, 3s));
  EXPECT_FALSE(client.closed_within(800ms)) << "an idle connection was closed";
  ASSERT_TRUE(client.write(ping_from(2)));
  EXPECT_TRUE(node2.pongs_reach(2, 3s));
  EXPECT_EQ(a.counters().partial_timeouts, 0u);
}

}  // namespace
}  // namespace lc::runtime
