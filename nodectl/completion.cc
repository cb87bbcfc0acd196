#include "completion.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "man/roff.h"

namespace lc::nodectl {

// The templates of completions/, compiled in (completions/CMakeLists.txt).
std::string_view completion_template_bash();
std::string_view completion_template_zsh();
std::string_view completion_template_fish();

namespace {

// The completion data: "KIND|PATH[|WORD]" → value spec (see nodectl.bash.in),
// plus "help|PATH|WORD" → the one-line description zsh and fish show beside
// a subcommand or an option.
using Table = std::vector<std::pair<std::string, std::string>>;

// Options whose value is a path.
const std::set<std::string> kFileOptions = {"socket", "config"};
// Options that choose the node, passed on when the script asks it for values.
const std::set<std::string> kConnOptions = {"socket", "url"};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Values of a parameter or positional known by its name alone: the node's
// ids and names, and the MI commands themselves.
std::vector<std::string> values_by_name(std::string_view name, const mi::Registry& registry) {
  if (name == "cluster_id") return {"@clusters"};
  if (name == "node_id" || name == "destination" || name == "dst_id") return {"@nodes"};
  if (name == "tag") return {"@tags"};
  if (name == "capability") return {"@caps"};
  if (name == "cmd_name" || name == "mi_cmd" || name == "command" || name == "method") {
    std::vector<std::string> names;
    for (const auto& c : registry.commands()) names.push_back(c.name);
    return names;
  }
  return {};
}

std::vector<std::string> option_names(const CLI::Option& opt) {
  std::vector<std::string> names;
  for (const auto& s : opt.get_snames()) names.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) names.push_back("--" + l);
  return names;
}

// The first line of a help text.
std::string one_line(const std::string& text) { return text.substr(0, text.find('\n')); }

void add_options(const CLI::App& app, const std::string& path, Table& t) {
  std::vector<std::string> all;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional()) continue;
    auto names = option_names(*opt);
    all.insert(all.end(), names.begin(), names.end());
    if (!opt->get_description().empty())
      for (const auto& n : names) t.emplace_back("help|" + path + "|" + n, one_line(opt->get_description()));
    if (opt->get_expected_max() == 0) continue;  // a flag
    const auto& lnames = opt->get_lnames();
    const bool file = !lnames.empty() && kFileOptions.count(lnames.front());
    const std::string spec = file ? "@files" : join(man::option_choices(*opt));
    for (const auto& n : names) t.emplace_back("val|" + path + "|" + n, spec);
  }
  if (!all.empty()) t.emplace_back("opts|" + path, join(all));
}

void add_words(std::vector<std::string>& into, const std::vector<std::string>& words) {
  for (const auto& w : words)
    if (std::find(into.begin(), into.end(), w) == into.end()) into.push_back(w);
}

std::vector<std::string> param_values(const mi::Command& cmd, const std::string& name,
                                      const mi::Registry& registry) {
  const mi::Param* p = cmd.param(name);
  return p && !p->choices.empty() ? p->choices : values_by_name(name, registry);
}

// An MI command's positionals: at each position, the values of whichever
// parameter some recipe puts there (set_status: a node id or the status).
void add_command_positionals(const mi::Command& cmd, const std::string& path,
                             const mi::Registry& registry, Table& t) {
  std::vector<std::vector<std::string>> at;
  std::vector<std::string> rest;
  for (const auto& recipe : cmd.recipes) {
    if (at.size() < recipe.size()) at.resize(recipe.size());
    for (std::size_t i = 0; i < recipe.size(); ++i) {
      add_words(at[i], param_values(cmd, recipe[i], registry));
      if (cmd.param(recipe[i])->type == mi::ParamType::kArray)
        add_words(rest, param_values(cmd, recipe[i], registry));
    }
  }
  for (std::size_t i = 0; i < at.size(); ++i)
    if (!at[i].empty()) t.emplace_back("pos|" + path + "|" + std::to_string(i), join(at[i]));
  if (!rest.empty()) t.emplace_back("pos|" + path + "|+", join(rest));
}

// A hand-written subcommand's positionals, by their names and checks.
void add_cli_positionals(const CLI::App& app, const std::string& path,
                         const mi::Registry& registry, Table& t) {
  std::size_t i = 0;
  for (const CLI::Option* opt : app.get_options()) {
    if (!opt->get_positional()) continue;
    auto values = man::option_choices(*opt);
    add_words(values, values_by_name(opt->get_name(), registry));
    const bool repeats = opt->get_items_expected_max() > 1;
    if (!values.empty())
      t.emplace_back("pos|" + path + "|" + (repeats ? "+" : std::to_string(i)), join(values));
    ++i;
  }
}

void walk(const CLI::App& app, const std::string& path, const mi::Registry& registry, Table& t) {
  add_options(app, path, t);
  const mi::Command* cmd = nullptr;
  if (path.find(' ') == std::string::npos)
    for (const auto& c : registry.commands())
      if (c.cli_name == path) cmd = &c;
  if (cmd)
    add_command_positionals(*cmd, path, registry, t);
  else
    add_cli_positionals(app, path, registry, t);

  std::vector<std::string> subs;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden
    const std::string name = sub->get_name();
    const std::string help = one_line(sub->get_description());
    subs.push_back(name);
    t.emplace_back("sub|" + path + "|" + name, name);
    if (!help.empty()) t.emplace_back("help|" + path + "|" + name, help);
    for (const auto& alias : sub->get_aliases()) {
      subs.push_back(alias);
      t.emplace_back("sub|" + path + "|" + alias, name);
      t.emplace_back("help|" + path + "|" + alias, "alias of " + name);
    }
    walk(*sub, path.empty() ? name : path + " " + name, registry, t);
  }
  if (!subs.empty()) t.emplace_back("subs|" + path, join(subs));
}

