// A status/report ring: the last 200 reports of one identifier
// (node_states, sharing_tags, cap:<name>), oldest first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace lc::core {

struct Report {
  int64_t timestamp_s = 0;  // UNIX seconds
  std::string log;
};

class ReportRing {
 public:
  static constexpr std::size_t kCapacity = 200;

  void add(int64_t timestamp_s, std::string log);
  // Reports with timestamp >= since_s, oldest first.
  std::vector<Report> since(int64_t since_s = 0) const;
  std::size_t size() const { return reports_.size(); }

 private:
  std::deque<Report> reports_;  // invariant: size() <= kCapacity
};

}  // namespace lc::core
