// Bounds-checked little-endian reader over one packet's bytes. Every pop
// either returns the value or records the first error and returns nothing;
// once failed, the reader stays failed, so callers may check once at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "libcluster/wire/errors.h"

namespace lc::wire {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes, std::size_t offset = 0)
      : bytes_(bytes), pos_(offset) {}

  std::optional<int32_t> i32();
  std::optional<uint32_t> u32();
  std::optional<int16_t> i16();
  std::optional<uint16_t> u16();
  std::optional<std::string> str();
  // Exactly n raw bytes.
  std::optional<std::span<const uint8_t>> raw(std::size_t n);
  // A count that must lie in [0, max].
  std::optional<int32_t> count(int32_t max);

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  bool ok() const { return !error_.has_value(); }
  const std::optional<DecodeError>& error() const { return error_; }
  void fail(DecodeErrc code, std::string detail = {});

 private:
  bool need(std::size_t n);

  std::span<const uint8_t> bytes_;
  std::size_t pos_;
  std::optional<DecodeError> error_;
};

}  // namespace lc::wire
