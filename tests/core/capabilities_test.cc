// Capabilities on a single engine (capabilities-and-shtags.md Part A):
// states and reports, CAP_UPDATE advertisement, sync requests, the donor's
// chunking, receiving data, timeouts, seed fallback, set_cap_status and the
// helpers. Byte-exact against the captures where OpenSIPS was recorded.
#include <gtest/gtest.h>

#include "engine_harness.h"
#include "wire_test_util.h"

namespace lc::core::test {
namespace {

using wire::test::captured_packets;
using wire::test::to_hex;

constexpr const char* kCap = "cachedb-local-repl";

// The nth captured packet of a scenario, receiver and type.
wire::Bytes captured(std::string_view scenario, std::string_view receiver, int32_t type,
                     int nth = 0) {
  for (const auto& p : captured_packets())
    if (p.scenario == scenario && p.receiver == receiver && p.type == type && nth-- == 0)
      return p.bytes;
  throw std::out_of_range("no such captured packet");
}

// A packet we built or captured, decoded (by value: no reference into a
// temporary).
wire::Packet decoded(const wire::Bytes& b) {
  auto d = wire::decode(b);
  if (!d) throw std::invalid_argument("undecodable packet");
  return *d;
}

int32_t cap_timestamp(const wire::Bytes& b) {
  const auto m = std::get<wire::InternalMessage>(decoded(b));
  return std::get<wire::CapUpdate>(m.body).timestamp;
}

bool pinged(const Output& o, int32_t node) {
  for (const auto& p : o.to(node))
    if (auto* m = std::get_if<wire::InternalMessage>(&p))
      if (std::holds_alternative<wire::Ping>(m->body)) return true;
  return false;
}

// A heartbeat at `ms` whose pings the `alive` peers answer at once; what it
// produced.
Output beat(Harness& h, int64_t ms, std::vector<int32_t> alive) {
  Output o = h.tick(ms);
  for (int32_t p : alive) {
    if (!pinged(o, p)) continue;
    Output a = h.packet(ms + 1, wire::InternalMessage{1, p, wire::Pong{}, wire::kBinVersion});
    o.tx.insert(o.tx.end(), a.tx.begin(), a.tx.end());
    o.events.insert(o.events.end(), a.events.begin(), a.events.end());
  }
  return o;
}

void bring_up(Harness& h, int64_t ms, int32_t peer) {
  h.tick(ms);
  h.packet(ms + 1, wire::InternalMessage{1, peer, wire::Pong{}, wire::kBinVersion});
  ASSERT_EQ(h.link(1, peer), LinkState::kUp);
}

wire::Bytes cap_update(int32_t src, int32_t seq, int32_t state, std::string name = kCap) {
  wire::CapUpdate m{
      seq, 1'700'000'000, {wire::CapBlock{src, {wire::CapState{name, state}}}}, 0, {src}};
  return wire::encode(wire::InternalMessage{1, src, m, wire::kBinVersion});
}

wire::Bytes extra(int32_t src, int32_t dst, wire::ExtraBody body) {
  const int16_t v = wire::default_version(body);
  return wire::encode(wire::ExtraMessage{wire::Trailer{1, src, dst}, std::move(body), v});
}

std::vector<wire::ExtraMessage> extra_to(const Output& o, int32_t node) {
  std::vector<wire::ExtraMessage> out;
  for (const auto& p : o.to(node))
    if (auto* m = std::get_if<wire::ExtraMessage>(&p)) out.push_back(*m);
  return out;
}

std::vector<wire::CapUpdate> cap_updates_to(const Output& o, int32_t node) {
  std::vector<wire::CapUpdate> out;
  for (const auto& p : o.to(node))
    if (auto* m = std::get_if<wire::InternalMessage>(&p))
      if (auto* c = std::get_if<wire::CapUpdate>(&m->body)) out.push_back(*c);
  return out;
}

std::vector<ModuleEvent> module_events(const Output& o, ModuleEventKind kind) {
  std::vector<ModuleEvent> out;
  for (const auto& e : o.events_of<ModuleEvent>())
    if (e.kind == kind) out.push_back(e);
  return out;
}

std::vector<std::string> report_texts(const Engine& e, const std::string& name = kCap) {
  std::vector<std::string> out;
  for (const auto& r : e.capability_reports(name)) out.push_back(r.log);
  return out;
}

CapStatus status(const Engine& e, const std::string& name = kCap) {
  return e.capability(1, name)->status;
}

CapabilitySpec startup_spec(std::string name = kCap) {
  return CapabilitySpec{std::move(name), 1, true, NodeMatch::kAny, false};
}

// Node `me` of cluster 1 with `peers`, the capability registered with
// startup sync, peers Up and, for each of `synced`, its CAP_UPDATE saying 1.
Harness synced_peers(int32_t me, std::vector<int32_t> peers, std::vector<int32_t> synced,
                     Config cfg = capture_config(1)) {
  cfg.my_node_id = me;
  ClusterSpec spec = cluster_of(1, me, peers);
  Harness h(cfg, {spec});
  EXPECT_TRUE(h.engine().register_capability(startup_spec()));
  for (int32_t p : peers) bring_up(h, 0, p);
  for (int32_t p : synced) h.packet(20, cap_update(p, 0, 1));
  h.drain();
  return h;
}

// ---------------------------------------------------------------- registration

TEST(capabilities, RegistrationStatesAndOrder) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  Engine& e = h.engine();
  EXPECT_TRUE(e.register_capability(startup_spec("a")));
  EXPECT_TRUE(e.register_module("b", {1}, false));
  EXPECT_FALSE(e.register_capability(startup_spec("a"))) << "one name, one registration";
  EXPECT_FALSE(e.register_capability(CapabilitySpec{"c", 9}));
  EXPECT_FALSE(e.register_capability(CapabilitySpec{"clusterer-extra", 1}));
  EXPECT_EQ(status(e, "a"), CapStatus::kNotSynced);
  EXPECT_EQ(status(e, "b"), CapStatus::kSynced);
  auto list = e.list_caps();
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0].caps.size(), 2u);
  EXPECT_EQ(list[0].caps[0].name, "b") << "newest first";
  EXPECT_FALSE(list[0].caps[1].ok);
  EXPECT_TRUE(list[0].caps[0].ok);
  EXPECT_EQ(e.capability_names(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(cap_status_details(CapStatus::kSyncInProgress), "sync in progress");
  EXPECT_TRUE(report_texts(e, "a").empty()) << "registration adds no report";
}

// ---------------------------------------------------------------- advertisement (§9)

TEST(capabilities, FullUpdateAndReplyMatchTheCapture) {
  // Scenario "two": node 1 asked for a sync at start (state 0), then its
  // link with node 2 comes up: the full update asks for a reply; node 2's
  // own full update is answered with a full update (seq 1, no reply asked).
  const wire::Bytes full = captured("two", "17002", 9, 0);
  const wire::Bytes reply = captured("two", "17002", 9, 1);
  const wire::Bytes theirs = captured("two", "17001", 9, 0);
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  h.set_unix_base(cap_timestamp(full));
  ASSERT_TRUE(h.engine().register_capability(startup_spec()));
  EXPECT_EQ(h.engine().request_sync(h.at(0), 1, kCap), SyncRequest::kQueued);
  EXPECT_TRUE(h.drain().tx.empty()) << "no neighbour: no single update";
  h.tick(0);
  Output o = h.packet(1, wire::InternalMessage{1, 2, wire::Pong{}, wire::kBinVersion});
  ASSERT_FALSE(o.tx.empty());
  EXPECT_EQ(to_hex(o.tx.back().bytes), to_hex(full));
  o = h.packet(2, theirs);
  ASSERT_EQ(o.tx.size(), 1u);
  EXPECT_EQ(to_hex(o.tx[0].bytes), to_hex(reply));
  EXPECT_EQ(report_texts(h.engine()),
            std::vector<std::string>{"Sync request postponed! (no donor available)"});
}

TEST(capabilities, SingleUpdateWhenASyncedCapabilityAsksForASync) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  ASSERT_TRUE(h.engine().register_module(kCap, {1}, false));
  bring_up(h, 0, 2);
  bring_up(h, 0, 3);
  h.drain();
  EXPECT_EQ(h.engine().request_sync(h.at(10), 1, kCap), SyncRequest::kQueued);
  Output o = h.drain();
  for (int32_t peer : {2, 3}) {
    auto updates = cap_updates_to(o, peer);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].require_reply, 0);
    EXPECT_EQ(updates[0].path, wire::Path{1});
    ASSERT_EQ(updates[0].blocks.size(), 1u);
    EXPECT_EQ(updates[0].blocks[0].node_id, 1);
    EXPECT_EQ(updates[0].blocks[0].caps, (std::vector<wire::CapState>{{kCap, 0}}));
  }
}

