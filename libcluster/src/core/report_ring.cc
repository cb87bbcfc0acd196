#include "libcluster/core/report_ring.h"

#include <cassert>

namespace lc::core {

void ReportRing::add(int64_t timestamp_s, std::string log) {
  if (reports_.size() == kCapacity) reports_.pop_front();
  reports_.push_back(Report{timestamp_s, std::move(log)});
  assert(reports_.size() <= kCapacity);
}

std::vector<Report> ReportRing::since(int64_t since_s) const {
  std::vector<Report> out;
  for (const auto& r : reports_)
    if (r.timestamp_s >= since_s) out.push_back(r);
  return out;
}

}  // namespace lc::core
