#include "status_page.h"

#include <string_view>

namespace lc::gateway {

// Defined in the file CMake generates from web/status.html.
std::string_view status_page_html();

const char* const kStatusPageCsp =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

Route status_page_route() {
  Route r;
  r.method = Method::kGet;
  r.path = "/";
  r.summary = "The status page: an HTML view of the clusters, tags and events (reads the API)";
  r.access = Access::kPublic;
  r.response_type = "text/html";
  r.answer = [](const RouteInput&, Services&) -> Reply {
    return Text{"text/html; charset=utf-8", std::string(status_page_html())};
  };
  return r;
}

}  // namespace lc::gateway