TEST(capabilities, FullUpdatesLeaveOutNodesLostSinceTheirLastWord) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  ASSERT_TRUE(h.engine().register_capability(startup_spec()));
  bring_up(h, 0, 2);
  h.packet(20, cap_update(2, 0, 1));
  h.tick(500);
  Output o = h.packet(501, wire::InternalMessage{1, 3, wire::Pong{}, wire::kBinVersion});
  auto updates = cap_updates_to(o, 3);
  ASSERT_EQ(updates.size(), 1u);
  ASSERT_EQ(updates[0].blocks.size(), 2u) << "ours (state 0) and node 2's";
  EXPECT_EQ(updates[0].blocks[0].caps[0].state, 0);
  EXPECT_EQ(updates[0].blocks[1].node_id, 2);
  // Node 2 falls silent and goes Down; node 3 keeps answering.
  for (int64_t t = 1'000; t <= 4'000; t += 500) beat(h, t, {3});
  ASSERT_EQ(h.link(1, 2), LinkState::kDown);
  h.drain();
  // A connection reset with 3 repeats the link-up exchange: node 2 is left out.
  h.engine().on_connection_reset(h.at(4'100), 3);
  h.drain();
  o = h.packet(4'101, wire::InternalMessage{1, 3, wire::Pong{}, wire::kBinVersion});
  updates = cap_updates_to(o, 3);
  ASSERT_EQ(updates.size(), 1u);
  ASSERT_EQ(updates[0].blocks.size(), 1u);
  EXPECT_EQ(updates[0].blocks[0].node_id, 1);
}

// ---------------------------------------------------------------- requesting (§4-§6)

TEST(capabilities, QueuedRequestGoesOutOnCapUpdateWithTheCapturedBytes) {
  // Scenario "three": node 2 asks node 1 once node 1 advertises state 1.
  const wire::Bytes req = captured("three", "17001", 10, 0);
  Harness h(capture_config(2), {cluster_of(1, 2, {1})});
  ASSERT_TRUE(h.engine().register_capability(startup_spec()));
  EXPECT_EQ(h.engine().request_sync(h.at(0), 1, kCap), SyncRequest::kQueued);
  EXPECT_EQ(h.engine().request_sync(h.at(0), 1, kCap), SyncRequest::kAlreadyPending);
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
  bring_up(h, 0, 1);
  Output o = h.packet(30, cap_update(1, 0, 1));
  auto sent = extra_to(o, 1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(to_hex(wire::encode(sent[0])), to_hex(req));
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
  EXPECT_EQ(report_texts(h.engine()).size(), 1u) << "a queued request sent adds no report";
  // A module asking again (its NODE_UP handler) sends nothing twice.
  EXPECT_EQ(h.engine().request_sync(h.at(40), 1, kCap), SyncRequest::kAlreadyPending);
  EXPECT_TRUE(extra_to(h.drain(), 1).empty());
}

TEST(capabilities, RequestPicksTheNewestEligibleNode) {
  Harness h = synced_peers(1, {2, 3}, {2, 3});
  EXPECT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);
  Output o = h.drain();
  EXPECT_EQ(extra_to(o, 3).size(), 1u) << "node 3 was added last: listed first";
  EXPECT_TRUE(extra_to(o, 2).empty());
  EXPECT_EQ(report_texts(h.engine()).back(), "Sync requested from node [3]");
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
}

TEST(capabilities, SyncConditionOnSipAddr) {
  ClusterSpec spec = cluster_of(1, 1, {2, 3});
  spec.local.sip_addr = "10.0.0.1:5060";
  spec.nodes[0].sip_addr = "10.0.0.1:5060";  // node 2: same
  spec.nodes[1].sip_addr = "10.0.0.3:5060";  // node 3: different
  for (auto [match, want] : {std::pair{NodeMatch::kEqSipAddr, 2}, {NodeMatch::kNeqSipAddr, 3}}) {
    Harness h(capture_config(1), {spec});
    ASSERT_TRUE(h.engine().register_capability(CapabilitySpec{kCap, 1, true, match}));
    bring_up(h, 0, 2);
    bring_up(h, 0, 3);
    h.packet(20, cap_update(2, 0, 1));
    h.packet(20, cap_update(3, 0, 1));
    h.drain();
    EXPECT_EQ(h.engine().request_sync(h.at(30), 1, kCap), SyncRequest::kRequested);
    EXPECT_EQ(extra_to(h.drain(), want).size(), 1u) << "wanted donor " << want;
  }
}

TEST(capabilities, UnknownAndDisabled) {
  Harness h = synced_peers(1, {2}, {2});
  EXPECT_EQ(h.engine().request_sync(h.at(0), 9, kCap), SyncRequest::kUnknown);
  EXPECT_EQ(h.engine().request_sync(h.at(0), 1, "nope"), SyncRequest::kUnknown);
  EXPECT_EQ(sync_request_code(SyncRequest::kUnknown), -1);
  ASSERT_EQ(h.engine().set_cap_status(h.at(0), 1, kCap, false), CapResult::kOk);
  EXPECT_EQ(h.engine().request_sync(h.at(0), 1, kCap), SyncRequest::kDisabled);
  EXPECT_EQ(sync_request_code(SyncRequest::kDisabled), 0);
}

// ---------------------------------------------------------------- donor side (§7, §8.3)

TEST(capabilities, DonorAnswerMatchesTheCapture) {
  const wire::Bytes sync = captured("three", "17003", 11, 0);
  const wire::Bytes end = captured("three", "17003", 12, 0);
  const auto packet = std::get<wire::ExtraMessage>(decoded(sync));
  const auto chunk = std::get<wire::Sync>(packet.body).chunks.at(0);
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  ASSERT_TRUE(h.engine().register_module(kCap, {1}, false));
  bring_up(h, 0, 3);
  h.drain();
  Output o = h.packet(10, extra(3, 1, wire::SyncReq{kCap}));
  auto asks = module_events(o, ModuleEventKind::kSyncRequest);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].node_id, 3);
  EXPECT_EQ(h.engine().sync_chunks(h.at(11), 1, kCap, 3, 1, std::vector<wire::Bytes>{chunk}),
            SendResult::kSuccess);
  EXPECT_TRUE(h.drain().tx.empty()) << "the packet waits for more chunks";
  EXPECT_EQ(h.engine().sync_end(h.at(12), 1, kCap, 3), SendResult::kSuccess);
  o = h.drain();
  ASSERT_EQ(o.tx.size(), 2u);
  EXPECT_EQ(to_hex(o.tx[0].bytes), to_hex(sync));
  EXPECT_EQ(to_hex(o.tx[1].bytes), to_hex(end));
  EXPECT_EQ(h.engine().sync_end(h.at(13), 1, kCap, 3), SendResult::kError) << "already ended";
  EXPECT_EQ(h.engine().sync_chunks(h.at(13), 1, kCap, 2, 1, std::vector<wire::Bytes>{chunk}),
            SendResult::kError)
      << "node 2 asked for nothing";
}

