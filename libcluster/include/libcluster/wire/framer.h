// Cuts a TCP byte stream into BIN packets (spec/wire.md §1.3). The framer
// keeps only the reassembly buffer; it knows nothing about packet contents.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace lc::wire {

enum class FrameErrc : uint8_t {
  kBadMarker,   // stream does not start with "P4CK": close the connection
  kBadLength,   // length < 17 or > 65535: close the connection
};

class StreamFramer {
 public:
  // Appends received bytes. Never fails; errors surface from next().
  void feed(std::span<const uint8_t> bytes);

  // The next complete packet, nothing if more bytes are needed, or an error
  // after which the connection must be closed (the framer stays failed).
  struct Result {
    std::optional<std::vector<uint8_t>> packet;
    std::optional<FrameErrc> error;
  };
  Result next();

  std::size_t buffered_bytes() const { return buf_.size() - start_; }

 private:
  std::vector<uint8_t> buf_;
  std::size_t start_ = 0;
  std::optional<FrameErrc> failed_;
};

}  // namespace lc::wire
