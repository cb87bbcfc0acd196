// GET /: the operator's status page (gateway/web/status.html, compiled in).
// The page holds no data: its script reads the REST routes and /v1/events
// with the token the operator types, so the route itself is public.
#pragma once

#include "routes.h"

namespace lc::gateway {

Route status_page_route();

// The Content-Security-Policy the page is served with: its own inline
// script and style, requests to this origin only, nothing else.
extern const char* const kStatusPageCsp;

}  // namespace lc::gateway
