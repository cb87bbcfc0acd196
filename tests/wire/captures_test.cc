// Every packet captured from real OpenSIPS 3.6.8 nodes must decode, match the
// capture's header columns and re-encode to the very same bytes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <type_traits>

#include "libcluster/wire/codec.h"
#include "wire_test_util.h"

namespace lc::wire {
namespace {

using test::CapturedPacket;
using test::captured_packets;

// The capture file holds 123 packets: the 112 of the "two" and "three"
// scenarios that wire.md §8 counted, plus 11 of the later "req" scenario
// (GENERIC_MSG and REMOVE_NODE).
constexpr std::size_t kCapturedPackets = 123;

std::string where(const CapturedPacket& c) {
  return "capture line " + std::to_string(c.line_no) + " (" + c.scenario + " " + c.receiver + " " +
         c.capability + " type " + std::to_string(c.type) + ")";
}

// The first capture of `scenario` with this capability and type.
const CapturedPacket& find_capture(std::string_view scenario, std::string_view capability,
                                   int32_t type) {
  for (const auto& c : captured_packets())
    if (c.scenario == scenario && c.capability == capability && c.type == type) return c;
  throw std::runtime_error("no such capture");
}

template <class Msg>
Msg decode_as(const CapturedPacket& c) {
  auto p = decode(c.bytes);
  if (!p) throw std::runtime_error(where(c) + ": " + p.error().to_string());
  return std::get<Msg>(*p);
}

std::string header_capability(const Packet& p) {
  if (std::holds_alternative<InternalMessage>(p)) return std::string(kCapInternal);
  if (std::holds_alternative<ExtraMessage>(p)) return std::string(kCapExtra);
  return std::get<ModulePacket>(p).capability;
}

int32_t header_type(const Packet& p) {
  if (auto* m = std::get_if<InternalMessage>(&p)) return static_cast<int32_t>(type_of(m->body));
  if (auto* m = std::get_if<ExtraMessage>(&p)) return static_cast<int32_t>(type_of(m->body));
  return std::get<ModulePacket>(p).type;
}

int16_t header_version(const Packet& p) {
  return std::visit([](const auto& m) { return m.version; }, p);
}

TEST(wire_captures, FileHoldsEveryPacket) {
  EXPECT_EQ(captured_packets().size(), kCapturedPackets);
  std::size_t two_and_three = 0;
  for (const auto& c : captured_packets())
    if (c.scenario == "two" || c.scenario == "three") ++two_and_three;
  EXPECT_EQ(two_and_three, 112u) << "the count given in wire.md §8";
}

TEST(wire_captures, DecodeMatchesColumnsAndReencodesExactly) {
  for (const auto& c : captured_packets()) {
    SCOPED_TRACE(where(c));
    ASSERT_EQ(c.bytes.size(), c.length);
    auto p = decode(c.bytes);
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(header_capability(*p), c.capability);
    EXPECT_EQ(header_type(*p), c.type);
    EXPECT_EQ(header_version(*p), c.version);
    EXPECT_EQ(test::to_hex(encode(*p)), test::to_hex(c.bytes));
  }
}

TEST(wire_captures, CoverEveryClustererTypeAndBothModuleTypes) {
  std::set<int32_t> clusterer_types;
  std::set<int32_t> module_types;
  for (const auto& c : captured_packets()) {
    if (c.capability == kCapInternal || c.capability == kCapExtra)
      clusterer_types.insert(c.type);
    else
      module_types.insert(c.type);
  }
  EXPECT_EQ(clusterer_types.size(), 14u);
  EXPECT_EQ(module_types, (std::set<int32_t>{1, 2}));
}

TEST(wire_captures, VersionsFollowTheCapability) {
  for (const auto& c : captured_packets()) {
    SCOPED_TRACE(where(c));
    bool sync_family = c.capability == kCapExtra && c.type >= 10 && c.type <= 12;
    EXPECT_EQ(c.version, sync_family ? kBinSyncVersion : kBinVersion);
  }
}

// Facts wire.md states about what OpenSIPS sends, checked on every capture.
void check_internal_invariants(const InternalMessage& m) {
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (requires { b.path; }) {
          // Flooded: path starts with the originator (§3.6).
          ASSERT_FALSE(b.path.empty());
          EXPECT_EQ(b.path.front(), m.src_node_id);
        }
        if constexpr (std::is_same_v<T, Ping>) {
          EXPECT_TRUE(b.req_node_list == 0 || b.req_node_list == 1);
        }
        if constexpr (std::is_same_v<T, FullTopUpdate>) {
          // Entry 0 is the sender, without description and LS timestamp (§4.4).
          ASSERT_FALSE(b.entries.empty());
          EXPECT_EQ(b.entries[0].node_id, m.src_node_id);
          EXPECT_FALSE(b.entries[0].descr);
          EXPECT_EQ(b.entries[0].ls_timestamp, 0);
        }
        if constexpr (std::is_same_v<T, LsUpdate>) {
          EXPECT_TRUE(b.new_state == kWireLinkUp || b.new_state == kWireLinkDown);
        }
      },
      m.body);
}

