// Single-engine behaviour: timers with their exact times, commands, the
// acceptance rules and the developers' API.
#include <gtest/gtest.h>

#include "engine_harness.h"

namespace lc::core::test {
namespace {

wire::Bytes pong_from(int32_t cluster, int32_t src, std::vector<int32_t> ids = {}) {
  return wire::encode(wire::InternalMessage{cluster, src, wire::Pong{ids}, wire::kBinVersion});
}

std::vector<wire::InternalMessage> internal_to(const Output& o, int32_t node) {
  std::vector<wire::InternalMessage> out;
  for (const auto& p : o.to(node))
    if (auto* m = std::get_if<wire::InternalMessage>(&p)) out.push_back(*m);
  return out;
}

bool pinged(const Output& o, int32_t node) {
  for (const auto& m : internal_to(o, node))
    if (std::holds_alternative<wire::Ping>(m.body)) return true;
  return false;
}

// Node 1 with peers 2 and 3, both links Up at t=10.
Harness up_pair_of_three() {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  h.packet(10, pong_from(1, 3));
  return h;
}

TEST(engine, HeartbeatPeriodIsTheGcdOfTheTimers) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  h.tick(0);
  EXPECT_EQ(h.engine().next_deadline_ms(), 500);
  Config c = capture_config(1);
  c.ping_interval_s = 4;
  c.ping_timeout_ms = 1000;
  c.node_timeout_s = 60;
  Harness d(c, {cluster_of(1, 1, {2})});
  d.tick(0);
  EXPECT_EQ(d.engine().next_deadline_ms(), 1000);
}

TEST(engine, DeadPeerTimeline) {
  // ping_interval 1 s, ping_timeout 500 ms, 3 retries, node_timeout 3 s.
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  ASSERT_EQ(h.link(1, 2), LinkState::kUp);
  h.tick(500);
  EXPECT_TRUE(pinged(h.tick(1000), 2)) << "keep-alive after ping_interval";
  // No PONG: 500 ms later the link leaves Up and a first retry goes out.
  Output o = h.tick(1500);
  EXPECT_TRUE(pinged(o, 2));
  EXPECT_EQ(h.link(1, 2), LinkState::kRetrying);
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_FALSE(o.node_events()[0].up);
  EXPECT_TRUE(pinged(h.tick(2000), 2));
  EXPECT_TRUE(pinged(h.tick(2500), 2));
  o = h.tick(3000);
  EXPECT_FALSE(pinged(o, 2));
  EXPECT_EQ(h.link(1, 2), LinkState::kDown);
  // Re-probe node_timeout after the last ping (2500 + 3000).
  for (int64_t t = 3500; t < 5500; t += 500) EXPECT_FALSE(pinged(h.tick(t), 2)) << t;
  EXPECT_TRUE(pinged(h.tick(5500), 2));
  EXPECT_EQ(h.link(1, 2), LinkState::kRestarted);
  // An answer within ping_timeout brings it back Up.
  o = h.packet(5600, pong_from(1, 2));
  EXPECT_EQ(h.link(1, 2), LinkState::kUp);
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_TRUE(o.node_events()[0].up);
}

TEST(engine, ZeroRetriesGoDownOnTheFirstMiss) {
  Config c = capture_config(1);
  ClusterSpec s = cluster_of(1, 1, {2});
  s.nodes[0].no_ping_retries = 0;
  Harness h(c, {s});
  h.tick(0);
  Output o = h.tick(500);
  EXPECT_FALSE(pinged(o, 2));
  EXPECT_EQ(h.link(1, 2), LinkState::kDown);
}

TEST(engine, LatePongWithinRetriesRecoversWithoutNodeTimeout) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  h.tick(1000);               // keep-alive
  h.tick(1500);               // missed: retrying
  ASSERT_EQ(h.link(1, 2), LinkState::kRetrying);
  Output o = h.packet(1600, pong_from(1, 2));  // answers the retry
  EXPECT_EQ(h.link(1, 2), LinkState::kUp);
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_TRUE(o.node_events()[0].up);
}

TEST(engine, PingFromDownNodeStartsOurProbeAtOnce) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  for (int64_t t = 0; t <= 2000; t += 500) h.tick(t);
  ASSERT_EQ(h.link(1, 2), LinkState::kDown);
  Output o = h.packet(2100, wire::InternalMessage{1, 2, wire::Ping{1}, wire::kBinVersion});
  auto msgs = internal_to(o, 2);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<wire::Pong>(msgs[0].body));
  EXPECT_TRUE(std::holds_alternative<wire::Ping>(msgs[1].body));
  EXPECT_EQ(h.link(1, 2), LinkState::kRestarted);
}