// Chunk counts of each SYNC packet sent to `node`, and their lengths.
std::vector<std::pair<std::size_t, std::size_t>> sync_packets(const Output& o, int32_t node) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const auto& t : o.tx) {
    if (t.node_id != node) continue;
    const auto m = std::get<wire::ExtraMessage>(decoded(t.bytes));
    if (const auto* s = std::get_if<wire::Sync>(&m.body))
      out.emplace_back(s->chunks.size(), t.bytes.size());
  }
  return out;
}

TEST(capabilities, ChunkingFollowsSyncPacketSize) {
  Config cfg = capture_config(1);
  cfg.sync_packet_size = 150;
  Harness h(cfg, {cluster_of(1, 1, {2})});
  ASSERT_TRUE(h.engine().register_module("t", {1}, false));
  bring_up(h, 0, 2);
  h.packet(10, extra(2, 1, wire::SyncReq{"t"}));
  h.drain();
  // 38 bytes of header, 38 per 30-byte chunk: 76, 114, 152 (152 - 30 is
  // still <= 150), then 152 + 30 > 150 closes it: 3 chunks per packet,
  // 164 bytes with the trailer, over the target as OpenSIPS's are.
  std::vector<wire::Bytes> chunks(7, wire::Bytes(30, 0xab));
  ASSERT_EQ(h.engine().sync_chunks(h.at(20), 1, "t", 2, 5, chunks), SendResult::kSuccess);
  ASSERT_EQ(h.engine().sync_end(h.at(21), 1, "t", 2), SendResult::kSuccess);
  Output o = h.drain();
  using P = std::pair<std::size_t, std::size_t>;
  EXPECT_EQ(sync_packets(o, 2), (std::vector<P>{{3, 164}, {3, 164}, {1, 88}}));
  const auto last = std::get<wire::ExtraMessage>(decoded(o.tx.back().bytes));
  EXPECT_EQ(std::get<wire::SyncEnd>(last.body).nr_chunks, 7);
}

