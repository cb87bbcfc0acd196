// Encode/decode cost of typical clusterer packets: the keep-alive PING (the
// most frequent packet), a GENERIC_MSG with a 1 KiB payload, and a
// FULL_TOP_UPDATE describing 16 nodes (the largest topology packet).
#include <benchmark/benchmark.h>

#include <string>

#include "libcluster/wire/codec.h"
#include "libcluster/wire/framer.h"

namespace {

using namespace lc::wire;

Packet ping() { return InternalMessage{1, 1, Ping{0}}; }

Packet generic_1k() {
  return ExtraMessage{Trailer{1, 1, 2}, GenericMsg{1, "1-1-NhbNlZn4VWUk6hK5bmD2lbwK", std::string(1024, 'm')}};
}

// 16 entries, as a node of a 17-node cluster sends it; half carry a
// description, each lists 4 neighbours.
Packet full_top_16() {
  FullTopUpdate m{3, 1700000000, {}, {1}};
  for (int32_t id = 1; id <= 16; ++id) {
    FullTopEntry e{id, std::nullopt, id, 1700000000, {id % 16 + 1, (id + 1) % 16 + 1, (id + 2) % 16 + 1, 17}};
    if (id % 2 == 0) e.descr = NodeDescr{"bin:10.0.0." + std::to_string(id) + ":5566", "", 3, 3};
    m.entries.push_back(std::move(e));
  }
  return InternalMessage{1, 1, m};
}

void encode_bench(benchmark::State& state, Packet (*make)()) {
  Packet p = make();
  std::size_t bytes = 0;
  for (auto _ : state) {
    Bytes b = encode(p);
    bytes = b.size();
    benchmark::DoNotOptimize(b.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["packet_bytes"] = static_cast<double>(bytes);
}

void decode_bench(benchmark::State& state, Packet (*make)()) {
  Bytes b = encode(make());
  for (auto _ : state) {
    auto p = decode(b);
    if (!p) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * b.size()));
}

// Framing plus decoding of a stream of back-to-back PINGs, per packet.
void frame_and_decode_pings(benchmark::State& state) {
  Bytes one = encode(ping());
  Bytes stream;
  for (int i = 0; i < 64; ++i) stream.insert(stream.end(), one.begin(), one.end());
  for (auto _ : state) {
    StreamFramer f;
    f.feed(stream);
    while (auto pkt = f.next().packet) benchmark::DoNotOptimize(decode(*pkt));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 64));
}

BENCHMARK_CAPTURE(encode_bench, ping, ping);
BENCHMARK_CAPTURE(decode_bench, ping, ping);
BENCHMARK_CAPTURE(encode_bench, generic_msg_1k, generic_1k);
BENCHMARK_CAPTURE(decode_bench, generic_msg_1k, generic_1k);
BENCHMARK_CAPTURE(encode_bench, full_top_update_16, full_top_16);
BENCHMARK_CAPTURE(decode_bench, full_top_update_16, full_top_16);
BENCHMARK(frame_and_decode_pings);

}  // namespace
