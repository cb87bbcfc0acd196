#include "libcluster/wire/writer.h"

#include <cassert>

#include "libcluster/wire/constants.h"

namespace lc::wire {

Writer::Writer(std::string_view capability, int32_t type, int16_t version) {
  if (capability.size() > 0xFFFF) overflow_ = true;
  buf_.reserve(64);
  buf_.insert(buf_.end(), kMarker.begin(), kMarker.end());
  buf_.resize(buf_.size() + 4);  // total length, kept current by update_length
  buf_.push_back(static_cast<uint8_t>(version));
  buf_.push_back(static_cast<uint8_t>(static_cast<uint16_t>(version) >> 8));
  buf_.push_back(static_cast<uint8_t>(capability.size()));
  buf_.push_back(static_cast<uint8_t>(capability.size() >> 8));
  buf_.insert(buf_.end(), capability.begin(), capability.end());
  i32(type);
}

void Writer::update_length() {
  // A packet may not grow past the BIN limit (OpenSIPS's bin_extend
  // refuses); the writer records it and encode() returns no packet.
  if (buf_.size() > kMaxPacketSize) overflow_ = true;
  put_le32(buf_.data() + 4, static_cast<uint32_t>(buf_.size()));
}

void Writer::i32(int32_t v) {
  std::size_t at = buf_.size();
  buf_.resize(at + 4);
  put_le32(buf_.data() + at, static_cast<uint32_t>(v));
  update_length();
}

void Writer::str(std::string_view s) {
  if (s.size() > 0xFFFF) {  // the u16 length cannot say it
    overflow_ = true;
    return;
  }
  buf_.push_back(static_cast<uint8_t>(s.size()));
  buf_.push_back(static_cast<uint8_t>(s.size() >> 8));
  buf_.insert(buf_.end(), s.begin(), s.end());
  update_length();
}

void Writer::raw(std::span<const uint8_t> bytes) {
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  update_length();
}

void Writer::patch_i32(std::size_t offset, int32_t v) {
  assert(offset + 4 <= buf_.size());
  put_le32(buf_.data() + offset, static_cast<uint32_t>(v));
}

}  // namespace lc::wire
