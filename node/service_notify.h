// systemd's Type=notify protocol for clusterd and cluster-gateway: readiness,
// stopping and watchdog pings. Every call is a no-op when the process is not
// run by systemd (no NOTIFY_SOCKET) or was built without libsystemd, so the
// daemons behave the same from a shell.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace lc::service {

// READY=1: the listeners are bound and the service accepts requests.
void notify_ready();
// STOPPING=1: a graceful shutdown started (systemctl shows "deactivating").
void notify_stopping();
// WATCHDOG=1: the process is alive.
void notify_watchdog();

// How often to ping: half of WatchdogSec (WATCHDOG_USEC), so one late ping
// does not get the service killed; zero when the watchdog is off or meant
// for another process (WATCHDOG_PID).
std::chrono::microseconds watchdog_ping_interval();

// Pings the watchdog from a thread of its own until destroyed; for a
// process without an event loop to ping from (the gateway). Does nothing
// when the watchdog is off.
class WatchdogThread {
 public:
  WatchdogThread();
  ~WatchdogThread();
  WatchdogThread(const WatchdogThread&) = delete;
  WatchdogThread& operator=(const WatchdogThread&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lc::service
