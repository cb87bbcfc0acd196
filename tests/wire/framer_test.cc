// StreamFramer: cutting a TCP byte stream into packets (wire.md §1.3).
#include <gtest/gtest.h>

#include "libcluster/wire/codec.h"
#include "libcluster/wire/framer.h"
#include "libcluster/wire/writer.h"
#include "wire_test_util.h"

namespace lc::wire {
namespace {

// Drains every complete packet currently available.
std::vector<Bytes> drain(StreamFramer& f) {
  std::vector<Bytes> out;
  for (;;) {
    auto r = f.next();
    EXPECT_FALSE(r.error);
    if (!r.packet) return out;
    out.push_back(std::move(*r.packet));
  }
}

Bytes concat(const std::vector<Bytes>& parts) {
  Bytes all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

std::vector<Bytes> first_captures(std::size_t n) {
  std::vector<Bytes> out;
  for (const auto& c : test::captured_packets()) {
    if (out.size() == n) break;
    out.push_back(c.bytes);
  }
  return out;
}

TEST(wire_framer, EmptyStreamYieldsNothing) {
  StreamFramer f;
  auto r = f.next();
  EXPECT_FALSE(r.packet);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(f.buffered_bytes(), 0u);
}

TEST(wire_framer, SeveralPacketsInOneFeed) {
  auto packets = first_captures(20);
  StreamFramer f;
  f.feed(concat(packets));
  EXPECT_EQ(drain(f), packets);
  EXPECT_EQ(f.buffered_bytes(), 0u);
}

TEST(wire_framer, EveryCaptureAsOneStream) {
  std::vector<Bytes> packets;
  for (const auto& c : test::captured_packets()) packets.push_back(c.bytes);
  StreamFramer f;
  f.feed(concat(packets));
  auto out = drain(f);
  ASSERT_EQ(out, packets);
  for (const auto& p : out) EXPECT_TRUE(decode(p));
}

TEST(wire_framer, PacketSplitByteByByte) {
  auto packets = first_captures(3);
  Bytes stream = concat(packets);
  StreamFramer f;
  std::vector<Bytes> out;
  for (uint8_t b : stream) {
    f.feed(std::span<const uint8_t>(&b, 1));
    auto got = drain(f);
    out.insert(out.end(), got.begin(), got.end());
  }
  EXPECT_EQ(out, packets);
  EXPECT_EQ(f.buffered_bytes(), 0u);
}

TEST(wire_framer, PacketAndAHalf) {
  auto packets = first_captures(2);
  Bytes stream = concat(packets);
  std::size_t cut = packets[0].size() + 5;
  StreamFramer f;
  f.feed(std::span(stream).first(cut));
  EXPECT_EQ(drain(f), std::vector<Bytes>{packets[0]});
  EXPECT_EQ(f.buffered_bytes(), 5u);
  f.feed(std::span(stream).subspan(cut));
  EXPECT_EQ(drain(f), std::vector<Bytes>{packets[1]});
}

TEST(wire_framer, LargestPacketInUnevenReads) {
  // Header 12 + 15 + 4, req_like 4, two string lengths 2 + 2, trailer 12.
  std::string msg(kMaxPacketSize - 51, 'x');
  Bytes big = encode(ExtraMessage{Trailer{1, 1, 2}, GenericMsg{1, "", msg}});
  ASSERT_EQ(big.size(), kMaxPacketSize);
  Bytes stream = concat({big, big, first_captures(1)[0]});
  StreamFramer f;
  std::vector<Bytes> out;
  // 1500-byte reads, like TCP segments, so packets straddle reads.
  for (std::size_t at = 0; at < stream.size(); at += 1500) {
    f.feed(std::span(stream).subspan(at, std::min<std::size_t>(1500, stream.size() - at)));
    auto got = drain(f);
    out.insert(out.end(), got.begin(), got.end());
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], big);
  EXPECT_EQ(out[1], big);
}

TEST(wire_framer, WaitsForTenBytesBeforeJudging) {
  StreamFramer f;
  f.feed(Bytes{'X', 'X', 'X'});
  auto r = f.next();
  EXPECT_FALSE(r.error);
  EXPECT_FALSE(r.packet);
}

TEST(wire_framer, BadMarkerFailsForGood) {
  StreamFramer f;
  Bytes bad = first_captures(1)[0];
  bad[0] = 'p';
  f.feed(bad);
  auto r = f.next();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, FrameErrc::kBadMarker);
  EXPECT_FALSE(r.packet);
  // A valid packet after the failure is not accepted: the connection is dead.
  f.feed(first_captures(1)[0]);
  r = f.next();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, FrameErrc::kBadMarker);
  EXPECT_FALSE(r.packet);
}

TEST(wire_framer, BadMarkerAfterAGoodPacket) {
  auto packets = first_captures(1);
  Bytes stream = packets[0];
  Bytes junk(12, 'z');
  stream.insert(stream.end(), junk.begin(), junk.end());
  StreamFramer f;
  f.feed(stream);
  auto r = f.next();
  ASSERT_TRUE(r.packet);
  EXPECT_EQ(*r.packet, packets[0]);
  r = f.next();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, FrameErrc::kBadMarker);
}

void expect_bad_length(uint32_t len) {
  SCOPED_TRACE(len);
  Bytes b = first_captures(1)[0];
  put_le32(b.data() + 4, len);
  StreamFramer f;
  f.feed(b);
  auto r = f.next();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, FrameErrc::kBadLength);
  r = f.next();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, FrameErrc::kBadLength);
}

TEST(wire_framer, LengthOutOfRange) {
  for (uint32_t len : {0u, 10u, 16u, 65536u, 0xFFFFFFFFu}) expect_bad_length(len);
}

TEST(wire_framer, LengthBoundsAreAccepted) {
  // 17 bytes is cut out as a packet even though decode then rejects it.
  Bytes b = {'P', '4', 'C', 'K', 17, 0, 0, 0, 1, 0, 1, 0, 'x', 0, 0, 0, 0};
  StreamFramer f;
  f.feed(b);
  EXPECT_EQ(drain(f), std::vector<Bytes>{b});
}

}  // namespace
}  // namespace lc::wire
