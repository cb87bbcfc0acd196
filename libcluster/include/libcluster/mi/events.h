// Events published to MI subscribers (mi.md §3) as JSON-RPC notifications.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "libcluster/core/types.h"
#include "libcluster/mi/error.h"

namespace lc::mi {

inline constexpr std::string_view kEventNodeStateChanged = "E_CLUSTERER_NODE_STATE_CHANGED";
inline constexpr std::string_view kEventReqReceived = "E_CLUSTERER_REQ_RECEIVED";
inline constexpr std::string_view kEventRplReceived = "E_CLUSTERER_RPL_RECEIVED";
inline constexpr std::string_view kEventShtagChanged = "E_CLUSTERER_SHARING_TAG_CHANGED";
// The core's status/report event, raised by the clusterer for `cap:<name>`.
inline constexpr std::string_view kEventSrStatusChanged = "E_CORE_SR_STATUS_CHANGED";

// Every event `subscribe` accepts, in the order a subscription to all lists.
inline constexpr std::array<std::string_view, 5> kPublishedEvents = {
    kEventNodeStateChanged, kEventReqReceived, kEventRplReceived, kEventShtagChanged,
    kEventSrStatusChanged};

// The event's name, or nothing for engine events that are not published
// (MI commands from peers, module callbacks, diagnostics...).
std::optional<std::string_view> event_name(const core::Event& e);

// {"jsonrpc":"2.0","method":<event>,"params":{...}} with the parameters in
// OpenSIPS's order; nothing for an event that is not published.
std::optional<Json> event_notification(const core::Event& e);

}  // namespace lc::mi
