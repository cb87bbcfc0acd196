// A test capability for the simulator: every node runs a small module with
// a record store (key -> value) replicated through the capability layer,
// written the way a real module would be, against the developers' API.
//
//  * "origin" nodes hold the whole data set from the start and keep it
//    across restarts (as if loaded from a database); they are seeds, so a
//    lone origin falls back to "synced". Other nodes start empty at every
//    (re)start.
//  * Every node registers the capability with startup sync and asks for a
//    sync at start.
//  * A donor answers kSyncRequest with one chunk per record, `chunks_per_step`
//    chunks every `step_ms` (0: all at once), then sync_end; a restarted or
//    crashed donor stops where it was, as a real process would.
//  * kSyncData chunks and kRecvMsg packets (live writes) go into the store.
//
// The model installs itself into a SimConfig (on_start, on_event, flags)
// before the Sim is built, and is then asked about stores and states.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim.h"

namespace lc::sim {

class CapModel {
 public:
  struct Options {
    std::string name = "sim-cap";
    int records = 30;
    std::size_t value_bytes = 24;
    std::vector<int> origins;  // node ids holding the data set (seeds)
    int chunks_per_step = 0;   // 0: the whole answer in one call
    int64_t step_ms = 1;
    bool request_at_start = true;
  };
  using Store = std::map<int32_t, std::string>;

  explicit CapModel(Options o);
  // Hooks the model into `cfg` (before Sim is constructed with it).
  void install(SimConfig& cfg);

  const Options& options() const { return o_; }
  const Store& dataset() const { return dataset_; }
  const Store& store(int node) const;
  bool complete(int node) const { return store(node) == dataset_; }
  // The capability as node n's engine sees it.
  core::CapabilityView view(const Sim& sim, int node) const;
  std::vector<std::string> reports(const Sim& sim, int node) const;
  // Events of node n's current incarnation.
  int syncs_done(int node) const;
  int answers_started(int node) const;  // kSyncRequest handled (donor side)
  // A live write on `node`: stored, then replicated with send_all.
  core::SendResult write(Sim& sim, int node, int32_t key, const std::string& value);

  static wire::Bytes encode_record(int32_t key, const std::string& value);

 private:
  struct NodeState {
    int incarnation = 0;
    Store store;
    int syncs_done = 0;
    int answers = 0;
  };
  NodeState& node(int n);
  void on_start(Sim& sim, int n, Engine& e);
  void on_event(Sim& sim, int n, const Event& ev);
  void apply(int n, const wire::Bytes& chunk);
  // The donor module answering `requester`: chunk `from` onwards.
  void answer(Sim& sim, int n, int incarnation, int32_t requester,
              std::shared_ptr<const std::vector<wire::Bytes>> chunks, std::size_t from);

  Options o_;
  Store dataset_;
  std::vector<NodeState> nodes_;  // index = node id
};

}  // namespace lc::sim
