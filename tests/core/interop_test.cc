// Our engine, fed with packets captured from OpenSIPS 3.6.8 nodes, must
// answer with the very bytes the OpenSIPS peer sent in its place.
#include <gtest/gtest.h>

#include "engine_harness.h"
#include "wire_test_util.h"

namespace lc::core::test {
namespace {

using wire::test::captured_packets;
using wire::test::CapturedPacket;
using wire::test::to_hex;

// The nth (0-based) captured packet of a scenario, receiver and type whose
// source node (internal prefix or trailer) is `src`.
const CapturedPacket& capture(std::string_view scenario, std::string_view receiver,
                              int32_t type, int32_t src, int nth = 0) {
  for (const auto& p : captured_packets()) {
    if (p.scenario != scenario || p.receiver != receiver || p.type != type) continue;
    auto d = wire::decode(p.bytes);
    if (!d) continue;
    int32_t s = std::visit(
        [](const auto& m) {
          if constexpr (requires { m.src_node_id; }) return m.src_node_id;
          else return m.trailer.src_node_id;
        },
        *d);
    if (s == src && nth-- == 0) return p;
  }
  throw std::out_of_range("no such captured packet");
}

int32_t captured_timestamp(const CapturedPacket& p) {
  auto d = wire::decode(p.bytes);
  const auto& m = std::get<wire::InternalMessage>(*d);
  if (auto* f = std::get_if<wire::FullTopUpdate>(&m.body)) return f->timestamp;
  throw std::invalid_argument("not a FULL_TOP_UPDATE");
}

const Transmit& only_to(const Output& o, int32_t node) {
  const Transmit* found = nullptr;
  for (const auto& t : o.tx)
    if (t.node_id == node) {
      EXPECT_EQ(found, nullptr) << "more than one packet to node " << node;
      found = &t;
    }
  if (!found) throw std::runtime_error("nothing sent to node " + std::to_string(node));
  return *found;
}

// Brings our link with `peer` Up by answering our probe with a PONG.
void bring_up(Harness& h, int64_t ms, int32_t cluster, int32_t peer) {
  h.tick(ms);
  h.packet(ms + 1, wire::InternalMessage{cluster, peer, wire::Pong{}, wire::kBinVersion});
  ASSERT_EQ(h.link(cluster, peer), LinkState::kUp);
}

TEST(interop, TwoNodeHandshakeIsByteIdentical) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  const auto& full_top = capture("two", "17002", 3, 1);
  const int32_t ts = captured_timestamp(full_top);
  h.set_unix_base(ts);

  Output o = h.tick(0);
  ASSERT_EQ(o.tx.size(), 1u);
  EXPECT_EQ(o.tx[0].url, "bin:127.0.0.1:17002");
  EXPECT_EQ(to_hex(o.tx[0].bytes), to_hex(capture("two", "17002", 0, 1).bytes));

  // Their probe: we answer with an empty node list (we know no one else).
  o = h.packet(5, capture("two", "17001", 0, 2).bytes);
  EXPECT_EQ(to_hex(only_to(o, 2).bytes), to_hex(capture("two", "17002", 1, 1).bytes));
  EXPECT_EQ(h.link(1, 2), LinkState::kRestarted) << "a PING never brings a link Up";

  // Their PONG brings our link Up: FULL_TOP_UPDATE to them, NODE_UP event.
  o = h.packet(10, capture("two", "17001", 1, 2).bytes);
  EXPECT_EQ(to_hex(only_to(o, 2).bytes), to_hex(full_top.bytes));
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_TRUE(o.node_events()[0].up);
  EXPECT_EQ(h.link(1, 2), LinkState::kUp);

  // Keep-alive one ping_interval later carries req_node_list 0.
  o = h.tick(1000);
  EXPECT_EQ(to_hex(only_to(o, 2).bytes), to_hex(capture("two", "17002", 0, 1, 1).bytes));

  auto reports = h.engine().node_states_reports().since(0);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].log, "Node [2], cluster [1] is UP");
}

TEST(interop, SendMiIsByteIdentical) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  bring_up(h, 0, 1, 2);
  EXPECT_EQ(h.engine().send_mi(h.at(100), 1, 2, "clusterer_list", {}), SendResult::kSuccess);
  EXPECT_EQ(to_hex(only_to(h.drain(), 2).bytes), to_hex(capture("two", "17002", 8, 1).bytes));
}

