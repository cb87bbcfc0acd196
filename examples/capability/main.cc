// hello_capability: the smallest capability on libcluster's runtime. A
// one-node cluster (add peers to ClusterSpec::nodes for more) registers
// "hello-repl"; every node that comes up is greeted with a packet, and
// every packet received is printed. Built against the installed library
// (find_package(libcluster)); `--once` starts, registers and stops, which is
// what the packaging test runs.
#include <libcluster/runtime/runtime.h>

#include <cstdio>
#include <cstring>

namespace {

constexpr int32_t kCluster = 1;
constexpr const char* kCapability = "hello-repl";

lc::core::ClusterSpec one_node_cluster(uint16_t port) {
  lc::core::ClusterSpec spec;
  spec.cluster_id = kCluster;
  spec.local.node_id = 1;
  spec.local.url = "bin:127.0.0.1:" + std::to_string(port);
  spec.local.flags = "seed";  // alone: synced without a donor
  return spec;
}

void on_event(const lc::core::ModuleEvent& e) {
  if (e.kind == lc::core::ModuleEventKind::kNodeUp)
    std::printf("node %d is up in cluster %d\n", e.node_id, e.cluster_id);
  else if (e.kind == lc::core::ModuleEventKind::kRecvMsg)
    std::printf("packet from node %d\n", e.node_id);
}

}  // namespace

int main(int argc, char** argv) {
  const bool once = argc > 1 && std::strcmp(argv[1], "--once") == 0;
  const uint16_t port = 0;  // any free port: nobody needs to reach us here
  lc::core::Config cfg;
  cfg.my_node_id = 1;
  lc::runtime::Options opts;
  opts.listeners = {{"127.0.0.1", port}};
  lc::runtime::Runtime rt(lc::core::Engine(cfg, {one_node_cluster(port)}, lc::runtime::clock_now()),
                          opts);
  if (!rt.register_capability({.name = kCapability, .cluster_id = kCluster}, on_event)) {
    std::fprintf(stderr, "cannot register %s\n", kCapability);
    return 1;
  }
  if (auto err = rt.start()) {
    std::fprintf(stderr, "%s\n", err->c_str());
    return 1;
  }
  std::printf("%s registered in cluster %d\n", kCapability, kCluster);
  if (once) rt.stop();
  rt.run();
  return 0;
}
