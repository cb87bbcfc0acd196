// `nodectl db migrate|add|update|remove|list`: provisioning of the clusterer
// table straight in the database (SQLite or PostgreSQL), no node needed.
// Honours --db_table and the *_col names as clusterd does.
//
// Exit status: 0 success; 1 the operation was refused (a value failed
// validation, duplicate (cluster_id, node_id), no such row, a query failed);
// 2 usage error, or the database cannot be opened/reached, or its schema is
// missing or not the expected one.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace lc::nodectl {

class DbCommand {
 public:
  // Adds the `db` subcommand group to `app`. `output` is nodectl's -o value;
  // the db subcommands accept -o too and write to it.
  DbCommand(CLI::App& app, std::string& output);
  ~DbCommand();
  DbCommand(const DbCommand&) = delete;
  DbCommand& operator=(const DbCommand&) = delete;

  // After parsing: was `db ...` on the command line?
  bool parsed() const;
  // Runs the parsed subcommand; `json` selects JSON output. Returns the exit
  // status; messages go to stderr.
  int run(bool json);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace lc::nodectl
