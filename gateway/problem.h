// Errors as RFC 9457 problem details (application/problem+json). A problem
// that comes from the node carries its MI code, message and data, so a
// script sees exactly what `nodectl` would print.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mi_backend.h"

namespace lc::gateway {

struct Problem {
  int status = 500;
  std::string detail;
  std::optional<int> mi_code;  // set when the node answered with an MI error
  std::string mi_message;
  std::string mi_data;
  Json extra{};  // more members for the body (e.g. /readyz's checks); null: none
  std::optional<int> retry_after_seconds{};  // set: a Retry-After header (a 503 worth retrying)
};

Problem bad_request(std::string detail);
Problem not_found(std::string detail);
// 503: the route needs the node's events and the gateway has no event
// source (its node is reached over HTTP and no --events socket was given).
Problem no_event_source();

// The problem a failed MI call becomes: MI 400 and -32602 (bad parameters)
// → 400, MI 404 → 404, MI 503 (local node disabled, no path) → 503, no
// reply in time → 504, any other failure of the
// node or of the transport → 502 (the gateway itself did nothing wrong).
Problem problem_of(const MiOutcome& failed, const std::string& command);

// The MI error `mi_code` `message` of `o` as a problem with HTTP `status`
// instead (the MI code and message kept in the body): a route's own meaning
// of one MI error (G2). Nothing for any other outcome.
std::optional<Problem> remap_mi_error(const MiOutcome& o, int mi_code, std::string_view message,
                                      int status, const std::string& command);

// The clusterer answers an unknown cluster or node with MI 400 ("Unknown
// cluster id", "Unknown node id"); for a REST path that names them this is
// a 404. Nothing for any other outcome.
std::optional<Problem> unknown_target_is_404(const MiOutcome& o, const std::string& command);

// {"type":"about:blank","title":<HTTP reason>,"status":..,"detail":..,
//  "instance":<request path>[,"mi_code","mi_message"[,"mi_data"]]} + extra
Json problem_json(const Problem& p, const std::string& instance);

const char* reason_phrase(int status);

}  // namespace lc::gateway