TEST(interop, UnknownPingerGetsUnknownIdOnItsOwnConnection) {
  Harness h(capture_config(2), {cluster_of(1, 2, {1})});
  bring_up(h, 0, 1, 1);
  Output o = h.packet(50, capture("three", "17002", 0, 3).bytes, "127.0.0.1", 4242);
  ASSERT_EQ(o.tx.size(), 1u);
  EXPECT_EQ(o.tx[0].reply_conn_id, 4242u);
  EXPECT_EQ(to_hex(o.tx[0].bytes), to_hex(capture("three", "reply-on-17002", 4, 2).bytes));

  // Its description makes us learn it and flood it to node 1 (path 3, 2).
  o = h.packet(60, capture("three", "17002", 5, 3).bytes);
  ASSERT_EQ(o.events_of<NodeAdded>().size(), 1u);
  EXPECT_EQ(o.events_of<NodeAdded>()[0].url, "bin:127.0.0.1:17003");
  EXPECT_EQ(to_hex(only_to(o, 1).bytes), to_hex(capture("three", "17001", 5, 3).bytes));
  EXPECT_EQ(h.link(1, 3), LinkState::kRestartPinging);
}

TEST(interop, JoiningNodeDescribesItselfAfterUnknownId) {
  Harness h(capture_config(3), {cluster_of(1, 3, {2})});
  Output o = h.tick(0);
  EXPECT_EQ(to_hex(only_to(o, 2).bytes), to_hex(capture("three", "17002", 0, 3).bytes));
  o = h.packet(5, capture("three", "reply-on-17002", 4, 2).bytes);
  EXPECT_EQ(to_hex(only_to(o, 2).bytes), to_hex(capture("three", "17002", 5, 3).bytes));
  EXPECT_EQ(h.link(1, 2), LinkState::kRestartPinging);
}

TEST(interop, GenericRequestReplyAndRemoveNodeAreByteIdentical) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  bring_up(h, 0, 1, 2);
  const std::string tag = "1-1-NhbNlZn4VWUk6hK5bmD2lbwK";
  EXPECT_EQ(h.engine().send_generic(h.at(100), 1, 2, true, tag, "hello-req"), SendResult::kSuccess);
  EXPECT_EQ(to_hex(only_to(h.drain(), 2).bytes), to_hex(capture("req", "17002", 7, 1).bytes));

  // Node 2's reply arrives as a reply event carrying the same tag.
  Output o = h.packet(120, capture("req", "17001", 7, 2).bytes);
  auto got = o.events_of<GenericReceived>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].request);
  EXPECT_EQ(got[0].tag, tag);
  EXPECT_EQ(got[0].msg, "pong");
  EXPECT_EQ(got[0].src_id, 2);

  EXPECT_EQ(h.engine().broadcast_generic(h.at(130), 1, "1-1-WGuFZYWhHxLJXQgEgRFMAPBr",
                                         "bcast-hello", false),
            SendResult::kSuccess);
  EXPECT_EQ(to_hex(only_to(h.drain(), 2).bytes), to_hex(capture("req", "17002", 7, 1, 1).bytes));

  EXPECT_EQ(h.engine().remove_node(h.at(140), 1, 2), CommandResult::kOk);
  o = h.drain();
  EXPECT_EQ(to_hex(only_to(o, 2).bytes), to_hex(capture("req", "17002", 6, 1).bytes));
  EXPECT_TRUE(h.engine().list()[0].nodes.empty());
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_FALSE(o.node_events()[0].up);
}

TEST(interop, RemovedNodeDisablesItself) {
  Harness h(capture_config(2), {cluster_of(1, 2, {1})});
  bring_up(h, 0, 1, 1);
  Output o = h.packet(100, capture("req", "17002", 6, 1).bytes);
  ASSERT_EQ(o.node_events().size(), 1u);
  auto list = h.engine().list();
  ASSERT_EQ(list[0].nodes.size(), 1u);
  const NodeView& n = list[0].nodes[0];
  // What OpenSIPS shows: link Down, state enabled, next hop none.
  EXPECT_EQ(link_state_label(n.link_state), "Down");
  EXPECT_TRUE(n.enabled);
  EXPECT_FALSE(n.next_hop);
  EXPECT_FALSE(list[0].local_enabled);
  EXPECT_TRUE(h.tick(5000).tx.empty()) << "a disabled node sends nothing";
}

TEST(interop, MiBroadcastSendsOneCopyPerNodeNewestFirst) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  h.tick(0);
  h.packet(1, wire::InternalMessage{1, 2, wire::Pong{}, wire::kBinVersion});
  h.packet(2, wire::InternalMessage{1, 3, wire::Pong{}, wire::kBinVersion});
  EXPECT_EQ(h.engine().broadcast_mi(h.at(100), 1, "cache_remove", {"local", "k1"}),
            SendResult::kSuccess);
  Output o = h.drain();
  ASSERT_EQ(o.tx.size(), 2u);
  EXPECT_EQ(to_hex(o.tx[0].bytes), to_hex(capture("three", "17003", 8, 1).bytes));
  EXPECT_EQ(to_hex(o.tx[1].bytes), to_hex(capture("three", "17002", 8, 1).bytes));
}

}  // namespace
}  // namespace lc::core::test