TEST(engine, PongListsEveryKnownNodeButThePinger) {
  Harness h = up_pair_of_three();
  Output o = h.packet(20, wire::InternalMessage{1, 2, wire::Ping{1}, wire::kBinVersion});
  auto msgs = internal_to(o, 2);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(std::get<wire::Pong>(msgs[0].body).node_ids, std::vector<int32_t>{3});
}

TEST(engine, LinkUpAdvertisesToOtherNeighbours) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  Output o = h.packet(11, pong_from(1, 3));
  auto to2 = internal_to(o, 2);
  ASSERT_EQ(to2.size(), 1u);
  const auto& ls = std::get<wire::LsUpdate>(to2[0].body);
  EXPECT_EQ(ls.neigh_id, 3);
  EXPECT_EQ(ls.new_state, wire::kWireLinkUp);
  EXPECT_EQ(ls.seq_no, 0);
  EXPECT_EQ(ls.path, std::vector<int32_t>{1});
  // Full topology to 3 describes node 2 (3's PONG did not list it).
  auto to3 = internal_to(o, 3);
  ASSERT_EQ(to3.size(), 1u);
  const auto& ft = std::get<wire::FullTopUpdate>(to3[0].body);
  ASSERT_EQ(ft.entries.size(), 2u);
  EXPECT_EQ(ft.entries[0].node_id, 1);
  EXPECT_EQ(ft.entries[0].neighbours, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(ft.entries[1].node_id, 2);
  ASSERT_TRUE(ft.entries[1].descr);
  EXPECT_EQ(ft.entries[1].descr->url, "bin:127.0.0.1:17002");
}

TEST(engine, RelayRouteAndEventsFollowLinkState) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  // Node 2 says it is linked to 3: 3 is reachable via 2.
  Output o = h.packet(20, wire::InternalMessage{1, 2, wire::LsUpdate{0, 1, 3, 0, {2}}, wire::kBinVersion});
  auto hop = h.engine().get_next_hop(1, 3);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->node_id, 2);
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_EQ(o.node_events()[0].node_id, 3);
  EXPECT_TRUE(o.node_events()[0].up);
  // 3 confirms the link from its side: nothing changes.
  o = h.packet(21, wire::InternalMessage{1, 3, wire::LsUpdate{0, 1, 2, 0, {3, 2}}, wire::kBinVersion});
  EXPECT_TRUE(o.node_events().empty());
  // A generic message to 3 goes to the relay with dst 3 in the trailer.
  EXPECT_EQ(h.engine().send_generic(h.at(30), 1, 3, true, "t", "m"), SendResult::kSuccess);
  o = h.drain();
  ASSERT_EQ(o.tx.size(), 1u);
  EXPECT_EQ(o.tx[0].node_id, 2);
  EXPECT_EQ(std::get<wire::ExtraMessage>(*wire::decode(o.tx[0].bytes)).trailer.dst_node_id, 3);
  // Stale LS_UPDATE (same seq) is neither applied nor flooded.
  o = h.packet(40, wire::InternalMessage{1, 2, wire::LsUpdate{0, 1, 3, 1, {2}}, wire::kBinVersion});
  EXPECT_TRUE(h.engine().get_next_hop(1, 3));
  // 3's own view of its link to 2 does not matter for the path 1-2-3.
  o = h.packet(41, wire::InternalMessage{1, 3, wire::LsUpdate{1, 2, 2, 1, {3, 2}}, wire::kBinVersion});
  EXPECT_TRUE(h.engine().get_next_hop(1, 3));
  EXPECT_TRUE(o.node_events().empty());
  // 2 reports its link to 3 down: no route, DOWN.
  o = h.packet(43, wire::InternalMessage{1, 2, wire::LsUpdate{1, 2, 3, 1, {2}}, wire::kBinVersion});
  EXPECT_FALSE(h.engine().get_next_hop(1, 3));
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_FALSE(o.node_events()[0].up);
}