TEST(capabilities, ChunksNeverOutgrowABinPacket) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  ASSERT_TRUE(h.engine().register_module("t", {1}, false));
  bring_up(h, 0, 2);
  h.packet(10, extra(2, 1, wire::SyncReq{"t"}));
  h.drain();
  const std::vector<wire::Bytes> big(2, wire::Bytes(40'000, 1));
  EXPECT_EQ(h.engine().sync_chunks(h.at(20), 1, "t", 2, 1, big), SendResult::kSuccess);
  const std::vector<wire::Bytes> huge(1, wire::Bytes(65'535, 1));
  EXPECT_EQ(h.engine().sync_chunks(h.at(20), 1, "t", 2, 1, huge), SendResult::kError);
  ASSERT_EQ(h.engine().sync_end(h.at(21), 1, "t", 2), SendResult::kSuccess);
  Output o = h.drain();
  auto packets = sync_packets(o, 2);
  ASSERT_EQ(packets.size(), 2u) << "two 40 kB chunks cannot share a packet";
  for (const auto& t : o.tx) EXPECT_LE(t.bytes.size(), wire::kMaxPacketSize);
}

TEST(capabilities, RequestDuringAnAnswerCutsItShortAndIsAnsweredAfterIt) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  ASSERT_TRUE(h.engine().register_module("t", {1}, false));
  bring_up(h, 0, 2);
  EXPECT_EQ(
      module_events(h.packet(10, extra(2, 1, wire::SyncReq{"t"})), ModuleEventKind::kSyncRequest)
          .size(),
      1u);
  const std::vector<wire::Bytes> chunk(1, wire::Bytes{1, 2, 3});
  ASSERT_EQ(h.engine().sync_chunks(h.at(11), 1, "t", 2, 1, chunk), SendResult::kSuccess);
  // Node 2 asks again: the running answer sends nothing more, not even its
  // SYNC_END, and the module is asked again once it ends it.
  EXPECT_TRUE(
      module_events(h.packet(12, extra(2, 1, wire::SyncReq{"t"})), ModuleEventKind::kSyncRequest)
          .empty());
  EXPECT_EQ(h.engine().sync_chunks(h.at(13), 1, "t", 2, 1, chunk), SendResult::kSuccess);
  ASSERT_EQ(h.engine().sync_end(h.at(14), 1, "t", 2), SendResult::kSuccess);
  Output o = h.drain();
  EXPECT_TRUE(extra_to(o, 2).empty());
  EXPECT_EQ(module_events(o, ModuleEventKind::kSyncRequest).size(), 1u);
  // The new answer goes out whole.
  ASSERT_EQ(h.engine().sync_chunks(h.at(15), 1, "t", 2, 1, chunk), SendResult::kSuccess);
  ASSERT_EQ(h.engine().sync_end(h.at(16), 1, "t", 2), SendResult::kSuccess);
  auto sent = extra_to(h.drain(), 2);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(std::get<wire::SyncEnd>(sent[1].body).nr_chunks, 1);
}

TEST(capabilities, SilentModuleLosesItsRequesterAndSlowOnesAreFlushed) {
  Config cfg = capture_config(1);
  cfg.sync_timeout_s = 2;
  Harness h(cfg, {cluster_of(1, 1, {2})});
  ASSERT_TRUE(h.engine().register_module("t", {1}, false));
  bring_up(h, 0, 2);
  h.packet(10, extra(2, 1, wire::SyncReq{"t"}));
  const std::vector<wire::Bytes> chunk(1, wire::Bytes{1, 2, 3});
  ASSERT_EQ(h.engine().sync_chunks(h.at(20), 1, "t", 2, 1, chunk), SendResult::kSuccess);
  h.drain();
  // A packet waits at most sync_timeout / 2 for more chunks.
  Output o = beat(h, 500, {2});
  EXPECT_TRUE(extra_to(o, 2).empty());
  o = beat(h, 1'500, {2});
  ASSERT_EQ(extra_to(o, 2).size(), 1u);
  EXPECT_TRUE(std::holds_alternative<wire::Sync>(extra_to(o, 2)[0].body));
  // Silent for sync_timeout: the rest is not sent, SYNC_END included.
  beat(h, 2'000, {2});
  o = beat(h, 2'500, {2});
  EXPECT_EQ(h.engine().sync_chunks(h.at(2'600), 1, "t", 2, 1, chunk), SendResult::kSuccess);
  EXPECT_EQ(h.engine().sync_end(h.at(2'600), 1, "t", 2), SendResult::kSuccess);
  EXPECT_TRUE(extra_to(h.drain(), 2).empty());
}

TEST(capabilities, UnreachableRequesterIsAnsweredWhenItComesUp) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2, 3})});
  ASSERT_TRUE(h.engine().register_module("t", {1}, false));
  bring_up(h, 0, 2);
  // Node 3's request reaches us through 2, but we have no route to 3.
  Output o = h.packet(10, extra(3, 1, wire::SyncReq{"t"}));
  EXPECT_TRUE(module_events(o, ModuleEventKind::kSyncRequest).empty());
  o = beat(h, 500, {2, 3});
  ASSERT_EQ(h.link(1, 3), LinkState::kUp);
  auto asks = module_events(o, ModuleEventKind::kSyncRequest);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].node_id, 3);
}

// ---------------------------------------------------------------- receiving (§8.4, §8.5)

TEST(capabilities, ReceivingASyncAndHeldPackets) {
  Harness h = synced_peers(1, {2}, {2});
  ASSERT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);
  h.drain();
  Output o = h.packet(110, extra(2, 1, wire::Sync{kCap, 7, {{1}, {2}}}));
  auto data = module_events(o, ModuleEventKind::kSyncData);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].sync->data_version, 7);
  EXPECT_EQ(data[0].sync->chunks.size(), 2u);
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncInProgress);
  // A regular packet during the sync is held back.
  wire::ModulePacket live{kCap, 1, 1, {42}, {1, 2, 1}};
  o = h.packet(115, wire::Packet{live});
  EXPECT_TRUE(module_events(o, ModuleEventKind::kRecvMsg).empty());
  h.packet(120, extra(2, 1, wire::Sync{kCap, 7, {{3}}}));
  o = h.packet(130, extra(2, 1, wire::SyncEnd{kCap, 3}));
  // Order: held packets, then SYNC_DONE; then "synced" is advertised.
  std::vector<ModuleEventKind> kinds;
  for (const auto& m : o.events_of<ModuleEvent>()) kinds.push_back(m.kind);
  EXPECT_EQ(kinds,
            (std::vector<ModuleEventKind>{ModuleEventKind::kRecvMsg, ModuleEventKind::kSyncDone}));
  EXPECT_EQ(module_events(o, ModuleEventKind::kRecvMsg)[0].packet->body, wire::Bytes{42});
  auto updates = cap_updates_to(o, 2);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].blocks[0].caps[0].state, 1);
  EXPECT_EQ(status(h.engine()), CapStatus::kSynced);
  EXPECT_EQ(report_texts(h.engine()),
            (std::vector<std::string>{"Sync requested from node [2]", "Sync started from node [2]",
                                      "Sync completed, received [3] chunks"}));
  // Status changes are events (E_CORE_SR_STATUS_CHANGED).
  auto changes = o.events_of<CapStatusChanged>();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].old_status, -1);
  EXPECT_EQ(changes[0].status, 1);
  EXPECT_EQ(changes[0].details, "synced");
}

