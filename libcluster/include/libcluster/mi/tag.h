// Tags of generic messages (mi.md §4.5).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace lc::mi {

inline constexpr int kTagRandomChars = 24;

// "<cluster_id>-<node_id>-<24 chars>". Each char takes rng() % 57 over
// 'A'..'y', where the six ASCII codes between 'Z' and 'a' become '1'..'6'
// (OpenSIPS's alphabet: A-Z, a-y, 1-6).
std::string make_tag(int32_t cluster_id, int32_t node_id, const std::function<uint32_t()>& rng);

}  // namespace lc::mi
