// Roff (man(7)) fragments for the generated parts of the man pages: each
// program prints the reference of its own command line (`nodectl man-page`,
// `clusterd --man-page`, `cluster-gateway --man-page`) and man/merge.cmake
// puts it into the hand-written page of man/.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lc::man {

// Plain text as roff: backslashes and hyphens escaped, no line starting
// with a control character.
std::string escape(std::string_view text);
// A command-line word (option or command name) in bold.
std::string bold(std::string_view word);
std::string italic(std::string_view word);
// One tagged paragraph: `term` (already roff) over `body` (plain text).
std::string entry(std::string_view term, std::string_view body);

// The values an IsMember check allows, e.g. {"table", "json"} (CLI11 shows
// them in the type name, "TEXT:{table,json}"); empty without one. Also used
// by nodectl's completion scripts.
std::vector<std::string> option_choices(const CLI::Option& opt);

// "-s, --socket FILE" in roff, for an option of a CLI11 app.
std::string option_term(const CLI::Option& opt);
// An option's help, its choices, default and environment variable.
std::string option_help(const CLI::Option& opt);
// Every visible option of `app` as tagged paragraphs, under a .SS heading
// per option group when `by_group`; without --help when not `with_help`.
std::string options(const CLI::App& app, bool by_group, bool with_help = true);

}  // namespace lc::man
