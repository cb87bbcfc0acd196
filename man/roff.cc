#include "roff.h"

namespace lc::man {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else if (c == '\n') out += "\n";
    else out += c;
    // A line starting with . or ' would be a request.
    if ((c == '.' || c == '\'') && (out.size() == 1 || out[out.size() - 2] == '\n'))
      out.insert(out.size() - 1, "\\&");
  }
  return out;
}

std::string bold(std::string_view word) { return "\\fB" + escape(word) + "\\fR"; }
std::string italic(std::string_view word) { return "\\fI" + escape(word) + "\\fR"; }

std::string entry(std::string_view term, std::string_view body) {
  return ".TP\n" + std::string(term) + "\n" + escape(body) + "\n";
}

namespace {

// CLI11's type name, e.g. "TEXT:{table,json}", as the value's placeholder.
std::string value_name(const CLI::Option& opt) {
  std::string type = opt.get_type_name();
  if (auto colon = type.find(':'); colon != std::string::npos) type = type.substr(0, colon);
  return type.empty() ? "VALUE" : type;
}

}  // namespace

std::vector<std::string> option_choices(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  auto open = type.find('{');
  auto close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  std::vector<std::string> words(1);
  for (char c : type.substr(open + 1, close - open - 1)) {
    if (c == ',')
      words.emplace_back();
    else
      words.back() += c;
  }
  return words;
}

std::string option_term(const CLI::Option& opt) {
  std::string term;
  for (const auto& s : opt.get_snames()) term += (term.empty() ? "" : ", ") + bold("-" + s);
  for (const auto& l : opt.get_lnames()) term += (term.empty() ? "" : ", ") + bold("--" + l);
  if (opt.get_expected_max() > 0) term += " " + italic(value_name(opt));
  return term;
}

std::string option_help(const CLI::Option& opt) {
  std::string help = opt.get_description();
  if (auto c = option_choices(opt); !c.empty()) {
    help += " (one of";
    for (const auto& word : c) help += " " + word;
    help += ")";
  }
  if (!opt.get_default_str().empty()) help += " (default: " + opt.get_default_str() + ")";
  if (!opt.get_envname().empty()) help += " (environment: " + opt.get_envname() + ")";
  return help;
}

std::string options(const CLI::App& app, bool by_group, bool with_help) {
  std::string out;
  std::string group;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() || opt->get_group().empty()) continue;  // hidden
    if (!with_help && opt == app.get_help_ptr()) continue;
    if (by_group && opt->get_group() != group) {
      group = opt->get_group();
      out += ".SS " + escape(group) + "\n";
    }
    out += entry(option_term(*opt), option_help(*opt));
  }
  return out;
}

}  // namespace lc::man
