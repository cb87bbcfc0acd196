// Internal: the sharing-tag MI commands (mi.md §2.10-2.11, and our
// clusterer_shtag_get) and the `sharing_tags` status/report identifier.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libcluster/mi/registry.h"

namespace lc::mi {

void add_shtag_commands(Registry& r);
// "sharing_tags": status always 1, no details, the engine's reports.
SrIdentifier sharing_tags_identifier();

// A `tag` parameter, "name/cluster_id": the name is the text before the
// first '/', the cluster the text after it, both trimmed; the cluster must be
// decimal digits that fit an int32. Errors are the MI's 400s.
struct TagRef {
  std::string name;
  int32_t cluster_id = 0;
};
Expected<TagRef, MiError> parse_tag_ref(std::string_view text);

}  // namespace lc::mi