TEST(engine, ReroutingOffUsesDirectLinksOnly) {
  Config c = capture_config(1);
  c.enable_rerouting = false;
  Harness h(c, {cluster_of(1, 1, {2, 3})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  h.packet(20, wire::InternalMessage{1, 2, wire::LsUpdate{0, 1, 3, 0, {2}}, wire::kBinVersion});
  h.packet(21, wire::InternalMessage{1, 3, wire::LsUpdate{0, 1, 2, 0, {3, 2}}, wire::kBinVersion});
  ASSERT_TRUE(h.engine().get_next_hop(1, 2));
  EXPECT_EQ(h.engine().get_next_hop(1, 2)->node_id, 2);
  EXPECT_FALSE(h.engine().get_next_hop(1, 3));
  EXPECT_EQ(h.engine().get_nodes(1)->size(), 1u);
  EXPECT_EQ(h.engine().send_generic(h.at(30), 1, 3, true, "t", "m"), SendResult::kDestDown);
  // A clusterer-extra packet for node 3 arriving here is not relayed.
  wire::ExtraMessage relay{{1, 2, 3}, wire::GenericMsg{1, "t", "m"}, wire::kBinVersion};
  EXPECT_TRUE(h.packet(40, wire::Packet{relay}).tx.empty());
}

TEST(engine, ConnectionResetRechecksAndResyncsWithoutEvents) {
  Harness h = up_pair_of_three();
  Output o;
  h.engine().on_connection_reset(h.at(100), 2);
  o = h.drain();
  EXPECT_TRUE(pinged(o, 2));
  EXPECT_TRUE(o.events.empty());
  o = h.packet(105, pong_from(1, 2, {3}));
  EXPECT_EQ(h.link(1, 2), LinkState::kUp);
  EXPECT_TRUE(o.node_events().empty());
  bool full_top = false;
  for (const auto& m : internal_to(o, 2))
    full_top = full_top || std::holds_alternative<wire::FullTopUpdate>(m.body);
  EXPECT_TRUE(full_top) << "topology is re-sent after a reset";
}

// The new_state of each LS_UPDATE sent to `node`.
std::vector<int32_t> ls_updates_to(const Output& o, int32_t node) {
  std::vector<int32_t> states;
  for (const auto& m : internal_to(o, node))
    if (auto* u = std::get_if<wire::LsUpdate>(&m.body)) states.push_back(u->new_state);
  return states;
}

TEST(engine, ConnectionResetOfADeadPeerTakesTheLinkDownAfterPingTimeout) {
  Harness h = up_pair_of_three();  // no_ping_retries 3, the default
  h.engine().on_connection_reset(h.at(100), 2);
  h.drain();
  h.tick(500);
  EXPECT_EQ(h.link(1, 2), LinkState::kUp);
  // 900 ms since the check PING and no PONG: row 2 takes the link out of Up
  // (LS_UPDATE(Down) to 3, NODE_DOWN) and sends retry 1 of 3.
  Output o = h.tick(1000);
  EXPECT_EQ(h.link(1, 2), LinkState::kRetrying);
  EXPECT_TRUE(pinged(o, 2));
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_FALSE(o.node_events()[0].up);
  EXPECT_EQ(ls_updates_to(o, 3), std::vector<int32_t>{wire::kWireLinkDown});
  EXPECT_TRUE(pinged(h.tick(1500), 2));  // retry 2 of 3
  EXPECT_TRUE(pinged(h.tick(2000), 2));  // retry 3 of 3
  EXPECT_EQ(h.link(1, 2), LinkState::kRetrying);
  o = h.tick(2500);  // the last retry unanswered for ping_timeout
  EXPECT_EQ(h.link(1, 2), LinkState::kDown);
  EXPECT_TRUE(o.node_events().empty()) << "NODE_DOWN was raised when it left Up";
  EXPECT_TRUE(ls_updates_to(o, 3).empty()) << "no second LS_UPDATE";
}

TEST(engine, SendFailureTakesTheLinkDownAtOnce) {
  Harness h = up_pair_of_three();
  h.engine().on_send_failed(h.at(100), 2);
  Output o = h.drain();
  EXPECT_EQ(h.link(1, 2), LinkState::kDown);
  ASSERT_EQ(o.node_events().size(), 1u);
  EXPECT_FALSE(o.node_events()[0].up);
  // LS_UPDATE(Down) about 2 goes to 3.
  auto to3 = internal_to(o, 3);
  ASSERT_EQ(to3.size(), 1u);
  EXPECT_EQ(std::get<wire::LsUpdate>(to3[0].body).new_state, wire::kWireLinkDown);
  // Re-probed node_timeout (3 s) after the failure, or at once on its PING.
  EXPECT_FALSE(pinged(h.tick(3000), 2));
  EXPECT_TRUE(pinged(h.tick(3500), 2));
}

TEST(engine, PingFromAFailedNodeBringsItBackWithoutWaiting) {
  Harness h = up_pair_of_three();
  h.engine().on_send_failed(h.at(100), 2);
  h.drain();
  Output o = h.packet(400, wire::InternalMessage{1, 2, wire::Ping{1}, wire::kBinVersion});
  EXPECT_TRUE(pinged(o, 2));
  h.packet(410, pong_from(1, 2));
  EXPECT_EQ(h.link(1, 2), LinkState::kUp);
}

TEST(engine, DisablingTheLocalNodeSilencesIt) {
  Harness h = up_pair_of_three();
  EXPECT_EQ(h.engine().set_status(h.at(100), 1, 1, false), CommandResult::kOk);
  Output o = h.drain();
  EXPECT_EQ(o.node_events().size(), 2u);
  EXPECT_TRUE(o.tx.empty()) << "no LS_UPDATE on a local disable";
  EXPECT_TRUE(h.tick(5000).tx.empty());
  EXPECT_TRUE(h.packet(5001, wire::InternalMessage{1, 2, wire::Ping{1}, wire::kBinVersion}).tx.empty());
  EXPECT_EQ(h.engine().send_generic(h.at(5002), 1, 2, true, "t", "m"), SendResult::kCurrDisabled);
  // Enabling probes everyone again.
  h.engine().set_status(h.at(6000), 1, 1, true);
  h.drain();
  Output t = h.tick(6000);
  EXPECT_TRUE(pinged(t, 2));
  EXPECT_TRUE(pinged(t, 3));
}

TEST(engine, DisablingARemoteNode) {
  Harness h = up_pair_of_three();
  EXPECT_EQ(h.engine().set_status(h.at(100), 1, 2, false), CommandResult::kOk);
  Output o = h.drain();
  EXPECT_EQ(h.link(1, 2), LinkState::kDown);
  auto to3 = internal_to(o, 3);
  ASSERT_EQ(to3.size(), 1u) << "the change is advertised";
  EXPECT_EQ(std::get<wire::LsUpdate>(to3[0].body).neigh_id, 2);
  EXPECT_FALSE(pinged(h.tick(5000), 2));
  // Packets from it are ignored; sends to it succeed silently.
  EXPECT_TRUE(h.packet(5001, wire::InternalMessage{1, 2, wire::Ping{1}, wire::kBinVersion}).tx.empty());
  EXPECT_EQ(h.engine().send_generic(h.at(5002), 1, 2, true, "t", "m"), SendResult::kSuccess);
  EXPECT_TRUE(h.drain().tx.empty());
  EXPECT_EQ(h.engine().set_status(h.at(5003), 1, 9, false), CommandResult::kUnknownNode);
  EXPECT_EQ(h.engine().set_status(h.at(5003), 9, 2, false), CommandResult::kUnknownCluster);
  EXPECT_EQ(h.engine().set_status(h.at(6000), 1, 2, true), CommandResult::kOk);
  EXPECT_TRUE(pinged(h.tick(6000), 2));
}

TEST(engine, PacketsFromUnknownIpsAreDropped) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  h.tick(0);
  h.packet(10, pong_from(1, 2), "10.9.9.9");
  EXPECT_EQ(h.link(1, 2), LinkState::kRestarted);
}

TEST(engine, DbModeIgnoresUnknownNodes) {
  Config c = capture_config(1);
  c.db_mode = true;
  Harness h(c, {cluster_of(1, 1, {2})});
  EXPECT_TRUE(h.packet(0, wire::InternalMessage{1, 5, wire::Ping{1}, wire::kBinVersion}).tx.empty());
  wire::NodeDescription d{{"bin:127.0.0.1:17005", "", 3, 3}, {5}};
  h.packet(1, wire::InternalMessage{1, 5, d, wire::kBinVersion});
  EXPECT_EQ(h.engine().list()[0].nodes.size(), 1u);
  EXPECT_EQ(h.engine().remove_node(h.at(2), 1, 2), CommandResult::kNotAllowed);
}

TEST(engine, FullTopologyTeachesNodesAndLinks) {
  Harness h(capture_config(3), {cluster_of(1, 3, {2})});
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  // Node 2's full topology: itself linked to 1 and 3, node 1 (described).
  wire::FullTopUpdate ft;
  ft.seq_no = 0;
  ft.timestamp = 5;
  ft.entries.push_back({2, std::nullopt, 0, 0, {3, 1}});
  // Node 1's links as node 2 last heard them from node 1 (LS seq 0).
  ft.entries.push_back({1, wire::NodeDescr{"bin:127.0.0.1:17001", "", 3, 3}, 0, 4, {2}});
  ft.path = {2};
  Output o = h.packet(20, wire::InternalMessage{1, 2, ft, wire::kBinVersion});
  ASSERT_EQ(o.events_of<NodeAdded>().size(), 1u);
  auto hop = h.engine().get_next_hop(1, 1);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->node_id, 2);
  // The new node is probed on the next tick.
  EXPECT_TRUE(pinged(h.tick(500), 1));
  auto topo = h.engine().topology()[0].second;
  ASSERT_EQ(topo.size(), 3u);
  EXPECT_EQ(topo[0].node_id, 3);
  EXPECT_EQ(topo[0].neighbours, std::vector<int32_t>{2});
}

