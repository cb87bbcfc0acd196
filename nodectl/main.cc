// nodectl: the operator CLI of a clusterd node. One subcommand per MI
// command, generated from the same declarations the node serves, plus
// `mi METHOD [ARGS...]` for raw calls.
//
// Exit status: 0 success, 1 the node answered with an MI error (or a --wait
// timed out), 2 usage or connection errors. `db ...` (db_command.h) talks to
// the database instead, with the same exit statuses. `shtag get` and
// `kv put|get|del|list` (shtag_command.h, kv_command.h) are hand-written
// wrappers of MI commands.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "client.h"
#include "completion.h"
#include "db_command.h"
#include "kv_command.h"
#include "lc_build_info.h"
#include "libcluster/mi/registry.h"
#include "man_page.h"
#include "render.h"
#include "shtag_command.h"

namespace {

using lc::nodectl::Json;
using lc::nodectl::Target;

constexpr int kExitOk = 0;
constexpr int kExitMiError = 1;
constexpr int kExitUsage = 2;
constexpr const char* kDefaultSocket = "/run/clusterd/clusterd.sock";

struct Options {
  Target target;
  std::string output;  // "table" or "json"; empty: table on a terminal
  // Longer than a clusterer_reload whose database does not answer (the
  // store gives up connecting after 5 s), so its error reaches the operator.
  double timeout_s = 10;
  double wait_s = 0;
};

bool json_output(const Options& o) {
  if (!o.output.empty()) return o.output == "json";
  return !::isatty(STDOUT_FILENO);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "CLUSTER_ID [NODE_ID] STATUS": the longest recipe's order, parameters
// that some recipe lacks in brackets.
std::string usage_of(const lc::mi::Command& cmd) {
  const std::vector<std::string>* longest = nullptr;
  for (const auto& r : cmd.recipes)
    if (!longest || r.size() > longest->size()) longest = &r;
  std::string u;
  if (!longest) return u;
  for (const auto& name : *longest) {
    const auto* p = cmd.param(name);
    std::string word = upper(name) + (p->type == lc::mi::ParamType::kArray ? "..." : "");
    u += (u.empty() ? "" : " ") + (cmd.optional(name) ? "[" + word + "]" : word);
  }
  return u;
}

Json word_value(const std::string& word, lc::mi::ParamType type) {
  if (type == lc::mi::ParamType::kInt) {
    try {
      std::size_t used = 0;
      long long v = std::stoll(word, &used);
      if (used == word.size()) return v;
    } catch (...) {
    }
  }
  return word;  // the node reports a type error with the parameter's name
}

// Binds the words to the recipe with that many parameters; a trailing array
// parameter takes every remaining word.
std::optional<Json> positional_params(const lc::mi::Command& cmd,
                                      const std::vector<std::string>& words) {
  for (const auto& recipe : cmd.recipes) {
    const bool has_array = !recipe.empty() &&
                           cmd.param(recipe.back())->type == lc::mi::ParamType::kArray;
    const bool fits = words.size() == recipe.size() ||
                      (has_array && words.size() >= recipe.size());
    if (!fits || (has_array && words.size() < recipe.size())) continue;
    Json params = Json::array();
    for (std::size_t i = 0; i < recipe.size(); ++i) {
      const auto* p = cmd.param(recipe[i]);
      if (p->type == lc::mi::ParamType::kArray) {
        Json arr = Json::array();
        for (std::size_t j = i; j < words.size(); ++j) arr.push_back(words[j]);
        params.push_back(arr);
      } else {
        params.push_back(word_value(words[i], p->type));
      }
    }
    return params;
  }
  return std::nullopt;
}

std::unique_ptr<lc::nodectl::Connection> connect(const Options& o) {
  std::string err;
  auto c = lc::nodectl::Connection::open(o.target, &err);
  if (!c) std::fprintf(stderr, "nodectl: %s\n", err.c_str());
  return c;
}

// Sends one request; prints transport problems. Returns the response.
std::optional<Json> request(lc::nodectl::Connection& c, const std::string& method,
                            const Json& params) {
  std::string err;
  auto res = c.call(lc::nodectl::make_request(method, params), &err);
  if (!res) std::fprintf(stderr, "nodectl: %s: %s\n", method.c_str(), err.c_str());
  return res;
}

int report_error(const std::string& method, const Json& error) {
  std::string msg = error.value("message", "unknown error");
  if (error.contains("data")) msg += " (" + error["data"].get<std::string>() + ")";
  std::fprintf(stderr, "nodectl: %s: error %lld: %s\n", method.c_str(),
               error.value("code", 0LL), msg.c_str());
  return kExitMiError;
}

void print_result(const Options& o, const std::string& method, const Json& result) {
  if (json_output(o))
    std::cout << result.dump(4) << std::endl;
  else
    std::cout << lc::nodectl::render_table(method, result) << std::flush;
}

int call_and_print(const Options& o, const std::string& method, const Json& params) {
  auto c = connect(o);
  if (!c) return kExitUsage;
  auto res = request(*c, method, params);
  if (!res) return kExitUsage;
  if (res->contains("error")) return report_error(method, (*res)["error"]);
  print_result(o, method, (*res)["result"]);
  return kExitOk;
}

std::atomic<bool> interrupted{false};

// Subscribes on its own connection before the request goes out, so that no
// reply can arrive unseen.
std::unique_ptr<lc::nodectl::Connection> subscribe(const Options& o, const Json& events) {
  auto c = connect(o);
  if (!c) return nullptr;
  auto res = request(*c, "subscribe", events.is_null() ? Json() : Json::array({events}));
  if (!res) return nullptr;
  if (res->contains("error")) {
    report_error("subscribe", (*res)["error"]);
    return nullptr;
  }
  return c;
}

// Nodes a broadcast reaches: enabled, with a next hop.
std::set<int64_t> reachable_nodes(lc::nodectl::Connection& c, int64_t cluster_id) {
  std::set<int64_t> ids;
  auto res = request(c, "clusterer_list", Json());
  if (!res || !res->contains("result")) return ids;
  for (const auto& cl : (*res)["result"]["Clusters"])
    if (cl["cluster_id"] == cluster_id)
      for (const auto& n : cl["Nodes"])
        if (n["next_hop"] != "none" && n["state"] == "enabled") ids.insert(n["node_id"].get<int64_t>());
  return ids;
}

// Event streams (subscribe) exist on the unix socket only. Checked before
// anything is sent, so that a --wait request is not sent only to be lost.
bool refuse_http_stream(const Options& o, const std::string& what) {
  if (o.target.url.empty()) return false;
  std::fprintf(stderr,
               "nodectl: %s follows the node's event stream, which only the unix socket "
               "carries: use -s SOCKET instead of -u URL (nothing was sent)\n",
               what.c_str());
  return true;
}

// send_req/broadcast_req --wait: the request, then the replies with its tag.
int request_and_wait(const Options& o, const lc::mi::Command& cmd, const Json& params) {
  if (refuse_http_stream(o, cmd.cli_name + " --wait")) return kExitUsage;
  const bool broadcast = cmd.name == "cluster_broadcast_req";
  auto events = subscribe(o, Json::array({"E_CLUSTERER_RPL_RECEIVED"}));
  if (!events) return kExitUsage;
  auto c = connect(o);
  if (!c) return kExitUsage;
  std::set<int64_t> expected;
  if (broadcast) expected = reachable_nodes(*c, params[0].is_number() ? params[0].get<int64_t>() : 0);
  auto res = request(*c, cmd.name, params);
  if (!res) return kExitUsage;
  if (res->contains("error")) return report_error(cmd.name, (*res)["error"]);
  const std::string tag = (*res)["result"].value("tag", "");

  Json replies = Json::object();
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(o.wait_s * 1000));
  while (!interrupted && std::chrono::steady_clock::now() < deadline) {
    std::string err;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto ev = events->next(std::min(left, std::chrono::milliseconds(200)), &err);
    if (!err.empty()) {
      std::fprintf(stderr, "nodectl: %s\n", err.c_str());
      return kExitUsage;
    }
    if (!ev || (*ev)["params"].value("tag", "") != tag) continue;
    const auto& p = (*ev)["params"];
    replies[std::to_string(p["src_id"].get<int64_t>())] = p["msg"];
    if (!broadcast) break;
    expected.erase(p["src_id"].get<int64_t>());
    if (expected.empty()) break;
  }
  const bool complete = broadcast ? expected.empty() : !replies.empty();
  if (json_output(o)) {
    Json out;
    out["tag"] = tag;
    out["replies"] = replies;
    std::cout << out.dump(4) << std::endl;
  } else {
    std::cout << "tag " << tag << "\n";
    for (const auto& [node, msg] : replies.items()) std::cout << node << "  " << msg.get<std::string>() << "\n";
  }
  if (!complete) {
    std::string missing;
    for (auto id : expected) missing += " " + std::to_string(id);
    std::fprintf(stderr, "nodectl: no reply%s within %g s\n",
                 broadcast ? (" from node(s)" + missing).c_str() : "", o.wait_s);
    return kExitMiError;
  }
  return kExitOk;
}

// events: follow the stream until Ctrl-C or the node goes away.
int follow_events(const Options& o, const std::vector<std::string>& names) {
  if (refuse_http_stream(o, "events")) return kExitUsage;
  Json filter = names.empty() ? Json() : Json(names);
  auto c = subscribe(o, filter);
  if (!c) return kExitUsage;
  while (!interrupted) {
    std::string err;
    auto ev = c->next(std::chrono::milliseconds(200), &err);
    if (!err.empty()) {
      std::fprintf(stderr, "nodectl: %s\n", err.c_str());
      return kExitUsage;
    }
    if (!ev) continue;
    if (json_output(o))
      std::cout << lc::nodectl::event_object(*ev).dump() << std::endl;
    else
      std::cout << lc::nodectl::render_event_line(*ev) << std::endl;
  }
  return kExitOk;
}

// mi METHOD [ARGS...]: words are positional string params, or named params
// when every word is name=value (opensips-cli's convention).
int raw_call(const Options& o, const std::string& method, const std::vector<std::string>& words) {
  Json params;
  bool named = !words.empty() && std::all_of(words.begin(), words.end(), [](const std::string& w) {
    return w.find('=') != std::string::npos;
  });
  if (named) {
    params = Json::object();
    for (const auto& w : words) params[w.substr(0, w.find('='))] = w.substr(w.find('=') + 1);
  } else if (!words.empty()) {
    params = Json(words);
  }
  return call_and_print(o, method, params);
}

// The words a subcommand gets when given none: `stats` alone shows every
// statistic, like `get_statistics all`.
std::vector<std::string> words_or_default(const lc::mi::Command& cmd,
                                          const std::vector<std::string>& words) {
  if (words.empty() && cmd.name == "get_statistics") return {"all"};
  return words;
}

// With a subcommand required, CLI11 reports a word that names none as "A
// subcommand is required": name the word instead. Nothing if `e` is
// another error.
std::optional<std::string> unknown_subcommand(CLI::App& app, const CLI::ParseError& e) {
  if (dynamic_cast<const CLI::RequiredError*>(&e) == nullptr) return std::nullopt;
  if (!app.get_subcommands().empty() || app.remaining().empty()) return std::nullopt;
  return app.remaining().front();
}

}  // namespace

