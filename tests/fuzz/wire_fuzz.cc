// libFuzzer entry for the wire codec and stream framer. Properties checked
// (abort on violation, so both libFuzzer and the corpus replay notice):
//  * decode never reads out of bounds (the sanitizers watch that);
//  * a packet that decodes re-encodes to exactly the same bytes, and decoding
//    those bytes gives the same struct. This holds for every accepted input
//    because the decoder rejects the only non-canonical encodings it could
//    otherwise see (has_descr other than 0/1, counts out of range, bytes
//    after the last field);
//  * framing does not depend on how the stream is split into reads.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "libcluster/wire/codec.h"
#include "libcluster/wire/framer.h"

namespace {

using lc::wire::Bytes;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "wire_fuzz property violated: %s\n", what);
  std::abort();
}

void check_round_trip(std::span<const uint8_t> in) {
  auto p = lc::wire::decode(in);
  if (!p) return;
  Bytes again = lc::wire::encode(*p);
  check(again.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()),
        "encode(decode(x)) != x");
  auto p2 = lc::wire::decode(again);
  check(p2 && *p2 == *p, "decode(encode(p)) != p");
}

// Everything the framer produces for `in` fed in reads of at most `step`
// bytes (step 0: all at once), the final error, and what stays buffered.
struct Framed {
  std::vector<Bytes> packets;
  std::optional<lc::wire::FrameErrc> error;
  std::size_t left = 0;
  bool operator==(const Framed&) const = default;
};

Framed frame(std::span<const uint8_t> in, std::size_t step) {
  lc::wire::StreamFramer f;
  Framed out;
  if (step == 0) step = in.size() + 1;
  for (std::size_t at = 0; at < in.size() && !out.error; at += step) {
    f.feed(in.subspan(at, std::min(step, in.size() - at)));
    // Each packet is at least 17 bytes, so this loop is bounded by the input.
    for (;;) {
      auto r = f.next();
      if (r.error) out.error = r.error;
      if (!r.packet) break;
      check(r.packet->size() >= lc::wire::kMinPacketSize, "framed packet below 17 bytes");
      out.packets.push_back(std::move(*r.packet));
    }
  }
  out.left = out.error ? 0 : f.buffered_bytes();
  return out;
}

void check_framer(std::span<const uint8_t> in) {
  Framed whole = frame(in, 0);
  std::size_t framed = whole.left;
  for (const auto& p : whole.packets) {
    framed += p.size();
    check_round_trip(p);
  }
  check(whole.error || framed == in.size(), "framer lost or invented bytes");
  // The first byte picks a read size, so the fuzzer explores splits too.
  std::size_t step = in.empty() ? 1 : in[0] % 64 + 1;
  check(frame(in, step) == whole, "framing depends on read boundaries");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  check_round_trip(in);
  check_framer(in);
  return 0;
}