TEST(wire_captures, MatchSpecInvariants) {
  for (const auto& c : captured_packets()) {
    SCOPED_TRACE(where(c));
    auto p = decode(c.bytes);
    ASSERT_TRUE(p);
    if (auto* m = std::get_if<InternalMessage>(&*p)) check_internal_invariants(*m);
  }
}

TEST(wire_captures, FirstPingProbesForTheNodeList) {
  auto m = decode_as<InternalMessage>(captured_packets().front());
  EXPECT_EQ(m.cluster_id, 1);
  EXPECT_EQ(m.src_node_id, 1);
  EXPECT_EQ(std::get<Ping>(m.body).req_node_list, 1);
}

TEST(wire_captures, NodeDescriptionOfDiscoveredNode3) {
  auto m = decode_as<InternalMessage>(find_capture("three", kCapInternal, 5));
  EXPECT_EQ(m.cluster_id, 1);
  EXPECT_EQ(m.src_node_id, 3);
  const auto& d = std::get<NodeDescription>(m.body);
  EXPECT_EQ(d.descr.url, "bin:127.0.0.1:17003");
  EXPECT_EQ(d.descr.sip_addr, "");
  EXPECT_EQ(d.descr.priority, 3);
  EXPECT_EQ(d.descr.no_ping_retries, 3);
  EXPECT_EQ(d.path, (Path{3}));
}

TEST(wire_captures, GenericMsgRequest) {
  auto m = decode_as<ExtraMessage>(find_capture("req", kCapExtra, 7));
  const auto& g = std::get<GenericMsg>(m.body);
  EXPECT_EQ(g.req_like, 1);
  EXPECT_EQ(g.tag, "1-1-NhbNlZn4VWUk6hK5bmD2lbwK");
  EXPECT_EQ(g.msg, "hello-req");
  EXPECT_EQ(m.trailer, (Trailer{1, 1, 2}));
}

TEST(wire_captures, RemoveNode) {
  auto m = decode_as<ExtraMessage>(find_capture("req", kCapExtra, 6));
  EXPECT_EQ(std::get<RemoveNode>(m.body).target_node_id, 2);
  EXPECT_EQ(m.trailer, (Trailer{1, 1, 2}));
}

TEST(wire_captures, SyncCarriesOneMarkedChunk) {
  const auto& c = find_capture("three", kCapExtra, 11);
  auto m = decode_as<ExtraMessage>(c);
  EXPECT_EQ(m.version, kBinSyncVersion);
  const auto& s = std::get<Sync>(m.body);
  EXPECT_EQ(s.capability, "cachedb-local-repl");
  EXPECT_EQ(s.data_version, 1);
  ASSERT_EQ(s.chunks.size(), 1u);
  // cachedb_local's chunk: collection "default", key "k1", value "v1", expiry 0.
  EXPECT_EQ(test::to_hex(s.chunks[0]), test::to_hex(test::from_hex(
                                           "0700 64656661756c74 0200 6b31 0200 7631 00000000")));
  // chunk_len 21 then the marker bytes B5 4A 05 06 right after the data version.
  std::size_t chunk_at = 12 + kCapExtra.size() + 4 + 2 + s.capability.size() + 4;
  EXPECT_EQ(test::to_hex(Bytes(c.bytes.begin() + chunk_at, c.bytes.begin() + chunk_at + 8)),
            "15000000b54a0506");
  EXPECT_EQ(m.trailer, (Trailer{1, 1, 3}));

  auto end = decode_as<ExtraMessage>(find_capture("three", kCapExtra, 12));
  EXPECT_EQ(std::get<SyncEnd>(end.body), (SyncEnd{"cachedb-local-repl", 1}));
}

