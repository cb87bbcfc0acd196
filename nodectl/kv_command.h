// `nodectl kv put|get|del|list`: the node's key-value cache (capability
// cachedb-local-repl, replicated when the node has a kv_cluster_id), through
// the OpenSIPS MI commands cache_store, cache_fetch, cache_remove and
// cache_fetch_chunk (kv-capability.md §4), so what it does is exactly what
// `nodectl mi cache_store local KEY VALUE` and an OpenSIPS operator's
// scripts do.
//
// --collection C: put/get/del address the group `local:C`, which is the
// collection named C unless a kv_url binds the group C to another one;
// list takes the collection name itself (cache_fetch_chunk has no group).
// Without it, the node's first collection (normally `default`).
//
// Exit status as nodectl's: 0 success; 1 the node refused (an MI error, or
// `get` of a key that is absent or expired); 2 usage or connection errors.
#pragma once

#include <memory>
#include <string>

#include "client.h"

namespace CLI {
class App;
}

namespace lc::nodectl {

class KvCommand {
 public:
  // Adds the `kv` subcommand group to `app`. `output` is nodectl's -o value;
  // the kv subcommands accept -o too and write to it.
  KvCommand(CLI::App& app, std::string& output);
  ~KvCommand();
  KvCommand(const KvCommand&) = delete;
  KvCommand& operator=(const KvCommand&) = delete;

  // After parsing: was `kv ...` on the command line?
  bool parsed() const;
  // Runs the parsed subcommand against the node; returns the exit status.
  int run(const Target& target);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace lc::nodectl
