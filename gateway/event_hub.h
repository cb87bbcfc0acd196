// The node's events, as the gateway keeps them: one `subscribe` connection
// to the node's unix MI socket (re-opened with back-off when it breaks),
// and a bounded ring of the latest events, each with a sequence number.
// SSE clients (`GET /v1/events`) read the ring after their Last-Event-ID;
// `?wait` on a request reads it for the reply carrying its tag.
//
// Sequence numbers start after the gateway's start time in milliseconds, so
// an id kept by a client across a gateway restart is older than every new
// one and reads as a gap, never as "already seen".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mi_backend.h"

namespace lc::gateway {

struct NodeEvent {
  uint64_t seq = 0;
  std::string name;  // E_CLUSTERER_NODE_STATE_CHANGED, ...
  Json params;       // the event's parameters, named as OpenSIPS names them
};

// The name of the event the hub adds itself when events may have been lost
// (the subscribe connection was re-opened).
inline constexpr const char* kGapEvent = "gap";

class EventHub {
 public:
  // `socket_path`: the node's unix MI socket. `capacity` ≥ 1 bounds the ring.
  EventHub(std::string socket_path, std::size_t capacity);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  void start();
  void stop();  // wakes every waiter; idempotent

  struct Batch {
    std::vector<NodeEvent> events;  // seq ascending, all > `after`
    bool gap = false;               // events after `after` were dropped from the ring
    bool stopped = false;           // the hub is stopping: end the stream
    uint64_t newest = 0;            // the last sequence number handed out: the next `after`
  };
  // The events after `after`; when there are none, waits until one comes,
  // `timeout` passes or the hub stops.
  Batch wait_after(uint64_t after, std::chrono::milliseconds timeout);

  // The newest sequence number handed out (the starting point for a client
  // that wants only what comes next).
  uint64_t last_seq() const;
  // Whether the subscribe connection is up now.
  bool connected() const;
  // Events received since the start, by name (for /metrics: the node's
  // requests and replies received, state changes...).
  std::map<std::string, uint64_t> counts() const;
  // How many events the ring holds at most.
  std::size_t capacity() const { return capacity_; }

 private:
  void run();
  // One connection's life: subscribe, then read events until it breaks.
  // Returns why it ended, for the log.
  std::string follow_once();
  void on_subscribed();
  void push(std::string name, Json params);
  bool stopping() const;

  const std::string path_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<NodeEvent> ring_;  // invariant: size ≤ capacity_, seq strictly ascending
  std::map<std::string, uint64_t> counts_;
  uint64_t next_seq_;
  bool connected_ = false;
  bool ever_connected_ = false;
  bool stop_ = false;
  int fd_ = -1;  // the live connection, shut down by stop() to end a blocking read
  std::thread thread_;
};

}  // namespace lc::gateway
