// GET /v1/events: the node's events as Server-Sent Events.
//
//   id: <seq>            the hub's sequence number (send it back as Last-Event-ID)
//   event: <name>        E_CLUSTERER_NODE_STATE_CHANGED, ..., or "gap"
//   data: <params JSON>  the event's parameters, as OpenSIPS names them
//
// A client that sends Last-Event-ID (header, or ?last_event_id= where it
// cannot set headers) gets every buffered event after it; when some of
// those were already dropped from the bounded buffer it first gets a "gap"
// event. Without one it gets only what comes next. An idle stream carries
// a comment line every heartbeat so proxies keep it open.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "event_hub.h"
#include "problem.h"

namespace lc::gateway {

struct StreamRequest {
  uint64_t after = 0;          // send events with a larger sequence number
  std::set<std::string> only;  // event names to send; empty: all
};

// From the request's Last-Event-ID / ?last_event_id= and ?events=a,b; a
// problem names what is wrong.
std::variant<StreamRequest, Problem> stream_request(const httplib::Request& req,
                                                    const EventHub& hub);

// Sets `res` to stream from `hub` until the client goes away or the hub
// stops; `on_end` runs once when the stream has ended (the server counts
// open streams and logs the stream's duration there).
void stream_events(EventHub& hub, StreamRequest request, std::chrono::milliseconds heartbeat,
                   std::function<void()> on_end, httplib::Response& res);

// One event in the stream's text form (exposed for tests of the format).
std::string sse_frame(const NodeEvent& e);

}  // namespace lc::gateway