TEST(capabilities, EmptyDonorEndsTheSyncAtOnce) {
  Harness h = synced_peers(1, {2}, {2});
  ASSERT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);
  Output o = h.packet(110, extra(2, 1, wire::SyncEnd{kCap, 0}));
  EXPECT_EQ(module_events(o, ModuleEventKind::kSyncDone).size(), 1u);
  EXPECT_EQ(report_texts(h.engine()).back(), "Sync completed, received [0] chunks");
}

TEST(capabilities, TailOfAnOlderAnswerDoesNotEndTheSync) {
  // The end of an answer the donor began for our previous life (or for a
  // request we gave up on): 2 of its 3 chunks, then its SYNC_END(3). Then
  // the answer to our request, complete. Counting 2 + 1 against the old
  // total would end the sync one chunk into the new answer.
  Harness h = synced_peers(1, {2}, {2});
  ASSERT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);
  h.packet(110, extra(2, 1, wire::Sync{kCap, 1, {{2}, {3}}}));
  Output o = h.packet(111, extra(2, 1, wire::SyncEnd{kCap, 3}));
  EXPECT_TRUE(module_events(o, ModuleEventKind::kSyncDone).empty());
  o = h.packet(112, extra(2, 1, wire::Sync{kCap, 1, {{1}}}));
  EXPECT_TRUE(module_events(o, ModuleEventKind::kSyncDone).empty());
  h.packet(113, extra(2, 1, wire::Sync{kCap, 1, {{2}, {3}}}));
  o = h.packet(114, extra(2, 1, wire::SyncEnd{kCap, 3}));
  EXPECT_EQ(module_events(o, ModuleEventKind::kSyncDone).size(), 1u);
  EXPECT_EQ(report_texts(h.engine()).back(), "Sync completed, received [3] chunks");
}

