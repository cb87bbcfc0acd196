#include "shtag_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

namespace lc::nodectl {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitMiError = 1;
constexpr int kExitUsage = 2;
constexpr const char* kMethod = "clusterer_shtag_get";

}  // namespace

struct ShtagCommand::State {
  CLI::App* group = nullptr;
  CLI::App* get = nullptr;
  std::string tag;
};

ShtagCommand::ShtagCommand(CLI::App& app) : s_(std::make_unique<State>()) {
  s_->group = app.add_subcommand("shtag", "sharing tags: shtag get NAME/CLUSTER");
  s_->group->require_subcommand(1);
  s_->get = s_->group->add_subcommand(
      "get", "print the state of a sharing tag (active or backup); an unknown tag is an error");
  s_->get->add_option("tag", s_->tag, "the tag, NAME/CLUSTER_ID, e.g. vip/1")
      ->required()
      ->type_name("NAME/CLUSTER");
}

ShtagCommand::~ShtagCommand() = default;

bool ShtagCommand::parsed() const { return s_->group->parsed(); }

int ShtagCommand::run(const Target& target, const std::string& output) {
  std::string err;
  auto c = Connection::open(target, &err);
  if (!c) {
    std::fprintf(stderr, "nodectl: %s\n", err.c_str());
    return kExitUsage;
  }
  Json params = Json::object();
  params["tag"] = s_->tag;
  auto res = c->call(make_request(kMethod, params), &err);
  if (!res) {
    std::fprintf(stderr, "nodectl: %s: %s\n", kMethod, err.c_str());
    return kExitUsage;
  }
  if (res->contains("error")) {
    const Json& e = (*res)["error"];
    std::fprintf(stderr, "nodectl: shtag get %s: error %lld: %s\n", s_->tag.c_str(),
                 e.value("code", 0LL), e.value("message", "unknown error").c_str());
    return kExitMiError;
  }
  const Json& result = (*res)["result"];
  if (output == "json")
    std::cout << result.dump(4) << std::endl;
  else
    std::cout << result.value("State", "") << std::endl;  // bare, for $(...) in scripts
  return kExitOk;
}

}  // namespace lc::nodectl
