// Encoding and decoding of whole BIN packets. Decoding is strict: a packet
// must parse to exactly its last byte, or a typed DecodeError says why.
#pragma once

#include <span>

#include "libcluster/expected.h"
#include "libcluster/wire/errors.h"
#include "libcluster/wire/messages.h"

namespace lc::wire {

// Decodes one complete packet (as cut from the stream by StreamFramer).
Expected<Packet, DecodeError> decode(std::span<const uint8_t> packet);

// Encoders. Each returns the full packet, header included, or an empty
// vector when the message cannot be a BIN packet (over kMaxPacketSize bytes,
// or a string over 65535 bytes): callers treat that as a send error.
Bytes encode(const InternalMessage& m);
Bytes encode(const ExtraMessage& m);
Bytes encode(const ModulePacket& m);
Bytes encode(const Packet& p);

// Module packets as a module builds them: header + body, no trailer. The
// engine appends the trailer when it routes the packet.
Bytes encode_module_unrouted(std::string_view capability, int32_t type, int16_t version,
                             std::span<const uint8_t> body);

// Reads a module packet without trailer (what a module hands to send_to).
struct ModuleHeader {
  std::string capability;
  int32_t type = 0;
  int16_t version = 0;
  std::size_t body_offset = 0;
};
Expected<ModuleHeader, DecodeError> decode_module_header(std::span<const uint8_t> packet);

// Replaces the trailer's dst of an encoded trailer packet in place (used to
// send one copy of a broadcast per node without re-encoding).
void patch_trailer_dst(Bytes& packet, int32_t dst_node_id);

}  // namespace lc::wire