TEST(capabilities, PacketsOfAnotherNodeAreIgnoredDuringASync) {
  Harness h = synced_peers(1, {2, 3}, {2});
  ASSERT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);
  Output o = h.packet(110, extra(3, 1, wire::Sync{kCap, 1, {{1}}}));
  EXPECT_TRUE(module_events(o, ModuleEventKind::kSyncData).empty());
  o = h.packet(111, extra(3, 1, wire::SyncEnd{kCap, 0}));
  EXPECT_TRUE(module_events(o, ModuleEventKind::kSyncDone).empty());
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
}

TEST(capabilities, UnaskedDataReachesASyncedModuleWithoutChangingItsState) {
  Harness h = synced_peers(1, {2}, {2});
  h.packet(100, extra(2, 1, wire::SyncEnd{kCap, 0}));  // unasked: synced from 2
  ASSERT_EQ(status(h.engine()), CapStatus::kSynced);
  Output o = h.packet(110, extra(2, 1, wire::Sync{kCap, 1, {{1}}}));
  EXPECT_EQ(module_events(o, ModuleEventKind::kSyncData).size(), 1u);
  EXPECT_EQ(status(h.engine()), CapStatus::kSynced);
}

// ---------------------------------------------------------------- timers (§8)

TEST(capabilities, TimeoutThenAskAgainElsewhere) {
  Harness h = synced_peers(1, {2, 3}, {2, 3});
  ASSERT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);  // to 3
  h.packet(200, extra(3, 1, wire::Sync{kCap, 1, {{1}, {2}}}));
  wire::ModulePacket live{kCap, 1, 1, {42}, {1, 2, 1}};
  h.packet(300, wire::Packet{live});
  // Keep both links Up while node 3 sends nothing more.
  Output o;
  for (int64_t t = 500; t <= 15'200 + 500; t += 500) {
    Output step = beat(h, t, {2, 3});
    o.tx.insert(o.tx.end(), step.tx.begin(), step.tx.end());
    o.events.insert(o.events.end(), step.events.begin(), step.events.end());
  }
  auto texts = report_texts(h.engine());
  ASSERT_GE(texts.size(), 4u);
  EXPECT_EQ(texts[2], "Sync timed out, received [2] chunks");
  EXPECT_EQ(texts[3], "Sync requested from node [2]") << "ours: asked again, elsewhere";
  auto held = module_events(o, ModuleEventKind::kRecvMsg);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].node_id, 0) << "on timeout held packets come from node 0";
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
}

