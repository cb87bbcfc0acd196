// A TCP relay on 127.0.0.1 that the tests can cut, clog and heal: a link
// between two real processes that fails on demand, without firewall rules or
// privileges.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace lc::itest {

class Proxy {
 public:
  // Listens on `listen_port` at once (throws when it cannot) and relays every
  // connection to 127.0.0.1:`target_port`.
  Proxy(uint16_t listen_port, uint16_t target_port);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Resets every relayed connection and refuses new ones, as if the target
  // process were gone. Returns once the relay has closed them.
  void cut();
  // Accepts again after cut() and lets bytes flow again after clog().
  void heal();
  // Bytes stop flowing; connections stay open and nothing is lost (it waits
  // in the kernel): a silent network partition.
  void clog();

 private:
  void loop();

  uint16_t listen_port_, target_port_;
  int listener_ = -1;  // owned by loop() once the thread runs
  std::atomic<bool> stop_{false}, cut_{false}, clogged_{false}, cut_done_{false};
  std::thread thread_;
};

}  // namespace lc::itest
