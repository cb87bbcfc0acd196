// The cachedb-local-repl codec: the spec's test vector, the packets
// captured between OpenSIPS 3.6.8 nodes, strict errors on short input and
// the size limits of kv-capability.md §5.
#include <gtest/gtest.h>

#include "libcluster/kv/codec.h"
#include "libcluster/wire/codec.h"
#include "wire_test_util.h"

namespace lc::kv {
namespace {

using wire::test::from_hex;

// kv-capability.md §1: INSERT sess/k1/v TTL 30, cluster 1, src 2, dst 3.
const char* kSpecVector =
    "50 34 43 4B 3F 00 00 00 01 00 12 00"
    "63 61 63 68 65 64 62 2d 6c 6f 63 61 6c 2d 72 65 70 6c"  // cachedb-local-repl
    "01 00 00 00 04 00 73 65 73 73 02 00 6b 31 01 00 76 1E 00 00 00"
    "01 00 00 00 02 00 00 00 03 00 00 00";

wire::ModulePacket module_packet(const wire::Bytes& bytes) {
  auto p = wire::decode(bytes);
  EXPECT_TRUE(p) << (p ? "" : p.error().to_string());
  return std::get<wire::ModulePacket>(*p);
}

// Appends the trailer the engine adds when it routes a module packet.
wire::Bytes routed(wire::Bytes pkt, int32_t cluster, int32_t src, int32_t dst) {
  for (int32_t v : {cluster, src, dst})
    for (int s = 0; s < 32; s += 8) pkt.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> s));
  const auto len = static_cast<uint32_t>(pkt.size());
  for (int i = 0; i < 4; ++i) pkt[4 + i] = static_cast<uint8_t>(len >> (8 * i));
  return pkt;
}

TEST(kv_codec, SpecVectorEncodesAndDecodes) {
  const wire::Bytes expected = from_hex(kSpecVector);
  ASSERT_EQ(expected.size(), 63u);
  auto pkt = encode_insert({"sess", "k1", "v", 30});
  ASSERT_TRUE(pkt);
  EXPECT_EQ(routed(*pkt, 1, 2, 3), expected);

  const wire::ModulePacket p = module_packet(expected);
  EXPECT_EQ(p.capability, kCapability);
  EXPECT_EQ(p.version, kBinVersion);
  EXPECT_EQ(p.trailer, (wire::Trailer{1, 2, 3}));
  auto msg = decode_packet(p.type, p.body);
  ASSERT_TRUE(msg);
  EXPECT_EQ(std::get<Record>(*msg), (Record{"sess", "k1", "v", 30}));
}

TEST(kv_codec, CapturedOpenSipsPacketsDecodeAndReencode) {
  int inserts = 0, removes = 0, chunks = 0;
  for (const auto& c : wire::test::captured_packets()) {
    auto p = wire::decode(c.bytes);
    ASSERT_TRUE(p) << "line " << c.line_no;
    if (auto* m = std::get_if<wire::ModulePacket>(&*p); m && m->capability == kCapability) {
      auto msg = decode_packet(m->type, m->body);
      ASSERT_TRUE(msg) << "line " << c.line_no;
      wire::Bytes again;
      if (auto* r = std::get_if<Record>(&*msg)) {
        EXPECT_EQ(*r, (Record{"default", "k1", "v1", 0})) << "line " << c.line_no;
        again = *encode_insert(*r);
        ++inserts;
      } else {
        EXPECT_EQ(std::get<Removal>(*msg), (Removal{"default", "k1"})) << "line " << c.line_no;
        again = *encode_remove(std::get<Removal>(*msg));
        ++removes;
      }
      const auto& t = m->trailer;
      EXPECT_EQ(routed(again, t.cluster_id, t.src_node_id, t.dst_node_id), c.bytes)
          << "line " << c.line_no;
    }
    if (auto* x = std::get_if<wire::ExtraMessage>(&*p))
      if (auto* s = std::get_if<wire::Sync>(&x->body); s && s->capability == kCapability) {
        EXPECT_EQ(s->data_version, kDataVersion);
        for (const auto& chunk : s->chunks) {
          auto r = decode_sync_record(chunk);
          ASSERT_TRUE(r) << "line " << c.line_no;
          EXPECT_EQ(*r, (Record{"default", "k1", "v1", 0}));
          EXPECT_EQ(*encode_sync_record(*r), chunk);
          ++chunks;
        }
      }
  }
  EXPECT_GE(inserts, 1);
  EXPECT_GE(removes, 1);
  EXPECT_GE(chunks, 1);
}

TEST(kv_codec, EveryShortBodyIsRejected) {
  const wire::ModulePacket ins = module_packet(from_hex(kSpecVector));
  // Every prefix, including the one that ends exactly before `expires`
  // (OpenSIPS's quirk reads it uninitialised).
  for (std::size_t n = 0; n < ins.body.size(); ++n) {
    auto msg = decode_packet(1, std::span(ins.body).first(n));
    ASSERT_FALSE(msg) << n << " bytes";
    EXPECT_EQ(msg.error().code, CodecErrc::kTruncated);
  }
  const wire::Bytes rem = *encode_remove({"sess", "k1"});
  const std::span<const uint8_t> rem_body = std::span(rem).subspan(34);
  ASSERT_TRUE(decode_packet(2, rem_body));
  for (std::size_t n = 0; n < rem_body.size(); ++n)
    EXPECT_FALSE(decode_packet(2, rem_body.first(n))) << n << " bytes";
  const wire::Bytes chunk = *encode_sync_record({"c", "k", "v", 5});
  for (std::size_t n = 0; n < chunk.size(); ++n)
    EXPECT_FALSE(decode_sync_record(std::span(chunk).first(n))) << n << " bytes";
}

TEST(kv_codec, ExtraBytesAreIgnoredUnknownTypesRefused) {
  wire::Bytes body = *encode_sync_record({"c", "k", "v", 5});
  body.push_back(0xEE);
  auto r = decode_packet(1, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<Record>(*r), (Record{"c", "k", "v", 5}));
  auto bad = decode_packet(3, body);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, CodecErrc::kUnknownType);
  EXPECT_EQ(bad.error().detail, "3");
  EXPECT_FALSE(decode_packet(101, body)) << "type 101 is never a live packet";
}

TEST(kv_codec, InsertLimitIsTheLargestBinPacket) {
  const std::string collection = "sess", key = "k";
  const std::size_t room = kMaxInsertFieldBytes - collection.size() - key.size();
  auto fits = encode_insert({collection, key, std::string(room, 'x'), 0});
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->size() + 12, 65535u) << "with the trailer: exactly the BIN maximum";
  auto over = encode_insert({collection, key, std::string(room + 1, 'x'), 0});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, CodecErrc::kTooLarge);
  EXPECT_FALSE(encode_remove({std::string(40000, 'c'), std::string(40000, 'k')}));
}

TEST(kv_codec, SyncRecordLimitLeavesRoomForTheSyncFraming) {
  const std::size_t room = kMaxSyncRecordFieldBytes - 2;
  auto fits = encode_sync_record({"c", "k", std::string(room, 'x'), 0});
  ASSERT_TRUE(fits);
  // SYNC header 31 + capability 20 + data_version 4 + chunk header 8 + trailer 12.
  EXPECT_EQ(fits->size() + 31 + 20 + 4 + 8 + 12, 65535u);
  EXPECT_FALSE(encode_sync_record({"c", "k", std::string(room + 1, 'x'), 0}));
}

}  // namespace
}  // namespace lc::kv
