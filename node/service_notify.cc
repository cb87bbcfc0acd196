#include "node/service_notify.h"

#ifdef LC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace lc::service {

namespace {

// unset_environment = 0: the watchdog pings after READY=1 need the
// variables still set.
void notify(const char* state) {
#ifdef LC_HAVE_SYSTEMD
  sd_notify(0, state);
#else
  (void)state;
#endif
}

}  // namespace

void notify_ready() { notify("READY=1"); }
void notify_stopping() { notify("STOPPING=1"); }
void notify_watchdog() { notify("WATCHDOG=1"); }

std::chrono::microseconds watchdog_ping_interval() {
#ifdef LC_HAVE_SYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) return std::chrono::microseconds(usec / 2);
#endif
  return std::chrono::microseconds(0);
}

WatchdogThread::WatchdogThread() {
  const auto interval = watchdog_ping_interval();
  if (interval.count() == 0) return;
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      notify_watchdog();
      cv_.wait_for(lock, interval, [this] { return stop_; });
    }
  });
}

WatchdogThread::~WatchdogThread() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace lc::service
