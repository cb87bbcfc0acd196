// Human-readable tables for MI results (nodectl's default on a terminal).
#pragma once

#include <string>

#include "client.h"

namespace lc::nodectl {

// Renders the result of `method` for a person; generic results come out as
// indented JSON.
std::string render_table(const std::string& method, const Json& result);
// One line for an event notification: "EVENT key=value ...".
std::string render_event_line(const Json& notification);
// One JSON object per event: {"event": NAME, <params>...}.
Json event_object(const Json& notification);

}  // namespace lc::nodectl
