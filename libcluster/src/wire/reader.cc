#include "libcluster/wire/reader.h"

#include "libcluster/wire/writer.h"

namespace lc::wire {

void Reader::fail(DecodeErrc code, std::string detail) {
  if (!error_) error_ = DecodeError{code, pos_, std::move(detail)};
}

bool Reader::need(std::size_t n) {
  if (error_) return false;
  if (remaining() < n) {
    fail(DecodeErrc::kTruncated, "need " + std::to_string(n) + " bytes, have " +
                                     std::to_string(remaining()));
    return false;
  }
  return true;
}

std::optional<uint32_t> Reader::u32() {
  if (!need(4)) return std::nullopt;
  uint32_t v = get_le32(bytes_.data() + pos_);
  pos_ += 4;
  return v;
}

std::optional<int32_t> Reader::i32() {
  auto v = u32();
  if (!v) return std::nullopt;
  return static_cast<int32_t>(*v);
}

std::optional<uint16_t> Reader::u16() {
  if (!need(2)) return std::nullopt;
  uint16_t v = get_le16(bytes_.data() + pos_);
  pos_ += 2;
  return v;
}

std::optional<int16_t> Reader::i16() {
  auto v = u16();
  if (!v) return std::nullopt;
  return static_cast<int16_t>(*v);
}

std::optional<std::span<const uint8_t>> Reader::raw(std::size_t n) {
  if (!need(n)) return std::nullopt;
  auto s = bytes_.subspan(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::string> Reader::str() {
  auto len = u16();
  if (!len) return std::nullopt;
  auto data = raw(*len);
  if (!data) return std::nullopt;
  return std::string(data->begin(), data->end());
}

std::optional<int32_t> Reader::count(int32_t max) {
  std::size_t at = pos_;
  auto v = i32();
  if (!v) return std::nullopt;
  if (*v < 0 || *v > max) {
    pos_ = at;
    fail(DecodeErrc::kBadCount,
         "count " + std::to_string(*v) + " outside 0.." + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

}  // namespace lc::wire