int main(int argc, char** argv) {
  const lc::mi::Registry registry = lc::mi::make_clusterer_registry();
  CLI::App app{"nodectl: manage a clusterd node through its MI (JSON-RPC) endpoint"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nodectl " LC_VERSION_TEXT);
  Options o;
  o.target.socket = kDefaultSocket;
  app.add_option("-s,--socket", o.target.socket, "MI unix socket of the node")
      ->envname("NODECTL_SOCKET")
      ->capture_default_str();
  app.add_option("-u,--url", o.target.url, "MI over HTTP instead, e.g. http://127.0.0.1:8888/mi");
  app.add_option("-o,--output", o.output, "table (default on a terminal) or json")
      ->check(CLI::IsMember({"table", "json"}));
  app.add_option("-t,--timeout", o.timeout_s, "seconds to wait for the node's reply")
      ->check(CLI::PositiveNumber);

  std::map<std::string, std::vector<std::string>> words;
  std::map<std::string, CLI::App*> subs;
  for (const auto& cmd : registry.commands()) {
    auto* sub = app.add_subcommand(cmd.cli_name, cmd.help);
    for (const auto& alias : cmd.cli_aliases) sub->alias(alias);
    auto& w = words[cmd.name];
    if (!cmd.params.empty())
      sub->add_option("args", w, usage_of(cmd))->type_name(usage_of(cmd));
    if (cmd.name == "cluster_send_req" || cmd.name == "cluster_broadcast_req")
      sub->add_option("--wait", o.wait_s, "wait this many seconds for the reply/replies")
          ->check(CLI::PositiveNumber);
    subs[cmd.name] = sub;
  }
  std::string raw_method;
  std::vector<std::string> raw_words;
  auto* raw = app.add_subcommand("mi", "raw MI call: mi METHOD [ARGS...] (ARGS as name=value for named params)");
  raw->add_option("method", raw_method, "MI method")->required();
  raw->add_option("args", raw_words, "parameters");
  lc::nodectl::DbCommand db(app, o.output);
  lc::nodectl::ShtagCommand shtag(app);
  lc::nodectl::KvCommand kv(app, o.output);
  lc::nodectl::CompletionCommand completion(app);
  lc::nodectl::ManPageCommand man_page(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (auto word = unknown_subcommand(app, e)) {
      std::fprintf(stderr, "nodectl: unknown command '%s' (nodectl --help lists the commands)\n",
                   word->c_str());
      return kExitUsage;
    }
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  o.target.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });

  if (completion.parsed()) return completion.run(app, registry, o.target);
  if (man_page.parsed()) return man_page.run(app, registry);
  if (raw->parsed()) return raw_call(o, raw_method, raw_words);
  if (db.parsed()) return db.run(json_output(o));
  if (shtag.parsed()) return shtag.run(o.target, o.output);
  if (kv.parsed()) return kv.run(o.target);
  for (const auto& cmd : registry.commands()) {
    if (!subs[cmd.name]->parsed()) continue;
    const auto w = words_or_default(cmd, words[cmd.name]);
    if (cmd.streaming) return follow_events(o, w);
    auto params = positional_params(cmd, w);
    if (!params) {
      std::fprintf(stderr, "nodectl: usage: nodectl %s %s\n", cmd.cli_name.c_str(),
                   usage_of(cmd).c_str());
      return kExitUsage;
    }
    if (o.wait_s > 0) return request_and_wait(o, cmd, *params);
    return call_and_print(o, cmd.name, params->empty() ? Json() : *params);
  }
  return kExitUsage;
}