TEST(engine, ModulesGetTheirPacketsAndNodeEvents) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  EXPECT_TRUE(h.engine().register_module("test-repl", {1}, true));
  EXPECT_FALSE(h.engine().register_module("test-repl", {1}, true)) << "registered twice";
  EXPECT_FALSE(h.engine().register_module("other", {9}, true)) << "unknown cluster";
  h.tick(0);
  Output o = h.packet(10, pong_from(1, 2));
  auto mods = o.events_of<ModuleEvent>();
  ASSERT_EQ(mods.size(), 1u);
  EXPECT_EQ(mods[0].kind, ModuleEventKind::kNodeUp);
  // Link-up now carries our capability in a CAP_UPDATE.
  bool cap = false;
  for (const auto& m : internal_to(o, 2))
    if (auto* c = std::get_if<wire::CapUpdate>(&m.body))
      cap = c->blocks.size() == 1 && c->blocks[0].caps[0].name == "test-repl";
  EXPECT_TRUE(cap);

  auto pkt = wire::encode_module_unrouted("test-repl", 3, 1, std::vector<uint8_t>{1, 2, 3, 4});
  EXPECT_EQ(h.engine().send_to(h.at(20), 1, 2, pkt), SendResult::kSuccess);
  o = h.drain();
  ASSERT_EQ(o.tx.size(), 1u);
  auto sent = std::get<wire::ModulePacket>(*wire::decode(o.tx[0].bytes));
  EXPECT_EQ(sent.body, (wire::Bytes{1, 2, 3, 4}));
  EXPECT_EQ(sent.trailer.dst_node_id, 2);
  EXPECT_EQ(h.engine().send_to(h.at(21), 1, 7, pkt), SendResult::kError) << "unknown node";
  auto unregistered = wire::encode_module_unrouted("nope", 1, 1, std::vector<uint8_t>{});
  EXPECT_EQ(h.engine().send_to(h.at(22), 1, 2, unregistered), SendResult::kError);

  wire::ModulePacket in{"test-repl", 3, 1, {9, 9}, {1, 2, 1}};
  o = h.packet(30, wire::Packet{in});
  mods = o.events_of<ModuleEvent>();
  ASSERT_EQ(mods.size(), 1u);
  EXPECT_EQ(mods[0].kind, ModuleEventKind::kRecvMsg);
  EXPECT_EQ(mods[0].node_id, 2);
  EXPECT_EQ(mods[0].packet->body, (wire::Bytes{9, 9}));
}

