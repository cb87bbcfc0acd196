// db_mode=1: the node's clusters and nodes come from the clusterer table
// (schema.md §4). Blocking database I/O: clusterd calls load() once before
// the event loop starts, and later only from its background worker.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libcluster/expected.h"
#include "libcluster/store/load.h"
#include "libcluster/store/store.h"
#include "node/config.h"

namespace lc::node {

class DbProvisioning {
 public:
  explicit DbProvisioning(const NodeConfig& cfg);

  // The §4.1 load. A fresh connection per call: a database that went away
  // and came back needs no reconnect logic.
  Expected<store::Loaded, store::Error> load() const;
  // §4.3 write-back after clusterer_set_status; the spec's log text on failure.
  std::optional<std::string> write_state(int32_t cluster_id, int32_t node_id, bool enabled) const;
  // The error with what the operator should do about it.
  std::string explain(const store::Error& err) const;

 private:
  bool is_local(const core::BinUrl& url) const;

  std::string db_url_;
  store::TableNames names_;
  int32_t my_node_id_;
  std::vector<Listener> listeners_;
};

}  // namespace lc::node
