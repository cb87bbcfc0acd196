#include "man_page.h"

#include <iostream>

#include "man/roff.h"

namespace lc::nodectl {

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

const mi::Command* command_of(const CLI::App& sub, const std::string& prefix,
                              const mi::Registry& registry) {
  if (!prefix.empty()) return nullptr;
  for (const auto& c : registry.commands())
    if (c.cli_name == sub.get_name()) return &c;
  return nullptr;
}

// "CLUSTER_ID [NODE_ID] STATUS" for an MI command (its positional's type
// name), "KEY VALUE" or "METHOD [ARGS...]" for a hand-written one.
std::string usage(const CLI::App& sub, const mi::Command* cmd) {
  std::string u;
  for (const CLI::Option* opt : sub.get_options()) {
    if (!opt->get_positional()) continue;
    std::string word = cmd ? opt->get_type_name() : upper(opt->get_name());
    if (!cmd && opt->get_items_expected_max() > 1) word += "...";
    if (!cmd && !opt->get_required()) word = "[" + word + "]";
    u += " " + word;
  }
  return u;
}

// The MI parameters: type, meaning and fixed values.
std::string params(const mi::Command& cmd) {
  std::string out;
  for (const auto& p : cmd.params) {
    std::string help = p.help + " (" + std::string(mi::param_type_name(p.type));
    if (!p.choices.empty()) {
      help += "; one of";
      for (const auto& c : p.choices) help += " " + c;
    }
    help += cmd.optional(p.name) ? "; optional)" : ")";
    out += man::entry(man::italic(upper(p.name)), help);
  }
  return out;
}

std::string command(const CLI::App& sub, const std::string& prefix, const mi::Registry& registry) {
  const std::string name = prefix + sub.get_name();
  const mi::Command* cmd = command_of(sub, prefix, registry);
  std::string term = man::bold(name);
  if (const std::string u = usage(sub, cmd); !u.empty()) term += " " + man::italic(u.substr(1));
  std::string help = sub.get_description();
  if (cmd) help += " (MI command " + cmd->name + ")";
  for (const auto& alias : sub.get_aliases()) help += "; alias: " + alias;
  std::string inner = cmd ? params(*cmd) : "";
  inner += man::options(sub, false, false);
  std::string out = man::entry(term, help);
  if (!inner.empty()) out += ".RS\n" + inner + ".RE\n";
  for (const CLI::App* child : sub.get_subcommands({}))
    if (!child->get_group().empty()) out += command(*child, name + " ", registry);
  return out;
}

}  // namespace

std::string man_commands(const CLI::App& app, const mi::Registry& registry) {
  std::string out;
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) out += command(*sub, "", registry);  // empty group: hidden
  return out;
}

std::string man_options(const CLI::App& app) { return man::options(app, false); }

ManPageCommand::ManPageCommand(CLI::App& app) {
  // Hidden (no group): only the build calls it.
  sub_ = app.add_subcommand("man-page", "the generated parts of nodectl(1)")->group("");
  sub_->add_option("part", part_, "commands or options")
      ->required()
      ->check(CLI::IsMember({"commands", "options"}));
}

int ManPageCommand::run(const CLI::App& app, const mi::Registry& registry) const {
  std::cout << (part_ == "commands" ? man_commands(app, registry) : man_options(app));
  return 0;
}

}  // namespace lc::nodectl