TEST(capabilities, UnansweredRequestIsRepeated) {
  Config cfg = capture_config(1);
  cfg.sync_timeout_s = 2;
  cfg.node_timeout_s = 60;
  Harness h = synced_peers(1, {2}, {2}, cfg);
  ASSERT_EQ(h.engine().request_sync(h.at(100), 1, kCap), SyncRequest::kRequested);
  h.drain();
  int requests = 0;
  for (int64_t t = 500; t <= 2'600; t += 500)
    for (const auto& m : extra_to(beat(h, t, {2}), 2))
      requests += std::holds_alternative<wire::SyncReq>(m.body);
  EXPECT_EQ(requests, 1) << "ours: asked again sync_timeout after the first request";
}

TEST(capabilities, SeedFallsBackAfterTheInterval) {
  ClusterSpec spec = cluster_of(1, 1, {2});
  spec.local.flags = "seed";
  Harness h(capture_config(1), {spec});
  ASSERT_TRUE(h.engine().register_capability(startup_spec()));
  EXPECT_EQ(h.engine().request_sync(h.at(0), 1, kCap), SyncRequest::kQueued);
  h.tick(4'500);
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
  h.tick(5'000);
  EXPECT_EQ(status(h.engine()), CapStatus::kSynced);
  EXPECT_EQ(report_texts(h.engine()).back(),
            "ERROR: Sync request aborted! (no donor found in due time) => fallback to synced "
            "state");
  EXPECT_TRUE(module_events(h.drain(), ModuleEventKind::kSyncDone).empty())
      << "no SYNC_DONE on fallback";
}

TEST(capabilities, NonSeedWaitsForEver) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  ASSERT_TRUE(h.engine().register_capability(startup_spec()));
  h.engine().request_sync(h.at(0), 1, kCap);
  h.tick(60'000);
  EXPECT_EQ(status(h.engine()), CapStatus::kSyncPending);
}

TEST(capabilities, IdleEngineHasNoSyncDeadline) {
  Harness h(capture_config(1), {cluster_of(1, 1, {2})});
  ASSERT_TRUE(h.engine().register_module(kCap, {1}, false));
  h.tick(0);
  EXPECT_EQ(h.engine().next_deadline_ms(), 500) << "only the heartbeat";
}

// ---------------------------------------------------------------- set_cap_status (§10)

TEST(capabilities, DisableAndEnable) {
  Harness h = synced_peers(1, {2}, {});
  Engine& e = h.engine();
  EXPECT_EQ(e.set_cap_status(h.at(0), 9, kCap, false), CapResult::kUnknownCluster);
  EXPECT_EQ(e.set_cap_status(h.at(0), 1, "nope", false), CapResult::kUnknownCapability);
  h.packet(10, extra(2, 1, wire::SyncEnd{kCap, 0}));  // synced
  h.drain();
  ASSERT_EQ(e.set_cap_status(h.at(20), 1, kCap, false), CapResult::kOk);
  Output o = h.drain();
  auto updates = cap_updates_to(o, 2);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].blocks[0].caps[0].state, 0);
  EXPECT_EQ(status(e), CapStatus::kNotSynced);
  EXPECT_EQ(report_texts(e).back(), "Capability disabled via MI, revert to not synced state");
  // Sends succeed without sending; received packets are dropped.
  auto pkt = wire::encode_module_unrouted(kCap, 1, 1, std::vector<uint8_t>{1});
  EXPECT_EQ(e.send_to(h.at(30), 1, 2, pkt), SendResult::kSuccess);
  EXPECT_EQ(e.send_all(h.at(30), 1, pkt), SendResult::kSuccess);
  EXPECT_TRUE(h.drain().tx.empty());
  wire::ModulePacket live{kCap, 1, 1, {42}, {1, 2, 1}};
  EXPECT_TRUE(module_events(h.packet(40, wire::Packet{live}), ModuleEventKind::kRecvMsg).empty());
  EXPECT_TRUE(
      module_events(h.packet(41, extra(2, 1, wire::SyncReq{kCap})), ModuleEventKind::kSyncRequest)
          .empty());
  // Disabling twice changes nothing; enabling advertises 1 (quirk) and
  // leaves the status as it is.
  ASSERT_EQ(e.set_cap_status(h.at(50), 1, kCap, false), CapResult::kOk);
  EXPECT_TRUE(h.drain().tx.empty());
  ASSERT_EQ(e.set_cap_status(h.at(60), 1, kCap, true), CapResult::kOk);
  updates = cap_updates_to(h.drain(), 2);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].blocks[0].caps[0].state, 1);
  EXPECT_EQ(status(e), CapStatus::kNotSynced);
  EXPECT_FALSE(e.capability(1, kCap)->ok);
  EXPECT_EQ(report_texts(e).size(), 2u);
}

