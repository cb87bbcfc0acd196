// Little-endian BIN packet builder. The header's total length is kept up to
// date after every push, as OpenSIPS does, so bytes() is always a valid packet.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace lc::wire {

class Writer {
 public:
  // Writes marker, length, version, capability and type.
  Writer(std::string_view capability, int32_t type, int16_t version);

  void i32(int32_t v);
  void str(std::string_view s);
  void raw(std::span<const uint8_t> bytes);
  // Overwrites an i32 previously written at `offset` (counts known late).
  void patch_i32(std::size_t offset, int32_t v);

  std::size_t size() const { return buf_.size(); }
  // A string longer than 65535 bytes or a packet longer than kMaxPacketSize
  // was pushed: the bytes are not a valid packet.
  bool overflow() const { return overflow_; }
  const std::vector<uint8_t>& bytes() const { return buf_; }
  std::vector<uint8_t> take() { return std::move(buf_); }

 private:
  void update_length();
  std::vector<uint8_t> buf_;
  bool overflow_ = false;
};

// Little-endian helpers shared by the reader, writer and trailer patching.
inline void put_le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
inline uint32_t get_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
inline uint16_t get_le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

}  // namespace lc::wire
