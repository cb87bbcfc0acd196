#include "libcluster/wire/framer.h"

#include <algorithm>

#include "libcluster/wire/constants.h"
#include "libcluster/wire/writer.h"

namespace lc::wire {

void StreamFramer::feed(std::span<const uint8_t> bytes) {
  if (failed_) return;
  // Compact before growing so the buffer never holds consumed packets.
  if (start_ > 0 && start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  } else if (start_ > kMaxPacketSize) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

StreamFramer::Result StreamFramer::next() {
  if (failed_) return {std::nullopt, failed_};
  std::size_t avail = buf_.size() - start_;
  if (avail < kFrameHeaderSize) return {};
  const uint8_t* p = buf_.data() + start_;
  if (!std::equal(kMarker.begin(), kMarker.end(), p)) {
    failed_ = FrameErrc::kBadMarker;
    return {std::nullopt, failed_};
  }
  uint32_t len = get_le32(p + 4);
  if (len < kMinPacketSize || len > kMaxPacketSize) {
    failed_ = FrameErrc::kBadLength;
    return {std::nullopt, failed_};
  }
  if (avail < len) return {};
  std::vector<uint8_t> packet(p, p + len);
  start_ += len;
  return {std::move(packet), std::nullopt};
}

}  // namespace lc::wire