TEST(capabilities, CaptureFlowDisableEnableThenSyncFromAPeerWithNothing) {
  // The captured node-1 timeline: postponed, disabled, enabled, then a
  // peer's "synced" makes the still-queued request go out; its empty
  // answer completes the sync.
  ClusterSpec spec = cluster_of(1, 1, {2});
  spec.local.flags = "seed";
  Harness h(capture_config(1), {spec});
  ASSERT_TRUE(h.engine().register_capability(startup_spec()));
  h.engine().request_sync(h.at(0), 1, kCap);
  for (int64_t t = 0; t < 4'000; t += 500) beat(h, t, {2});
  h.engine().set_cap_status(h.at(4'000), 1, kCap, false);
  h.engine().set_cap_status(h.at(4'000), 1, kCap, true);
  Output o = h.packet(4'100, cap_update(2, 0, 1));
  ASSERT_EQ(extra_to(o, 2).size(), 1u);
  h.packet(4'200, extra(2, 1, wire::SyncEnd{kCap, 0}));
  EXPECT_EQ(report_texts(h.engine()),
            (std::vector<std::string>{"Sync request postponed! (no donor available)",
                                      "Capability disabled via MI, revert to not synced state",
                                      "Sync completed, received [0] chunks"}));
  EXPECT_TRUE(h.engine().capability(1, kCap)->ok);
}

// ---------------------------------------------------------------- helpers (§12), node events

TEST(capabilities, MyIndexCountsSyncedReachableNodes) {
  Harness h = synced_peers(2, {1, 3, 4}, {1, 4});
  auto idx = h.engine().get_my_index(1, kCap);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->index, 1);  // {1, 2, 4}
  EXPECT_EQ(idx->nr_nodes, 3);
  EXPECT_FALSE(h.engine().get_my_index(1, "nope"));
  EXPECT_FALSE(h.engine().get_my_index(9, kCap));
}

TEST(capabilities, NodeDownMakesItsStatesStaleUntilItSpeaks) {
  Config cfg = capture_config(1);
  Harness h = synced_peers(1, {2}, {2}, cfg);
  EXPECT_EQ(h.engine().get_my_index(1, kCap)->nr_nodes, 2);
  // Node 2 stops answering: Down after the retries.
  Output o;
  for (int64_t t = 500; t <= 4'000; t += 500) {
    Output step = h.tick(t);
    o.events.insert(o.events.end(), step.events.begin(), step.events.end());
  }
  ASSERT_EQ(h.link(1, 2), LinkState::kDown);
  EXPECT_EQ(module_events(o, ModuleEventKind::kNodeDown).size(), 1u);
  h.engine().request_sync(h.at(4'100), 1, kCap);
  // Back Up: not a donor until it advertises again (it may have restarted).
  h.packet(4'200, wire::InternalMessage{1, 2, wire::Ping{}, wire::kBinVersion});
  h.tick(4'500);
  o = h.packet(4'501, wire::InternalMessage{1, 2, wire::Pong{}, wire::kBinVersion});
  ASSERT_EQ(h.link(1, 2), LinkState::kUp);
  EXPECT_EQ(module_events(o, ModuleEventKind::kNodeUp).size(), 1u);
  EXPECT_TRUE(extra_to(o, 2).empty()) << "stale: no request yet";
  EXPECT_EQ(h.engine().get_my_index(1, kCap)->nr_nodes, 1);
  o = h.packet(4'600, cap_update(2, 1, 1));
  EXPECT_EQ(extra_to(o, 2).size(), 1u) << "it spoke: asked now";
}

}  // namespace
}  // namespace lc::core::test