std::string conn_options(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options())
    if (!opt->get_lnames().empty() && kConnOptions.count(opt->get_lnames().front()))
      add_words(names, option_names(*opt));
  return join(names);
}

// `text` inside single quotes of `shell` (zsh: '\'' for a quote; fish: \'
// and \\).
std::string single_quoted(std::string_view text, std::string_view shell) {
  std::string out;
  for (char c : text) {
    if (c == '\'')
      out += shell == "zsh" ? "'\\''" : "\\'";
    else if (c == '\\' && shell == "fish")
      out += "\\\\";
    else
      out += c;
  }
  return "'" + out + "'";
}

// Every entry as the shell's source text. Keys and values are names and
// words, which need no quoting in bash's double quotes; descriptions (free
// text) go to zsh and fish only, single-quoted.
std::string render(const Table& t, std::string_view shell) {
  std::string out;
  for (const auto& [key, value] : t) {
    if (shell == "bash") {
      if (key.starts_with("help|")) continue;  // bash shows no descriptions
      out += "    [\"" + key + "\"]=\"" + value + "\"\n";
    } else if (shell == "zsh") {
      out += "    '" + key + "' " + single_quoted(value, shell) + "\n";
    } else {
      out += "        case '" + key + "'\n            echo " + single_quoted(value, shell) + "\n";
    }
  }
  if (!out.empty()) out.pop_back();  // the template has the line break
  return out;
}

void replace(std::string& text, std::string_view placeholder, const std::string& value) {
  for (auto at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size()))
    text.replace(at, placeholder.size(), value);
}

std::optional<std::string_view> template_of(std::string_view shell) {
  if (shell == "bash") return completion_template_bash();
  if (shell == "zsh") return completion_template_zsh();
  if (shell == "fish") return completion_template_fish();
  return std::nullopt;
}

std::optional<Json> call_quietly(Connection& c, const std::string& method) {
  std::string err;
  auto res = c.call(make_request(method, Json()), &err);
  if (!res || !res->contains("result")) return std::nullopt;
  return (*res)["result"];
}

// The values of one kind in an answer of the node; node ids, tags and
// capabilities of cluster `cluster` only, unless it is 0.
std::set<std::string> values_in(std::string_view kind, const Json& result, int cluster) {
  std::set<std::string> values;
  if (kind == "tags") {
    for (const auto& t : result)
      if (cluster == 0 || t["Cluster"] == cluster)
        values.insert(t["Tag"].get<std::string>() + "/" + t["Cluster"].dump());
    return values;
  }
  for (const auto& cl : result["Clusters"]) {
    if (kind == "clusters") values.insert(cl["cluster_id"].dump());
    if (cluster != 0 && cl["cluster_id"] != cluster) continue;
    if (kind == "nodes")
      for (const auto& n : cl.value("Nodes", Json::array())) values.insert(n["node_id"].dump());
    if (kind == "caps")
      for (const auto& c : cl.value("Capabilities", Json::array()))
        values.insert(c["name"].get<std::string>());
  }
  return values;
}

std::string method_of(std::string_view kind) {
  if (kind == "tags") return "clusterer_list_shtags";
  if (kind == "caps") return "clusterer_list_cap";
  return "clusterer_list";
}

}  // namespace

std::string completion_script(const CLI::App& app, const mi::Registry& registry,
                              std::string_view shell) {
  auto tmpl = template_of(shell);
  if (!tmpl) return {};
  Table t;
  walk(app, "", registry, t);
  std::string text(*tmpl);
  replace(text, "@DATA@", render(t, shell));
  replace(text, "@CONN_OPTS@", conn_options(app));
  return text;
}

bool print_live_values(const Target& target, std::string_view kind, int cluster) {
  std::string err;
  auto c = Connection::open(target, &err);
  if (!c) return false;
  auto result = call_quietly(*c, method_of(kind));
  if (!result) return false;
  try {
    for (const auto& v : values_in(kind, *result, cluster)) std::cout << v << "\n";
  } catch (const Json::exception&) {
    return false;  // an answer of another shape: no values rather than an error
  }
  return true;
}

CompletionCommand::CompletionCommand(CLI::App& app) {
  script_ = app.add_subcommand("completion", "print the shell completion script: completion bash|zsh|fish");
  script_->add_option("shell", shell_, "the shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  // Hidden (no group): only the completion scripts call it.
  values_ = app.add_subcommand("completion-values", "live values for the completion scripts")->group("");
  values_->add_option("kind", kind_, "clusters, nodes, tags or caps")
      ->required()
      ->check(CLI::IsMember({"clusters", "nodes", "tags", "caps"}));
  values_->add_option("cluster", cluster_, "only the values of this cluster (not for clusters)")
      ->check(CLI::PositiveNumber);
}

bool CompletionCommand::parsed() const { return script_->parsed() || values_->parsed(); }

int CompletionCommand::run(const CLI::App& app, const mi::Registry& registry,
                           const Target& target) const {
  if (values_->parsed()) return print_live_values(target, kind_, kind_ == "clusters" ? 0 : cluster_) ? 0 : 1;
  std::cout << completion_script(app, registry, shell_);
  return 0;
}

}  // namespace lc::nodectl
