#include "config_file.h"

#include <iterator>
#include <memory>

#include "node/config_toml.h"

namespace lc::gateway {
namespace {

class TomlReader final : public CLI::Config {
 public:
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return {}; }

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
    auto entries = node::detail::parse_toml(text);
    if (!entries) throw CLI::FileError("--config: " + entries.error());
    std::vector<CLI::ConfigItem> items;
    for (auto& e : *entries) {
      if (e.values.empty()) continue;
      CLI::ConfigItem item;
      item.name = e.key;
      item.inputs = std::move(e.values);
      items.push_back(std::move(item));
    }
    return items;
  }
};

}  // namespace

void use_toml_config(CLI::App& app) {
  app.config_formatter(std::make_shared<TomlReader>());
  app.set_config("--config", "", "TOML file with any of these options (flag names as keys)");
  app.allow_config_extras(CLI::config_extras_mode::error);
}

}  // namespace lc::gateway
