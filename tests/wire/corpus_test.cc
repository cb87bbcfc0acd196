// Replays the fuzz seed corpus (tests/fuzz/corpus) through the decoder and
// the framer, so every seed and regression input runs without libFuzzer.
#include <gtest/gtest.h>

#include <map>

#include "libcluster/wire/codec.h"
#include "libcluster/wire/framer.h"
#include "wire_test_util.h"

namespace lc::wire {
namespace {

TEST(wire_corpus, HoldsTheCapturesAndMalformedSeeds) {
  std::size_t captures = 0;
  auto files = test::corpus_files();
  for (const auto& f : files)
    if (f.filename().string().starts_with("capture-")) ++captures;
  EXPECT_EQ(captures, test::captured_packets().size());
  EXPECT_GT(files.size(), captures);
}

TEST(wire_corpus, CaptureSeedsMatchTheCaptureFile) {
  const auto& captures = test::captured_packets();
  std::size_t i = 0;
  for (const auto& f : test::corpus_files()) {
    if (!f.filename().string().starts_with("capture-")) continue;
    ASSERT_LT(i, captures.size());
    EXPECT_EQ(test::read_file(f), captures[i].bytes) << f;
    ++i;
  }
}

TEST(wire_corpus, EveryFileDecodesSafelyAndRoundTrips) {
  for (const auto& path : test::corpus_files()) {
    SCOPED_TRACE(path.filename().string());
    Bytes data = test::read_file(path);
    auto p = decode(data);
    if (p) {
      EXPECT_EQ(encode(*p), data);
    }
    // Every capture is valid; the other seeds say in their name what they are.
    if (path.filename().string().starts_with("capture-")) {
      EXPECT_TRUE(p);
    }
  }
}

// The hand-made seeds are named by their defect; each must fail for it.
TEST(wire_corpus, MalformedSeedsFailForTheirReason) {
  const std::map<std::string, DecodeErrc> expected = {
      {"bad-marker.bin", DecodeErrc::kBadMarker},
      {"bad-length-longer.bin", DecodeErrc::kBadLength},
      {"bad-length-huge.bin", DecodeErrc::kBadLength},
      {"too-small.bin", DecodeErrc::kTooSmall},
      {"cap-len-past-end.bin", DecodeErrc::kBadCapability},
      {"cap-len-zero.bin", DecodeErrc::kBadCapability},
      {"sync-bad-version.bin", DecodeErrc::kBadVersion},
      {"sync-end-bad-version.bin", DecodeErrc::kBadVersion},
      {"sync-bad-chunk-marker.bin", DecodeErrc::kBadChunkMarker},
      {"sync-negative-chunk.bin", DecodeErrc::kBadCount},
      {"sync-chunk-past-end.bin", DecodeErrc::kTruncated},
      {"pong-count-129.bin", DecodeErrc::kBadCount},
      {"pong-count-negative.bin", DecodeErrc::kBadCount},
      {"mi-11-params.bin", DecodeErrc::kBadCount},
      {"full-top-has-descr-2.bin", DecodeErrc::kBadCount},
      {"unknown-internal-type.bin", DecodeErrc::kUnknownType},
      {"unknown-extra-type.bin", DecodeErrc::kUnknownType},
      {"trailing-bytes-internal.bin", DecodeErrc::kTrailingBytes},
      {"trailing-bytes-extra.bin", DecodeErrc::kTrailingBytes},
      {"string-past-end.bin", DecodeErrc::kTruncated},
      {"no-room-for-trailer.bin", DecodeErrc::kTruncated},
      {"stream-three-pings.bin", DecodeErrc::kBadLength},
      {"stream-ping-and-half.bin", DecodeErrc::kBadLength},
  };
  std::size_t seen = 0;
  for (const auto& path : test::corpus_files()) {
    std::string name = path.filename().string();
    auto p = decode(test::read_file(path));
    if (name.starts_with("valid-")) {
      EXPECT_TRUE(p) << name << ": " << p.error().to_string();
    } else if (auto it = expected.find(name); it != expected.end()) {
      ++seen;
      ASSERT_FALSE(p) << name;
      EXPECT_EQ(errc_name(p.error().code), errc_name(it->second)) << name;
    }
  }
  EXPECT_EQ(seen, expected.size());
}

TEST(wire_corpus, StreamSeedsFrame) {
  StreamFramer f;
  f.feed(test::read_file(std::filesystem::path(LC_FUZZ_CORPUS_DIR) / "stream-three-pings.bin"));
  for (int i = 0; i < 3; ++i) {
    auto r = f.next();
    ASSERT_TRUE(r.packet);
    EXPECT_TRUE(decode(*r.packet));
  }
  EXPECT_FALSE(f.next().packet);
}

TEST(wire_corpus, EveryFileFramesSafely) {
  for (const auto& path : test::corpus_files()) {
    SCOPED_TRACE(path.filename().string());
    Bytes data = test::read_file(path);
    StreamFramer f;
    f.feed(data);
    std::size_t framed = 0;
    for (int i = 0; i < 100; ++i) {
      auto r = f.next();
      if (!r.packet) break;
      framed += r.packet->size();
      (void)decode(*r.packet);  // only safety matters here
    }
    EXPECT_LE(framed, data.size());
  }
}

}  // namespace
}  // namespace lc::wire
