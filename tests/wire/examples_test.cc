// The worked examples of wire.md §8, built from structs, must give exactly
// the documented bytes; and every message type must survive encode/decode.
#include <gtest/gtest.h>

#include "libcluster/wire/codec.h"
#include "wire_test_util.h"

namespace lc::wire {
namespace {

using test::from_hex;
using test::to_hex;

const std::string kInternalHex = "636c757374657265722d696e7465726e616c";
const std::string kExtraHex = "636c757374657265722d6578747261";

TEST(wire_examples, Ping81) {
  InternalMessage m{1, 1, Ping{1}};
  EXPECT_EQ(to_hex(encode(m)), to_hex(from_hex(R"(
      50 34 43 4b  2e 00 00 00  01 00  12 00)" + kInternalHex + R"(
      00 00 00 00  01 00 00 00  01 00 00 00  01 00 00 00)")));
  // §8.1 is also the first captured packet.
  EXPECT_EQ(to_hex(encode(m)), to_hex(test::captured_packets().front().bytes));
}

TEST(wire_examples, Pong81) {
  InternalMessage m{1, 2, Pong{{3}}};
  EXPECT_EQ(to_hex(encode(m)), to_hex(from_hex("50 34 43 4b 32 00 00 00 01 00 12 00" + kInternalHex +
                                               "01 00 00 00 01 00 00 00 02 00 00 00"
                                               "01 00 00 00 03 00 00 00")));
}

TEST(wire_examples, LsUpdate82) {
  InternalMessage m{1, 1, LsUpdate{0, 0x66000000, 2, kWireLinkUp, {1}}};
  EXPECT_EQ(to_hex(encode(m)), to_hex(from_hex(R"(
      50 34 43 4b 42 00 00 00 01 00 12 00)" + kInternalHex + R"(
      02 00 00 00
      01 00 00 00 01 00 00 00
      00 00 00 00
      00 00 00 66
      02 00 00 00 00 00 00 00
      01 00 00 00 01 00 00 00)")));
}

TEST(wire_examples, GenericMsg83) {
  ExtraMessage m{Trailer{1, 1, 2}, GenericMsg{1, "1-1-ABC", "hello"}};
  Bytes bytes = encode(m);
  EXPECT_EQ(bytes.size(), 63u);
  EXPECT_EQ(to_hex(bytes), to_hex(from_hex(R"(
      50 34 43 4b 3f 00 00 00 01 00 0f 00)" + kExtraHex + R"(
      07 00 00 00
      01 00 00 00
      07 00 31 2d 31 2d 41 42 43
      05 00 68 65 6c 6c 6f
      01 00 00 00 01 00 00 00 02 00 00 00)")));
}

TEST(wire_examples, EmptyStringIsTwoZeroBytes) {
  ExtraMessage m{Trailer{1, 1, 2}, ShtagActive{""}};
  Bytes bytes = encode(m);
  ASSERT_EQ(bytes.size(), 12 + kCapExtra.size() + 4 + 2 + 12);
  EXPECT_EQ(bytes[31], 0);
  EXPECT_EQ(bytes[32], 0);
}

TEST(wire_examples, SyncFamilyDefaultsToVersion3) {
  EXPECT_EQ(default_version(SyncReq{"x"}), kBinSyncVersion);
  EXPECT_EQ(default_version(Sync{}), kBinSyncVersion);
  EXPECT_EQ(default_version(SyncEnd{}), kBinSyncVersion);
  EXPECT_EQ(default_version(GenericMsg{}), kBinVersion);
  EXPECT_EQ(default_version(ShtagActive{}), kBinVersion);
}

// ---- struct -> bytes -> struct for every body type ----

void expect_round_trip(const Packet& p) {
  Bytes bytes = encode(p);
  auto back = decode(bytes);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_TRUE(*back == p);
  EXPECT_EQ(to_hex(encode(*back)), to_hex(bytes));
}

TEST(wire_roundtrip, InternalMessages) {
  NodeDescr d{"bins:10.0.0.3:5566", "sip:10.0.0.3", 7, 4};
  std::vector<InternalBody> bodies = {
      Ping{0},
      Pong{},
      Pong{{2, 3, 4}},
      LsUpdate{5, 1700000000, 3, kWireLinkDown, {1, 2}},
      FullTopUpdate{1, 2, {{1, std::nullopt, 4, 0, {2}}, {3, d, -1, 0, {}}, {4, NodeDescr{}, 2, 9, {1, 3}}}, {1}},
      UnknownId{},
      NodeDescription{d, {3, 2}},
      CapUpdate{0, 1, {{1, {{"dialog-dlg-repl", 1}, {"usrloc-contact-repl", 0}}}, {2, {}}}, 1, {1}},
  };
  for (const auto& b : bodies) {
    SCOPED_TRACE(msg_type_name(type_of(b)));
    expect_round_trip(InternalMessage{7, 9, b, kBinVersion});
  }
}

TEST(wire_roundtrip, ExtraMessages) {
  std::vector<ExtraBody> bodies = {
      RemoveNode{4},
      GenericMsg{0, "1-2-xyz", std::string(1024, 'm')},
      MiCmd{"clusterer_list", {}},
      MiCmd{"cache_store", std::vector<std::string>(10, "p")},
      SyncReq{"dialog-dlg-repl"},
      Sync{"dialog-dlg-repl", 4, {{}, {1, 2, 3}, Bytes(300, 0xAB)}},
      Sync{"dialog-dlg-repl", 4, {}},
      SyncEnd{"dialog-dlg-repl", 3},
      ShtagActive{"vip"},
  };
  for (const auto& b : bodies) {
    SCOPED_TRACE(msg_type_name(type_of(b)));
    expect_round_trip(ExtraMessage{Trailer{1, 2, 3}, b, default_version(b)});
  }
}

TEST(wire_roundtrip, ModulePacket) {
  expect_round_trip(ModulePacket{"dialog-dlg-repl", 3, 4, {9, 8, 7}, Trailer{1, 2, 3}});
  expect_round_trip(ModulePacket{"x", -1, -2, {}, Trailer{-1, 0, 5}});
}

TEST(wire_roundtrip, ModuleUnroutedHeader) {
  Bytes body = {1, 2, 3, 4, 5};
  Bytes bytes = encode_module_unrouted("usrloc-contact-repl", 2, 5, body);
  auto h = decode_module_header(bytes);
  ASSERT_TRUE(h) << h.error().to_string();
  EXPECT_EQ(h->capability, "usrloc-contact-repl");
  EXPECT_EQ(h->type, 2);
  EXPECT_EQ(h->version, 5);
  EXPECT_EQ(Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(h->body_offset), bytes.end()), body);
}

TEST(wire_roundtrip, PatchTrailerDst) {
  Bytes bytes = encode(ExtraMessage{Trailer{1, 1, -1}, GenericMsg{1, "t", "m"}});
  patch_trailer_dst(bytes, 3);
  auto p = decode(bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(std::get<ExtraMessage>(*p).trailer, (Trailer{1, 1, 3}));
}

TEST(wire_roundtrip, LargestPacketFits) {
  // Header 12 + 15 + 4, req_like 4, two strings 2 + 2, trailer 12.
  std::size_t room = kMaxPacketSize - (12 + kCapExtra.size() + 4 + 4 + 2 + 2 + 12);
  ExtraMessage m{Trailer{1, 1, 2}, GenericMsg{1, "", std::string(room, 'x')}};
  Bytes bytes = encode(m);
  EXPECT_EQ(bytes.size(), kMaxPacketSize);
  expect_round_trip(m);
}

}  // namespace
}  // namespace lc::wire