TEST(wire_captures, FullTopUpdateOfTwoNodes) {
  auto m = decode_as<InternalMessage>(find_capture("two", kCapInternal, 3));
  EXPECT_EQ(m.src_node_id, 1);
  const auto& f = std::get<FullTopUpdate>(m.body);
  EXPECT_EQ(f.seq_no, 0);
  EXPECT_EQ(f.timestamp, 0x6b06f5d4);
  ASSERT_EQ(f.entries.size(), 1u);
  // Entry 0 is the sender: no description, no LS update yet, its link to 2.
  EXPECT_EQ(f.entries[0], (FullTopEntry{1, std::nullopt, -1, 0, {2}}));
  EXPECT_EQ(f.path, (Path{1}));
}

TEST(wire_captures, FullTopUpdateOfThreeNodes) {
  // The first FULL_TOP_UPDATE of scenario "three" that lists two nodes.
  std::optional<InternalMessage> m;
  for (const auto& c : captured_packets()) {
    if (c.scenario != "three" || c.capability != kCapInternal || c.type != 3) continue;
    m = decode_as<InternalMessage>(c);
    if (std::get<FullTopUpdate>(m->body).entries.size() == 2) break;
  }
  ASSERT_TRUE(m);
  EXPECT_EQ(m->src_node_id, 2);
  const auto& f = std::get<FullTopUpdate>(m->body);
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0], (FullTopEntry{2, std::nullopt, 0, 0, {3, 1}}));
  EXPECT_EQ(f.entries[1], (FullTopEntry{1, std::nullopt, -1, 0, {}}));
  EXPECT_EQ(f.path, (Path{2}));
}

TEST(wire_captures, CapUpdateAnnouncesCachedbLocal) {
  auto m = decode_as<InternalMessage>(find_capture("two", kCapInternal, 9));
  EXPECT_EQ(m.src_node_id, 1);
  const auto& u = std::get<CapUpdate>(m.body);
  EXPECT_EQ(u.seq_no, 0);
  ASSERT_EQ(u.blocks.size(), 1u);
  EXPECT_EQ(u.blocks[0].node_id, 1);
  EXPECT_EQ(u.blocks[0].caps, (std::vector<CapState>{{"cachedb-local-repl", 0}}));
  EXPECT_EQ(u.require_reply, 1);
  EXPECT_EQ(u.path, (Path{1}));
}

TEST(wire_captures, ModulePacketExcludesTrailer) {
  auto m = decode_as<ModulePacket>(find_capture("three", "cachedb-local-repl", 1));
  EXPECT_EQ(m.capability, "cachedb-local-repl");
  EXPECT_EQ(m.type, 1);
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(test::to_hex(m.body),
            test::to_hex(test::from_hex("0700 64656661756c74 0200 6b31 0200 7631 00000000")));
  EXPECT_EQ(m.trailer, (Trailer{1, 1, 2}));
}

TEST(wire_captures, BroadcastCopiesCarryRealDestinations) {
  // Every trailer packet names one real node; dst -1 never reaches the wire.
  std::map<int32_t, int> dsts;
  for (const auto& c : captured_packets()) {
    if (c.capability == kCapInternal) continue;
    auto p = decode(c.bytes);
    ASSERT_TRUE(p);
    auto dst = std::visit(
        [](const auto& m) -> int32_t {
          if constexpr (requires { m.trailer; }) return m.trailer.dst_node_id;
          return 0;
        },
        *p);
    ++dsts[dst];
  }
  for (const auto& [dst, n] : dsts) EXPECT_GE(dst, 1) << n << " packets";
}

TEST(wire_captures, UnknownIdIsPrefixOnly) {
  auto m = decode_as<InternalMessage>(find_capture("three", kCapInternal, 4));
  EXPECT_EQ(m.cluster_id, 1);
  EXPECT_EQ(m.src_node_id, 2);
  EXPECT_TRUE(std::holds_alternative<UnknownId>(m.body));
}

TEST(wire_captures, MiCmdBroadcast) {
  auto m = decode_as<ExtraMessage>(find_capture("three", kCapExtra, 8));
  EXPECT_EQ(std::get<MiCmd>(m.body), (MiCmd{"cache_remove", {"local", "k1"}}));
  EXPECT_EQ(m.trailer.src_node_id, 1);
}

}  // namespace
}  // namespace lc::wire
