// A TCP relay on 127.0.0.1 that the tests can cut and heal: a link between
// two real nodes that can fail on demand (connections reset, new ones
// refused), without firewall rules or privileges.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace lc::itest {

class Proxy {
 public:
  Proxy(uint16_t listen_port, uint16_t target_port);
  ~Proxy();

  void cut();   // closes every relayed connection and stops accepting
  void heal();  // accepts again

 private:
  void loop();
  int open_listener();

  uint16_t listen_port_, target_port_;
  std::atomic<bool> stop_{false}, cut_{false};
  std::thread thread_;
};

}  // namespace lc::itest
