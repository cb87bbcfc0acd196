#include "kv_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "render.h"

namespace lc::nodectl {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitMiError = 1;
constexpr int kExitUsage = 2;
// cache_fetch's answer for an absent, expired or empty value (kv-capability.md §4).
constexpr int64_t kNotFoundCode = 400;

enum class Op { kPut, kGet, kDel, kList };

// The MI call a kv subcommand makes, and how to name it in messages.
struct Request {
  std::string method;
  Json params;
  std::string what;  // "kv get KEY", for messages
};

}  // namespace

struct KvCommand::State {
  explicit State(std::string& out) : output(out) {}
  std::string& output;
  CLI::App* group = nullptr;
  CLI::App* put = nullptr;
  CLI::App* get = nullptr;
  CLI::App* del = nullptr;
  CLI::App* list = nullptr;
  CLI::Option* expires_opt = nullptr;
  std::string key, value, collection, glob = "*";
  int64_t expires_s = 0;

  Op op() const;
  Request request() const;
  std::string system() const { return collection.empty() ? "local" : "local:" + collection; }
  bool json() const;
  int report_error(const Request& req, const Json& error) const;
  void print(const Json& result) const;
  void add_collection(CLI::App* sub);
  void add_output(CLI::App* sub);
};

Op KvCommand::State::op() const {
  if (put->parsed()) return Op::kPut;
  if (get->parsed()) return Op::kGet;
  if (del->parsed()) return Op::kDel;
  return Op::kList;
}

// Positional params, in the order of kv-capability.md §4's recipes.
Request KvCommand::State::request() const {
  switch (op()) {
    case Op::kPut: {
      Json p = Json::array({system(), key, value});
      if (expires_opt->count() > 0) p.push_back(expires_s);
      return {"cache_store", p, "kv put " + key};
    }
    case Op::kGet: return {"cache_fetch", Json::array({system(), key}), "kv get " + key};
    case Op::kDel: return {"cache_remove", Json::array({system(), key}), "kv del " + key};
    case Op::kList: break;
  }
  Json p = Json::array({glob});
  if (!collection.empty()) p.push_back(collection);
  return {"cache_fetch_chunk", p, "kv list"};
}

// Tables on a terminal, JSON in a pipe, as the other subcommands; `get`
// prints the bare value unless -o json, so that $(nodectl kv get K) works.
bool KvCommand::State::json() const {
  if (!output.empty()) return output == "json";
  if (op() == Op::kGet) return false;
  return !::isatty(STDOUT_FILENO);
}

int KvCommand::State::report_error(const Request& req, const Json& error) const {
  const int64_t code = error.value("code", int64_t{0});
  const std::string in = collection.empty() ? "" : " in collection " + collection;
  if (op() == Op::kGet && code == kNotFoundCode) {
    std::fprintf(stderr, "nodectl: %s: not found%s (absent or expired)\n", req.what.c_str(),
                 in.c_str());
    return kExitMiError;
  }
  std::string msg = error.value("message", "unknown error");
  if (error.contains("data") && error["data"].is_string())
    msg += " (" + error["data"].get<std::string>() + ")";
  std::fprintf(stderr, "nodectl: %s: error %lld: %s\n", req.what.c_str(),
               static_cast<long long>(code), msg.c_str());
  // An unknown group or collection gets only a generic error from the node.
  if (!collection.empty() && code != -32602)
    std::fprintf(stderr, "nodectl: is collection '%s' defined on the node (kv_collection, kv_url)?\n",
                 collection.c_str());
  return kExitMiError;
}

void KvCommand::State::print(const Json& result) const {
  if (json()) {
    std::cout << result.dump(4) << std::endl;
  } else if (op() == Op::kGet) {
    std::cout << result.value("value", "") << std::endl;
  } else {
    std::cout << render_table("cache_fetch_chunk", result) << std::flush;
  }
}

void KvCommand::State::add_collection(CLI::App* sub) {
  sub->add_option("-c,--collection", collection,
                  "collection (default: the node's first, normally 'default')")
      ->check([](const std::string& v) { return v.empty() ? std::string("must not be empty") : ""; })
      ->type_name("NAME");
}

void KvCommand::State::add_output(CLI::App* sub) {
  sub->add_option("-o,--output", output, "table (default on a terminal) or json")
      ->check(CLI::IsMember({"table", "json"}));
}

KvCommand::KvCommand(CLI::App& app, std::string& output) : s_(std::make_unique<State>(output)) {
  State& s = *s_;
  s.group = app.add_subcommand("kv", "key-value cache (cachedb-local-repl): put, get, del, list");
  s.group->require_subcommand(1);

  s.put = s.group->add_subcommand("put", "store VALUE under KEY (cache_store), replicated if the "
                                         "collection is");
  s.put->add_option("key", s.key, "the key")->required();
  s.put->add_option("value", s.value, "the value")->required();
  s.expires_opt = s.put->add_option("-e,--expires", s.expires_s,
                                    "seconds to live (0 or absent: never expires)")
                      ->check(CLI::NonNegativeNumber)
                      ->type_name("SECONDS");

  s.get = s.group->add_subcommand("get", "print the value of KEY (cache_fetch); absent: exit 1");
  s.get->add_option("key", s.key, "the key")->required();

  s.del = s.group->add_subcommand("del", "remove KEY (cache_remove), replicated; absent is OK");
  s.del->add_option("key", s.key, "the key")->required();

  s.list = s.group->add_subcommand("list", "list keys and values (cache_fetch_chunk)");
  s.list->add_option("-g,--glob", s.glob, "fnmatch pattern over whole keys")->capture_default_str();

  for (CLI::App* sub : {s.put, s.get, s.del, s.list}) {
    s.add_collection(sub);
    s.add_output(sub);
  }
}

KvCommand::~KvCommand() = default;

bool KvCommand::parsed() const { return s_->group->parsed(); }

int KvCommand::run(const Target& target) {
  const Request req = s_->request();
  std::string err;
  auto c = Connection::open(target, &err);
  if (!c) {
    std::fprintf(stderr, "nodectl: %s\n", err.c_str());
    return kExitUsage;
  }
  auto res = c->call(make_request(req.method, req.params), &err);
  if (!res) {
    std::fprintf(stderr, "nodectl: %s: %s\n", req.method.c_str(), err.c_str());
    return kExitUsage;
  }
  if (res->contains("error")) return s_->report_error(req, (*res)["error"]);
  s_->print((*res)["result"]);
  return kExitOk;
}

}  // namespace lc::nodectl
