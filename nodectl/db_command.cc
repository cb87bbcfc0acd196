#include "db_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <vector>

#include "client.h"
#include "db_validate.h"
#include "libcluster/store/store.h"

namespace lc::nodectl {
namespace {

namespace store = lc::store;
using db::FieldArgs;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr const char* kDbUrlEnv = "NODECTL_DB_URL";

// The ten columns in table order: configured name and value of a row (NULL =
// nullopt for the string columns). A value that failed the type check is
// its raw text (NULL: null), flagged `bad`.
struct Cell {
  const std::string* name;
  Json value;  // integer, string or null
  bool bad = false;
};

std::vector<Cell> cells(const store::ListedRow& listed, const store::TableNames& n) {
  const store::Row& r = listed.row;
  auto text = [](const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); };
  std::vector<Cell> out = {{&n.id, r.id},
                           {&n.cluster_id, r.cluster_id},
                           {&n.node_id, r.node_id},
                           {&n.url, r.url},
                           {&n.state, r.state},
                           {&n.no_ping_retries, r.no_ping_retries},
                           {&n.priority, r.priority},
                           {&n.sip_addr, text(r.sip_addr)},
                           {&n.flags, text(r.flags)},
                           {&n.description, text(r.description)}};
  for (const auto& b : listed.bad)
    for (auto& c : out)
      if (*c.name == b.column) {
        c.value = b.raw == "NULL" ? Json(nullptr) : Json(b.raw);
        c.bad = true;
      }
  return out;
}

// A row object keyed by the column names; a row with corrupt values also
// lists them under "bad_columns" (decision S14).
Json row_object(const store::ListedRow& r, const store::TableNames& n) {
  Json o = Json::object();
  for (const auto& c : cells(r, n)) o[*c.name] = c.value;
  if (!r.bad.empty()) {
    Json bad = Json::array();
    for (const auto& b : r.bad) bad.push_back(b.column);
    o["bad_columns"] = bad;
  }
  return o;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// NULL shows as "-", an empty string (only possible from raw SQL) as "", a
// corrupt value as <bad:VALUE>.
std::string cell_text(const Cell& c) {
  const Json& v = c.value;
  std::string text = v.is_null()     ? (c.bad ? "NULL" : "-")
                     : v.is_string() ? (v.get<std::string>().empty() ? "\"\"" : v.get<std::string>())
                                     : v.dump();
  return c.bad ? "<bad:" + text + ">" : text;
}

// Left-aligned columns separated by two spaces, as the other nodectl tables;
// the header is the configured column names in capitals.
std::string rows_table(const std::vector<store::ListedRow>& rows, const store::TableNames& n) {
  std::vector<std::vector<std::string>> lines(1);
  for (const auto& c : cells(store::ListedRow{}, n)) lines[0].push_back(upper(*c.name));
  for (const auto& r : rows) {
    lines.emplace_back();
    for (const auto& c : cells(r, n)) lines.back().push_back(cell_text(c));
  }
  std::vector<std::size_t> width(lines[0].size(), 0);
  for (const auto& l : lines)
    for (std::size_t i = 0; i < l.size(); ++i)
      width[i] = std::max(width[i], db::text_length(l[i]));
  std::string out;
  for (const auto& l : lines) {
    std::string line;
    for (std::size_t i = 0; i < l.size(); ++i) {
      line += l[i];
      if (i + 1 < l.size()) line += std::string(width[i] - db::text_length(l[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

struct DbCommand::State {
  std::string& output;
  CLI::App* db = nullptr;
  CLI::App* migrate = nullptr;
  CLI::App* add = nullptr;
  CLI::App* update = nullptr;
  CLI::App* remove = nullptr;
  CLI::App* list = nullptr;

  std::string db_url;
  store::TableNames names;
  FieldArgs fields;
  std::string id_text;
  std::string command;  // "db add" etc., for messages

  explicit State(std::string& out) : output(out) {}

  void add_common(CLI::App* sub);
  void add_fields(CLI::App* sub, bool required);
  void add_id(CLI::App* sub);
  int run(bool json);

  // Messages: "nodectl: db add: ...", with the password never shown.
  void error(const std::string& message) const;
  void warning(const std::string& message) const;
  std::string masked() const { return store::mask_password(db_url); }
  std::string scrub(std::string message) const;
  std::string migrate_hint() const;
  int store_error(const store::Error& e) const;
  std::string where() const { return "table " + in_quotes(names.table) + " of " + masked(); }

  int do_migrate(store::Store& st, bool json);
  int do_add(store::Store& st, const store::RowFields& f, bool json);
  int do_update(store::Store& st, int64_t id, const store::RowFields& f, bool json);
  int do_remove(store::Store& st, int64_t id, bool json);
  int do_list(store::Store& st, bool json);
  int duplicate(store::Store& st, const store::Error& e, int64_t cluster_id, int64_t node_id,
                int64_t except_id) const;
  void print_row(const store::ListedRow& r, bool json) const;
  void warn_bad_values(const store::ListedRow& r) const;
};

void DbCommand::State::add_common(CLI::App* sub) {
  sub->add_option("--db_url", db_url,
                  "database: sqlite:///ABS/PATH.db, sqlite://REL/PATH.db or "
                  "postgres://USER:PASS@HOST:PORT/DB (required)")
      ->envname(kDbUrlEnv)
      ->group("Database");
  sub->add_option("--db_table", names.table, "table of the nodes")
      ->capture_default_str()
      ->group("Database");
  const std::pair<const char*, std::string*> cols[] = {
      {"--id_col", &names.id},
      {"--cluster_id_col", &names.cluster_id},
      {"--node_id_col", &names.node_id},
      {"--url_col", &names.url},
      {"--state_col", &names.state},
      {"--no_ping_retries_col", &names.no_ping_retries},
      {"--priority_col", &names.priority},
      {"--sip_addr_col", &names.sip_addr},
      {"--flags_col", &names.flags},
      {"--description_col", &names.description},
  };
  for (const auto& [flag, target] : cols)
    sub->add_option(flag, *target, "column name")->capture_default_str()->group("Column names");
  sub->add_option("-o,--output", output, "table (default on a terminal) or json")
      ->check(CLI::IsMember({"table", "json"}));
}

void DbCommand::State::add_fields(CLI::App* sub, bool required) {
  auto text_option = [&](const char* flag, std::optional<std::string>* target, const std::string& help,
                         const char* type) {
    return sub
        ->add_option_function<std::string>(
            flag, [target](const std::string& v) { *target = v; }, help)
        ->type_name(type);
  };
  auto* c = text_option("--cluster_id", &fields.cluster_id, "cluster id (>= 1)", "INT");
  auto* n = text_option("--node_id", &fields.node_id, "node id (>= 1)", "INT");
  auto* u = text_option("--url", &fields.url, "BIN URL: [bin:|bins:]HOST[:PORT]", "URL");
  if (required) {
    c->required();
    n->required();
    u->required();
  }
  auto dflt = [required](const char* value) {
    return required ? std::string(" (default ") + value + ")" : std::string();
  };
  text_option("--state", &fields.state, "1 enabled, 0 disabled" + dflt("1"), "0|1");
  text_option("--no_ping_retries", &fields.no_ping_retries,
              "missed pings before the link is Down" + dflt("3"), "INT");
  text_option("--priority", &fields.priority, "next-hop preference, lower first" + dflt("50"),
              "INT");
  const char* empty = required ? "" : "; \"\" sets NULL";
  text_option("--sip_addr", &fields.sip_addr, std::string("SIP address, e.g. 10.0.0.1:5060") + empty,
              "TEXT");
  text_option("--flags", &fields.flags, std::string("\"seed\" makes the node a seed") + empty,
              "TEXT");
  text_option("--description", &fields.description, std::string("free text") + empty, "TEXT");
}

void DbCommand::State::add_id(CLI::App* sub) {
  sub->add_option("--id", id_text, "row id (the id column; `nodectl db list` shows it)")
      ->type_name("ROWID")
      ->required();
}

void DbCommand::State::error(const std::string& message) const {
  std::fprintf(stderr, "nodectl: %s: %s\n", command.c_str(), scrub(message).c_str());
}

void DbCommand::State::warning(const std::string& message) const {
  std::fprintf(stderr, "nodectl: %s: warning: %s\n", command.c_str(), scrub(message).c_str());
}

// The store masks passwords itself; this is a second line of defence for
// messages that quote the URL or the password verbatim.
std::string DbCommand::State::scrub(std::string message) const {
  const std::string m = masked();
  if (m == db_url) return message;
  auto replace_all = [&message](const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (auto pos = message.find(from); pos != std::string::npos;
         pos = message.find(from, pos + to.size()))
      message.replace(pos, from.size(), to);
  };
  replace_all(db_url, m);
  // The password is what mask_password replaced: between the common prefix
  // and the common suffix of the two URLs.
  std::size_t pre = 0;
  while (pre < m.size() && pre < db_url.size() && m[pre] == db_url[pre]) ++pre;
  std::size_t suf = 0;
  while (suf < m.size() - pre && suf < db_url.size() - pre &&
         m[m.size() - 1 - suf] == db_url[db_url.size() - 1 - suf])
    ++suf;
  const std::string password = db_url.substr(pre, db_url.size() - pre - suf);
  if (password.size() >= 3) replace_all(password, "***");
  return message;
}

std::string DbCommand::State::migrate_hint() const {
  return "run `" + store::migrate_command(db_url, names) +
         "` to create the table, or check --db_table and the --*_col names";
}

// Exit status and message for a store error (docs/decisions.md, "nodectl db").
int DbCommand::State::store_error(const store::Error& e) const {
  using store::ErrorCode;
  std::string msg = e.message;
  switch (e.code) {
    case ErrorCode::kBadUrl:
      error(msg);
      return kExitUsage;
    case ErrorCode::kConnect:
      if (msg.find("nodectl db migrate") == std::string::npos)
        msg += db_url.starts_with("sqlite:")
                   ? " (check the path, that its directory exists and the permissions)"
                   : " (check that the server runs, and the host, port, user, password and "
                     "database name)";
      error(msg);
      return kExitUsage;
    case ErrorCode::kNoSchema:
      if (msg.find("nodectl db migrate") == std::string::npos) msg += "; " + migrate_hint();
      error(msg);
      return kExitUsage;
    case ErrorCode::kNoColumn:
      // migrate would not help: it never changes an existing table's columns.
      error(msg + "; make that --*_col option name the table's column, or give the table that "
                  "column (nodectl db migrate does not change an existing table's columns)");
      return kExitUsage;
    case ErrorCode::kBadVersion:
    case ErrorCode::kBadType:
      error(msg + " (check --db_table and the --*_col names against the table)");
      return kExitUsage;
    case ErrorCode::kDuplicate:
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalid:
    case ErrorCode::kQuery:
      error(msg);
      return kExitFailed;
  }
  error(msg);
  return kExitFailed;
}

void DbCommand::State::print_row(const store::ListedRow& r, bool json) const {
  warn_bad_values(r);
  if (json)
    std::cout << row_object(r, names).dump(4) << std::endl;
  else
    std::cout << rows_table({r}, names) << std::flush;
}

// One warning per corrupt value, naming the row and how to repair it
// without SQL (decision S14).
void DbCommand::State::warn_bad_values(const store::ListedRow& r) const {
  const bool id_ok = std::none_of(r.bad.begin(), r.bad.end(),
                                  [&](const store::BadValue& b) { return b.column == names.id; });
  const std::string row = id_ok ? names.id + " " + std::to_string(r.row.id)
                                : "a row whose " + names.id + " is unreadable";
  // The field option of a configured column name: state_col -> --state.
  auto option_of = [this](const std::string& column) {
    auto setting = store::column_setting(names, column);
    if (!setting) return "--" + column;
    return "--" + std::string(setting->substr(0, setting->size() - std::string_view("_col").size()));
  };
  const std::string id = std::to_string(r.row.id);
  for (const auto& b : r.bad) {
    std::string fix = id_ok ? "; fix it with `nodectl db update --id " + id + " " +
                                  option_of(b.column) + " VALUE` or remove the row with "
                                  "`nodectl db remove --id " + id + "`"
                            : "; only SQL can repair it";
    warning(row + ": " + b.problem + " (stored value " + in_quotes(b.raw) + ")" + fix);
  }
}

int DbCommand::State::do_migrate(store::Store& st, bool json) {
  auto rep = st.migrate();
  if (!rep) return store_error(rep.error());
  if (json) {
    Json o = Json::object();
    o["database"] = st.display_url();
    o["applied"] = rep->applied;
    o["schema_version"] = rep->schema_version;
    o["upgraded_from_version"] = rep->upgraded_from_version;
    o["recreated_table"] = rep->recreated_table;
    std::cout << o.dump(4) << std::endl;
  } else {
    if (rep->recreated_table)
      std::cout << "table " << in_quotes(names.table)
                << " was missing although migrated before: created it again\n";
    for (const auto& f : rep->applied) std::cout << "applied " << f << "\n";
    if (rep->upgraded_from_version != 0)
      std::cout << "upgraded table " << in_quotes(names.table) << " from version "
                << rep->upgraded_from_version << " to " << store::kClustererTableVersion << "\n";
    const bool nothing = rep->applied.empty() && rep->upgraded_from_version == 0;
    std::cout << (nothing ? "up to date, " : "") << "schema version " << rep->schema_version
              << " (" << st.display_url() << ")" << std::endl;
  }
  return kExitOk;
}

// A clearer message for a duplicate (cluster_id, node_id): which row holds it.
int DbCommand::State::duplicate(store::Store& st, const store::Error& e, int64_t cluster_id,
                                int64_t node_id, int64_t except_id) const {
  auto rows = st.list_rows();
  if (rows)
    for (const auto& [r, bad] : *rows)
      if (bad.empty() && r.cluster_id == cluster_id && r.node_id == node_id && r.id != except_id) {
        error("node " + std::to_string(node_id) + " is already provisioned in cluster " +
              std::to_string(cluster_id) + " (" + names.id + " " + std::to_string(r.id) +
              ", url " + r.url + ") in " + where() + "; change that row with `nodectl db update --id " +
              std::to_string(r.id) + "` or remove it first");
        return kExitFailed;
      }
  return store_error(e);
}

int DbCommand::State::do_add(store::Store& st, const store::RowFields& f, bool json) {
  auto row = st.add_row(f);
  if (!row) {
    if (row.error().code == store::ErrorCode::kDuplicate)
      return duplicate(st, row.error(), *f.cluster_id, *f.node_id, 0);
    return store_error(row.error());
  }
  print_row(store::ListedRow{*row, {}}, json);
  return kExitOk;
}

int DbCommand::State::do_update(store::Store& st, int64_t id, const store::RowFields& f,
                                bool json) {
  auto row = st.update_row(id, f);
  if (!row) {
    const auto& e = row.error();
    if (e.code == store::ErrorCode::kNotFound) {
      error("no row with " + names.id + " " + std::to_string(id) + " in " + where());
      return kExitFailed;
    }
    if (e.code == store::ErrorCode::kDuplicate) {
      // The pair the row would have had: the given values, else the stored ones.
      auto rows = st.list_rows();
      if (rows)
        for (const auto& [r, bad] : *rows)
          if (r.id == id)
            return duplicate(st, e, f.cluster_id.value_or(r.cluster_id),
                             f.node_id.value_or(r.node_id), id);
    }
    return store_error(e);
  }
  print_row(*row, json);
  return kExitOk;
}

// By id only: the row is read back from the DELETE, so other rows (even
// corrupt ones) play no part.
int DbCommand::State::do_remove(store::Store& st, int64_t id, bool json) {
  auto removed = st.remove_row(id);
  if (!removed) {
    if (removed.error().code == store::ErrorCode::kNotFound) {
      error("no row with " + names.id + " " + std::to_string(id) + " in " + where());
      return kExitFailed;
    }
    return store_error(removed.error());
  }
  const store::Row& r = removed->row;
  if (json)
    std::cout << row_object(*removed, names).dump(4) << std::endl;
  else
    std::cout << "removed " << names.id << " " << id << ": cluster " << r.cluster_id << ", node "
              << r.node_id << ", " << r.url << std::endl;
  return kExitOk;
}

// Every row, corrupt ones included: a value that fails the type check is
// shown marked, with a warning naming the row (decision S14).
int DbCommand::State::do_list(store::Store& st, bool json) {
  auto rows = st.list_rows();
  if (!rows) return store_error(rows.error());
  for (const auto& r : *rows) warn_bad_values(r);
  if (json) {
    Json a = Json::array();
    for (const auto& r : *rows) a.push_back(row_object(r, names));
    std::cout << a.dump(4) << std::endl;
  } else {
    std::cout << rows_table(*rows, names) << std::flush;
  }
  return kExitOk;
}

int DbCommand::State::run(bool json) {
  CLI::App* sub = nullptr;
  for (auto* s : {migrate, add, update, remove, list})
    if (s->parsed()) sub = s;
  if (!sub) return kExitUsage;
  command = "db " + sub->get_name();

  // Usage: what to talk to and how the table is named.
  if (db_url.empty()) {
    error(std::string("--db_url is required (or set ") + kDbUrlEnv +
          "), e.g. sqlite:///var/lib/clusterd/clusterer.db or postgres://USER:PASS@HOST/DB");
    return kExitUsage;
  }
  if (auto e = db::check_names(names)) {
    error(e->message);
    return kExitUsage;
  }
  if (sub == update && !fields.any()) {
    error("nothing to change: give at least one of --cluster_id, --node_id, --url, --state, "
          "--no_ping_retries, --priority, --sip_addr, --flags, --description");
    return kExitUsage;
  }

  // Values, checked before the database is touched.
  store::RowFields f;
  int64_t id = 0;
  if (sub == update || sub == remove) {
    if (auto e = db::parse_int("id", id_text, 1, db::kMaxInt, &id)) {
      error(e->message);
      return kExitFailed;
    }
  }
  if (sub == add || sub == update) {
    if (auto e = db::to_row_fields(fields, &f)) {
      error(e->message);
      return kExitFailed;
    }
    if (fields.flags && !db::flags_recognised(*fields.flags))
      warning("--flags " + in_quotes(*fields.flags) +
              " does not start with \"seed\", the only flag there is: stored, but the node is "
              "not a seed");
  }

  auto st = store::open_store(db_url, names, /*create_if_missing=*/sub == migrate);
  if (!st) return store_error(st.error());
  if (sub == migrate) return do_migrate(**st, json);
  if (sub == add) return do_add(**st, f, json);
  if (sub == update) return do_update(**st, id, f, json);
  if (sub == remove) return do_remove(**st, id, json);
  return do_list(**st, json);
}

DbCommand::DbCommand(CLI::App& app, std::string& output) : s_(std::make_unique<State>(output)) {
  auto& s = *s_;
  s.db = app.add_subcommand(
      "db", "provision the clusterer table in the database directly (no node needed)");
  s.db->require_subcommand(1);
  s.migrate = s.db->add_subcommand(
      "migrate", "create or upgrade the schema (the table and its version row); idempotent");
  s.add = s.db->add_subcommand("add", "add a node to a cluster; prints the new row");
  s.update = s.db->add_subcommand("update", "change fields of a row; prints the row");
  s.remove = s.db->add_subcommand("remove", "remove a row");
  s.list = s.db->add_subcommand("list", "list the rows, ordered by id");
  for (auto* sub : {s.migrate, s.add, s.update, s.remove, s.list}) s.add_common(sub);
  s.add_fields(s.add, true);
  s.add_id(s.update);
  s.add_fields(s.update, false);
  s.add_id(s.remove);
}

DbCommand::~DbCommand() = default;

bool DbCommand::parsed() const { return s_->db->parsed(); }

int DbCommand::run(bool json) { return s_->run(json); }

}  // namespace lc::nodectl
