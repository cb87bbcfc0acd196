// Declarations, lookup, and the positional runs of cluster_*_mi.
#include "libcluster/mi/registry.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "libcluster/mi/events.h"

namespace lc::mi {

std::string_view param_type_name(ParamType t) {
  switch (t) {
    case ParamType::kInt: return "int";
    case ParamType::kString: return "string";
    case ParamType::kArray: return "array";
  }
  return "unknown";
}

const Param* Command::param(std::string_view n) const {
  for (const auto& p : params)
    if (p.name == n) return &p;
  return nullptr;
}

bool Command::optional(std::string_view n) const {
  return std::any_of(recipes.begin(), recipes.end(), [&](const auto& r) {
    return std::find(r.begin(), r.end(), n) == r.end();
  });
}

bool Subscription::wants(const core::Event& e) const {
  auto name = event_name(e);
  return name && std::find(events.begin(), events.end(), *name) != events.end();
}

namespace {

[[noreturn]] void bad_declaration(const Command& cmd, const std::string& why) {
  throw std::logic_error("MI command '" + cmd.name + "': " + why);
}

void check_recipes(const Command& cmd) {
  if (cmd.recipes.empty()) bad_declaration(cmd, "no recipe");
  for (const auto& r : cmd.recipes) {
    std::set<std::string_view> seen;
    for (const auto& n : r) {
      if (!cmd.param(n)) bad_declaration(cmd, "recipe names undeclared parameter " + n);
      if (!seen.insert(n).second) bad_declaration(cmd, "recipe repeats " + n);
    }
  }
}

// nodectl maps its positionals to params in declaration order, so optional
// ones must follow the required ones and an array (which takes the remaining
// words) must be last.
void check_params(const Command& cmd) {
  std::set<std::string_view> names;
  bool optional_seen = false;
  for (std::size_t i = 0; i < cmd.params.size(); ++i) {
    const Param& p = cmd.params[i];
    if (!names.insert(p.name).second) bad_declaration(cmd, "parameter declared twice: " + p.name);
    const bool used = std::any_of(cmd.recipes.begin(), cmd.recipes.end(), [&](const auto& r) {
      return std::find(r.begin(), r.end(), p.name) != r.end();
    });
    if (!used) bad_declaration(cmd, "parameter in no recipe: " + p.name);
    const bool opt = cmd.optional(p.name);
    if (optional_seen && !opt) bad_declaration(cmd, "required after optional: " + p.name);
    optional_seen = optional_seen || opt;
    if (p.type == ParamType::kArray && i + 1 != cmd.params.size())
      bad_declaration(cmd, "array parameter not last: " + p.name);
  }
}

}  // namespace

void Registry::check_new(const Command& cmd) const {
  if (cmd.name.empty()) bad_declaration(cmd, "empty name");
  if (by_name_.contains(cmd.name)) bad_declaration(cmd, "declared twice");
  if (!cmd.handler == !cmd.async_handler)
    bad_declaration(cmd, "needs exactly one of handler and async_handler");
  if (cmd.cli_name.empty()) bad_declaration(cmd, "no nodectl name");
  check_recipes(cmd);
  check_params(cmd);
  std::vector<std::string_view> cli{cmd.cli_name};
  cli.insert(cli.end(), cmd.cli_aliases.begin(), cmd.cli_aliases.end());
  for (const auto& other : commands_)
    for (std::string_view n : cli)
      if (n == other.cli_name || std::find(other.cli_aliases.begin(), other.cli_aliases.end(),
                                           n) != other.cli_aliases.end())
        bad_declaration(cmd, "nodectl name taken by " + other.name + ": " + std::string(n));
}

void Registry::add(Command cmd) {
  check_new(cmd);
  by_name_.emplace(cmd.name, commands_.size());
  commands_.push_back(std::move(cmd));
}

const Command* Registry::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &commands_[it->second];
}

Expected<const Command*, MiError> Registry::runnable(std::string_view name) const {
  const Command* cmd = find(name);
  if (!cmd) return unexpected(app_error(400, "Command to be run not found"));
  if (cmd->streaming) return unexpected(app_error(400, "Async commands not supported"));
  if (cmd->named_only)
    return unexpected(app_error(400, "Commands requiring named params not supported"));
  return cmd;
}

void Registry::run_positional_async(Context& ctx, const Command& cmd,
                                    const std::vector<std::string>& params, Done done) const {
  Json array = Json::array();
  for (const auto& p : params) array.push_back(p);
  call_async(ctx, cmd, &array, std::move(done));
}

void Registry::run_command_async(Context& ctx, std::string_view name,
                                 const std::vector<std::string>& params, Done done) const {
  auto cmd = runnable(name);
  if (!cmd) return done(unexpected(cmd.error()));
  run_positional_async(ctx, **cmd, params, std::move(done));
}

void run_received(const Registry& registry, Context& ctx, const core::MiCommandReceived& m,
                  std::function<void(RemoteRun)> done) {
  auto cmd = registry.runnable(m.cmd_name);
  if (!cmd) return done(RemoteRun{false, cmd.error().message});
  registry.run_positional_async(ctx, **cmd, m.params,
                                [name = m.cmd_name, done = std::move(done)](Result r) {
                                  done(RemoteRun{r.has_value(), "MI command " + name +
                                                                    " returned with " +
                                                                    (r ? "success" : "error")});
                                });
}

RemoteRun run_received(const Registry& registry, Context& ctx,
                       const core::MiCommandReceived& m) {
  std::optional<RemoteRun> out;
  run_received(registry, ctx, m, [&out](RemoteRun r) { out = std::move(r); });
  return out ? std::move(*out) : RemoteRun{false, "MI command " + m.cmd_name + " answers asynchronously"};
}

}  // namespace lc::mi