TEST(engine, CheckAddrAndStats) {
  ClusterSpec s = cluster_of(1, 1, {2, 3});
  s.nodes[0].sip_addr = "10.0.0.2:5060";
  Harness h(capture_config(1), {s});
  EXPECT_TRUE(h.engine().check_addr(1, "127.0.0.1", AddrType::kBin));
  EXPECT_FALSE(h.engine().check_addr(1, "127.0.0.9", AddrType::kBin));
  EXPECT_TRUE(h.engine().check_addr(1, "10.0.0.2", AddrType::kSip));
  EXPECT_FALSE(h.engine().check_addr(1, "10.0.0.2:5060", AddrType::kSip));
  EXPECT_FALSE(h.engine().check_addr(7, "127.0.0.1", AddrType::kBin));
  h.tick(0);
  h.packet(10, pong_from(1, 2));
  Stats st = h.engine().stats();
  EXPECT_EQ(st.nodes, 2);
  EXPECT_EQ(st.nodes_up, 1);
  EXPECT_EQ(st.nodes_down(), 1);
}

TEST(engine, ValidationNamesTheBadValue) {
  Config c = capture_config(0);
  EXPECT_NE(Engine::validate(c, {}), std::nullopt);
  c.my_node_id = 1;
  auto bad_url = cluster_of(1, 1, {2});
  bad_url.nodes[0].url = "udp:1.2.3.4:5060";
  auto err = Engine::validate(c, {bad_url});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("udp:1.2.3.4:5060"), std::string::npos);
  auto dup = cluster_of(1, 1, {2, 2});
  EXPECT_TRUE(Engine::validate(c, {dup}));
  auto self = cluster_of(1, 1, {1});
  EXPECT_TRUE(Engine::validate(c, {self}));
  EXPECT_TRUE(Engine::validate(c, {cluster_of(1, 1, {2}), cluster_of(1, 1, {3})}));
  EXPECT_FALSE(Engine::validate(c, {cluster_of(1, 1, {2}), cluster_of(2, 1, {3})}));
}

