#include "libcluster/mi/tag.h"

namespace lc::mi {

namespace {

// OpenSIPS draws from 'A' up to (not including) 'z' and maps the six
// punctuation codes between 'Z' and 'a' to the digits '1'..'6'.
char tag_char(uint32_t r) {
  char c = static_cast<char>('A' + r % ('z' - 'A'));
  if (c > 'Z' && c < 'a') c = static_cast<char>('0' + (c - 'Z'));
  return c;
}

}  // namespace

std::string make_tag(int32_t cluster_id, int32_t node_id, const std::function<uint32_t()>& rng) {
  std::string tag = std::to_string(cluster_id) + "-" + std::to_string(node_id) + "-";
  for (int i = 0; i < kTagRandomChars; ++i) tag += tag_char(rng());
  return tag;
}

}  // namespace lc::mi
