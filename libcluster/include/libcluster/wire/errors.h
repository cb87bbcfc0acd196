// Typed decode errors. Every malformed input maps to one of these; the
// decoder never reads outside the buffer it was given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lc::wire {

enum class DecodeErrc : uint8_t {
  kTruncated,          // a field would cross the end of the packet
  kBadMarker,          // first four bytes are not "P4CK"
  kBadLength,          // header length differs from the bytes given
  kTooSmall,           // shorter than the smallest legal packet
  kTooLarge,           // longer than 65535 bytes
  kBadCapability,      // capability length past the end, or empty
  kBadVersion,         // SYNC/SYNC_END whose version is not 3
  kUnknownType,        // type not defined for this capability
  kBadCount,           // a list count is negative or over its bound
  kBadChunkMarker,     // a sync chunk without the 101010101 marker
  kTrailingBytes,      // bytes left after the last field
};

struct DecodeError {
  DecodeErrc code;
  // Byte offset where decoding stopped, for logs.
  std::size_t offset = 0;
  std::string detail;

  std::string to_string() const;
};

std::string_view errc_name(DecodeErrc c);

}  // namespace lc::wire