TEST(engine, SeveralClustersKeepSeparateTopologies) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2}), cluster_of(2, 1, {2, 3})});
  Output o = h.tick(0);
  EXPECT_EQ(o.to(2).size(), 2u) << "one probe per cluster";
  h.packet(10, pong_from(2, 2));
  EXPECT_EQ(h.link(2, 2), LinkState::kUp);
  EXPECT_EQ(h.link(1, 2), LinkState::kRestarted);
  EXPECT_EQ(h.engine().cluster_ids(), (std::vector<int32_t>{2, 1}));
}

}  // namespace
}  // namespace lc::core::test

namespace lc::core::test {
namespace {

TEST(engine, KeepsWorkingAfterBeingMoved) {
  Engine a(capture_config(1), {cluster_of(1, 1, {2})}, Now{0, 1});
  a.on_tick(Now{0, 1});
  Engine b = std::move(a);
  std::vector<Engine> many;
  many.push_back(std::move(b));
  many.reserve(16);  // reallocation moves it again
  Engine& e = many[0];
  while (e.poll_transmit()) {
  }
  e.on_packet(Now{10, 1}, PeerAddr{1, "127.0.0.1"},
              wire::encode(wire::InternalMessage{1, 2, wire::Pong{}, wire::kBinVersion}));
  EXPECT_TRUE(e.poll_transmit().has_value()) << "FULL_TOP_UPDATE after link up";
  EXPECT_TRUE(e.get_next_hop(1, 2).has_value());
}

}  // namespace
}  // namespace lc::core::test

namespace lc::core::test {
namespace {

TEST(engine, MessagesTooLargeForAPacketAreRefused) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  h.tick(0);
  h.packet(10, wire::encode(wire::InternalMessage{1, 2, wire::Pong{}, wire::kBinVersion}));
  h.drain();
  const std::string huge(70000, 'x');
  EXPECT_EQ(h.engine().send_generic(h.at(20), 1, 2, true, "t", huge), SendResult::kError);
  EXPECT_EQ(h.engine().broadcast_generic(h.at(21), 1, "t", huge, false), SendResult::kError);
  EXPECT_EQ(h.engine().send_mi(h.at(22), 1, 2, "x", {std::string(40000, 'a'), std::string(40000, 'b')}),
            SendResult::kError);
  EXPECT_TRUE(h.drain().tx.empty());
  // Just under the limit still goes.
  EXPECT_EQ(h.engine().send_generic(h.at(23), 1, 2, true, "t", std::string(65000, 'x')),
            SendResult::kSuccess);
  EXPECT_EQ(h.drain().tx.size(), 1u);
}

TEST(engine, EncodersRefuseWhatCannotBeAPacket) {
  wire::ExtraMessage m{{1, 1, 2}, wire::GenericMsg{1, "t", std::string(70000, 'x')}, wire::kBinVersion};
  EXPECT_TRUE(wire::encode(m).empty()) << "string longer than its u16 length";
  m.body = wire::GenericMsg{1, std::string(40000, 't'), std::string(40000, 'x')};
  EXPECT_TRUE(wire::encode(m).empty()) << "packet longer than 65535 bytes";
}

}  // namespace
}  // namespace lc::core::test
