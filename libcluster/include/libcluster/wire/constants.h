// Constants of the OpenSIPS 3.6 BIN protocol and clusterer packets
// (spec/wire.md §2, §3). Every number here is a wire fact, not a tunable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lc::wire {

inline constexpr std::string_view kMarker = "P4CK";
// Marker + total length + version: what the framer needs to see first.
inline constexpr std::size_t kFrameHeaderSize = 10;
// Smallest packet the stream framer accepts (10 + 2 + 1-byte capability + 4).
inline constexpr std::size_t kMinPacketSize = 17;
// Largest packet a sender may build and a receiver accepts (TCP_BUF_SIZE).
inline constexpr std::size_t kMaxPacketSize = 65535;

inline constexpr std::string_view kCapInternal = "clusterer-internal";
inline constexpr std::string_view kCapExtra = "clusterer-extra";

// BIN_VERSION: every clusterer packet but the three sync ones.
inline constexpr int16_t kBinVersion = 1;
// BIN_SYNC_VERSION: SYNC_REQ, SYNC, SYNC_END. Checked on SYNC and SYNC_END.
inline constexpr int16_t kBinSyncVersion = 3;

// Marker placed before every sync chunk (SYNC_CHUNK_START_MARKER).
inline constexpr int32_t kSyncChunkMarker = 101010101;
// Packet type a module sees for the contents of a SYNC packet (never sent).
inline constexpr int32_t kSyncPacketType = 101;

// Flooded updates with a longer path are processed but not re-flooded.
inline constexpr int32_t kMaxFloodPathLen = 25;
// Nodes per cluster; bound of every node list on the wire (MAX_NO_NODES).
inline constexpr int32_t kMaxNodes = 128;
// MI command parameters carried by MI_CMD (MAX_MI_PARAMS).
inline constexpr int32_t kMaxMiParams = 10;

// Link state values carried by LS_UPDATE new_state.
inline constexpr int32_t kWireLinkUp = 0;
inline constexpr int32_t kWireLinkDown = 1;

enum class MsgType : int32_t {
  kPing = 0,
  kPong = 1,
  kLsUpdate = 2,
  kFullTopUpdate = 3,
  kUnknownId = 4,
  kNodeDescription = 5,
  kRemoveNode = 6,
  kGenericMsg = 7,
  kMiCmd = 8,
  kCapUpdate = 9,
  kSyncReq = 10,
  kSync = 11,
  kSyncEnd = 12,
  kShtagActive = 13,
};

std::string_view msg_type_name(MsgType t);

}  // namespace lc::wire
