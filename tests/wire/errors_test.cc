// Malformed packets: each typed DecodeErrc is produced by the input that
// should produce it, and no input makes the decoder read out of bounds.
#include <gtest/gtest.h>

#include "libcluster/wire/codec.h"
#include "libcluster/wire/writer.h"
#include "wire_test_util.h"

namespace lc::wire {
namespace {

// The DecodeErrc of decoding `bytes`, failing the test if it decodes.
DecodeErrc error_of(const Bytes& bytes) {
  auto p = decode(bytes);
  EXPECT_FALSE(p) << "decoded unexpectedly: " << test::to_hex(bytes);
  return p ? DecodeErrc::kTruncated : p.error().code;
}

// Rewrites the header length, as a sender that lied about it would.
void set_length(Bytes& b, uint32_t len) { put_le32(b.data() + 4, len); }

Bytes internal(int32_t type, std::initializer_list<int32_t> ints) {
  Writer w(kCapInternal, type, kBinVersion);
  w.i32(1);  // cluster
  w.i32(2);  // src
  for (int32_t v : ints) w.i32(v);
  return w.take();
}

void add_trailer(Writer& w) {
  w.i32(1);
  w.i32(2);
  w.i32(3);
}

Bytes sync_packet(int32_t chunk_len, int32_t marker, int16_t version = kBinSyncVersion) {
  Writer w(kCapExtra, static_cast<int32_t>(MsgType::kSync), version);
  w.str("dialog-dlg-repl");
  w.i32(1);  // data_version
  w.i32(chunk_len);
  w.i32(marker);
  w.raw(Bytes(chunk_len > 0 ? static_cast<std::size_t>(chunk_len) : 0, 0x55));
  add_trailer(w);
  return w.take();
}

// ---------------------------------------------------------------- truncation

TEST(wire_errors, EveryPrefixOfEveryCaptureIsSafe) {
  // Each prefix gets a header length equal to its size, so it passes the
  // length check and the body parsers meet the end early. Run under
  // LC_SANITIZE=ON to prove no out-of-bounds read.
  for (const auto& c : test::captured_packets()) {
    for (std::size_t n = 0; n < c.bytes.size(); ++n) {
      Bytes prefix(c.bytes.begin(), c.bytes.begin() + static_cast<std::ptrdiff_t>(n));
      if (n >= 8) set_length(prefix, static_cast<uint32_t>(n));
      auto p = decode(prefix);
      // Internal bodies are parsed positionally to their last byte, so a cut
      // one can never parse. Trailer packets take their last 12 bytes as the
      // trailer whatever they are, so a module body may legitimately shrink.
      if (c.capability == kCapInternal) {
        EXPECT_FALSE(p) << "line " << c.line_no << " prefix " << n;
      }
    }
  }
}

TEST(wire_errors, MissingFieldIsTruncated) {
  Bytes ping = internal(0, {});
  EXPECT_EQ(error_of(ping), DecodeErrc::kTruncated);
  auto p = decode(ping);
  EXPECT_EQ(p.error().offset, ping.size());
}

TEST(wire_errors, StringLongerThanPacketIsTruncated) {
  Writer w(kCapExtra, static_cast<int32_t>(MsgType::kShtagActive), kBinVersion);
  w.i32(0x0000FFFF);  // str length 65535 + 2 garbage bytes
  add_trailer(w);
  EXPECT_EQ(error_of(w.take()), DecodeErrc::kTruncated);
}

TEST(wire_errors, TrailerPacketWithoutRoomForTrailerIsTruncated) {
  Writer w(kCapExtra, static_cast<int32_t>(MsgType::kRemoveNode), kBinVersion);
  w.i32(1);
  w.i32(2);
  EXPECT_EQ(error_of(w.take()), DecodeErrc::kTruncated);

  Writer m("dialog-dlg-repl", 1, 4);
  m.raw(Bytes(11, 0));
  EXPECT_EQ(error_of(m.take()), DecodeErrc::kTruncated);
}

// ---------------------------------------------------------------- header

TEST(wire_errors, WrongMarker) {
  Bytes b = internal(0, {1});
  b[3] = 'X';
  EXPECT_EQ(error_of(b), DecodeErrc::kBadMarker);
  EXPECT_EQ(error_of(Bytes{'P', '4'}), DecodeErrc::kBadMarker);
  EXPECT_EQ(error_of(Bytes{}), DecodeErrc::kBadMarker);
}

TEST(wire_errors, LengthFieldMismatch) {
  Bytes b = internal(0, {1});
  set_length(b, static_cast<uint32_t>(b.size() + 1));
  EXPECT_EQ(error_of(b), DecodeErrc::kBadLength);
  set_length(b, static_cast<uint32_t>(b.size() - 1));
  EXPECT_EQ(error_of(b), DecodeErrc::kBadLength);
  // Two packets glued together: the decoder wants exactly one.
  Bytes two = internal(0, {1});
  Bytes more = internal(0, {1});
  two.insert(two.end(), more.begin(), more.end());
  EXPECT_EQ(error_of(two), DecodeErrc::kBadLength);
}

TEST(wire_errors, TooSmall) {
  Bytes b = {'P', '4', 'C', 'K', 16, 0, 0, 0, 1, 0, 1, 0, 'x', 0, 0, 0};
  EXPECT_EQ(error_of(b), DecodeErrc::kTooSmall);
}

TEST(wire_errors, SmallestPacketParsesHeader) {
  // 17 bytes: a 1-byte capability and a type. It is a module packet with no
  // room for the trailer.
  Bytes b = {'P', '4', 'C', 'K', 17, 0, 0, 0, 1, 0, 1, 0, 'x', 0, 0, 0, 0};
  EXPECT_EQ(error_of(b), DecodeErrc::kTruncated);
}

TEST(wire_errors, TooLarge) {
  Bytes b(kMaxPacketSize + 1, 0);
  std::copy(kMarker.begin(), kMarker.end(), b.begin());
  set_length(b, static_cast<uint32_t>(b.size()));
  EXPECT_EQ(error_of(b), DecodeErrc::kTooLarge);
}

TEST(wire_errors, CapabilityPastTheEnd) {
  Bytes b = internal(0, {1});
  // Capability length = total - 15: one byte too many to leave room for the type.
  uint16_t cap_len = static_cast<uint16_t>(b.size() - 15);
  b[10] = static_cast<uint8_t>(cap_len);
  b[11] = static_cast<uint8_t>(cap_len >> 8);
  EXPECT_EQ(error_of(b), DecodeErrc::kBadCapability);
  b[10] = b[11] = 0xFF;
  EXPECT_EQ(error_of(b), DecodeErrc::kBadCapability);
}

TEST(wire_errors, EmptyCapability) {
  Bytes b = {'P', '4', 'C', 'K', 0, 0, 0, 0, 1, 0, 0, 0};
  b.resize(12 + 4 + 12, 0);
  set_length(b, static_cast<uint32_t>(b.size()));
  EXPECT_EQ(error_of(b), DecodeErrc::kBadCapability);
}

TEST(wire_errors, CapabilityIsCaseSensitive) {
  // "Clusterer-internal" is some module's capability, not the clusterer's.
  Bytes b = internal(0, {1, 2, 3});
  b[12] = 'C';
  auto p = decode(b);
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(std::get<ModulePacket>(*p).capability, "Clusterer-internal");
}

// ---------------------------------------------------------------- version

TEST(wire_errors, SyncWithWrongVersion) {
  EXPECT_EQ(error_of(sync_packet(4, kSyncChunkMarker, kBinVersion)), DecodeErrc::kBadVersion);
  ExtraMessage end{Trailer{1, 2, 3}, SyncEnd{"x", 1}, 4};
  EXPECT_EQ(error_of(encode(end)), DecodeErrc::kBadVersion);
}

TEST(wire_errors, OtherVersionsAreNotChecked) {
  // wire.md §2.5: only SYNC and SYNC_END are dropped for their version.
  for (const Packet& p : {Packet{ExtraMessage{Trailer{1, 2, 3}, SyncReq{"x"}, 1}},
                          Packet{ExtraMessage{Trailer{1, 2, 3}, GenericMsg{1, "t", "m"}, 9}},
                          Packet{InternalMessage{1, 2, Ping{1}, 3}}}) {
    auto back = decode(encode(p));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_TRUE(*back == p);
  }
}

// ---------------------------------------------------------------- type

TEST(wire_errors, UnknownInternalType) {
  for (int32_t type : {6, 7, 8, 10, 13, 14, 101, -1}) {
    SCOPED_TRACE(type);
    EXPECT_EQ(error_of(internal(type, {0})), DecodeErrc::kUnknownType);
  }
}

TEST(wire_errors, UnknownExtraType) {
  for (int32_t type : {0, 1, 5, 9, 14, 101, -1}) {
    SCOPED_TRACE(type);
    Writer w(kCapExtra, type, kBinVersion);
    w.i32(0);
    add_trailer(w);
    EXPECT_EQ(error_of(w.take()), DecodeErrc::kUnknownType);
  }
}

// ---------------------------------------------------------------- counts

TEST(wire_errors, PongCountOutOfRange) {
  EXPECT_EQ(error_of(internal(1, {129})), DecodeErrc::kBadCount);
  EXPECT_EQ(error_of(internal(1, {-1})), DecodeErrc::kBadCount);
  // 128 is the bound itself and is fine when the ids are there.
  std::vector<int32_t> ids(128, 5);
  EXPECT_TRUE(decode(encode(InternalMessage{1, 2, Pong{ids}})));
}

TEST(wire_errors, PathCountOutOfRange) {
  EXPECT_EQ(error_of(internal(2, {0, 0, 3, 0, -1})), DecodeErrc::kBadCount);
  // NODE_DESCRIPTION: one zero int is both empty strings (url, sip_addr).
  EXPECT_EQ(error_of(internal(5, {0, 3, 3, 129})), DecodeErrc::kBadCount);
}

TEST(wire_errors, FullTopCountsOutOfRange) {
  EXPECT_EQ(error_of(internal(3, {0, 0, 129})), DecodeErrc::kBadCount);
  // One entry whose neighbour count is negative.
  EXPECT_EQ(error_of(internal(3, {0, 0, 1, 4, 0, -1, 0, -5})), DecodeErrc::kBadCount);
}

TEST(wire_errors, FullTopHasDescrMustBeABoolean) {
  // OpenSIPS would read any non-zero as "has a description"; we reject it so
  // that a decoded packet always re-encodes to the same bytes.
  EXPECT_EQ(error_of(internal(3, {0, 0, 1, 4, 2, -1, 0, 0, 1, 2})), DecodeErrc::kBadCount);
}

TEST(wire_errors, CapUpdateCountsOutOfRange) {
  EXPECT_EQ(error_of(internal(9, {0, 0, -1})), DecodeErrc::kBadCount);
  EXPECT_EQ(error_of(internal(9, {0, 0, 1, 1, -1})), DecodeErrc::kBadCount);
}

TEST(wire_errors, MiCmdParamsOutOfRange) {
  for (int32_t n : {11, -1}) {
    Writer w(kCapExtra, static_cast<int32_t>(MsgType::kMiCmd), kBinVersion);
    w.str("cache_remove");
    w.i32(n);
    for (int i = 0; i < 11; ++i) w.str("p");
    add_trailer(w);
    EXPECT_EQ(error_of(w.take()), DecodeErrc::kBadCount) << n;
  }
}

TEST(wire_errors, NegativeSyncChunkLength) {
  EXPECT_EQ(error_of(sync_packet(-4, kSyncChunkMarker)), DecodeErrc::kBadCount);
}

// ---------------------------------------------------------------- sync

TEST(wire_errors, BadSyncChunkMarker) {
  auto p = decode(sync_packet(4, kSyncChunkMarker));
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(error_of(sync_packet(4, kSyncChunkMarker + 1)), DecodeErrc::kBadChunkMarker);
  EXPECT_EQ(error_of(sync_packet(4, 0)), DecodeErrc::kBadChunkMarker);
}

TEST(wire_errors, SyncChunkPastItsPacket) {
  Bytes b = sync_packet(4, kSyncChunkMarker);
  // chunk_len sits 12 (trailer) + 4 (data) + 8 (len, marker) from the end.
  put_le32(b.data() + b.size() - 24, 5);
  EXPECT_EQ(error_of(b), DecodeErrc::kTruncated);
}

// ---------------------------------------------------------------- trailing

TEST(wire_errors, TrailingBytesAfterInternalBody) {
  EXPECT_EQ(error_of(internal(0, {1, 0})), DecodeErrc::kTrailingBytes);
  EXPECT_EQ(error_of(internal(4, {0})), DecodeErrc::kTrailingBytes);
}

TEST(wire_errors, TrailingBytesBeforeTrailer) {
  Writer w(kCapExtra, static_cast<int32_t>(MsgType::kShtagActive), kBinVersion);
  w.str("vip");
  w.raw(Bytes{0});
  add_trailer(w);
  EXPECT_EQ(error_of(w.take()), DecodeErrc::kTrailingBytes);
}

TEST(wire_errors, ErrorTextNamesTheCode) {
  auto p = decode(internal(1, {129}));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().to_string().find("bad count"), std::string::npos);
  EXPECT_EQ(errc_name(DecodeErrc::kBadChunkMarker), "bad sync chunk marker");
}

// ---------------------------------------------------------------- modules

TEST(wire_modules, BodyExcludesTrailer) {
  Writer w("cachedb-local-repl", 2, 1);
  w.str("default");
  w.str("k1");
  add_trailer(w);
  Bytes bytes = w.take();
  auto p = decode(bytes);
  ASSERT_TRUE(p) << p.error().to_string();
  const auto& m = std::get<ModulePacket>(*p);
  EXPECT_EQ(m.capability, "cachedb-local-repl");
  EXPECT_EQ(m.type, 2);
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.body.size(), 2u + 7 + 2 + 2);
  EXPECT_EQ(m.trailer, (Trailer{1, 2, 3}));
  EXPECT_EQ(encode(m), bytes);
}

TEST(wire_modules, EmptyBodyIsJustTheTrailer) {
  Writer w("m", 0, 0);
  add_trailer(w);
  auto p = decode(w.bytes());
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_TRUE(std::get<ModulePacket>(*p).body.empty());
}

TEST(wire_modules, UnroutedHeaderChecksFraming) {
  Bytes b = encode_module_unrouted("dialog-dlg-repl", 1, 4, Bytes{1, 2});
  b[0] = 'Q';
  auto h = decode_module_header(b);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, DecodeErrc::kBadMarker);
}

}  // namespace
}  // namespace lc::wire
