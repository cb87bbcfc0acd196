// Parameter binding and the §1.4 type coercions.
#include <cmath>
#include <limits>

#include "libcluster/mi/registry.h"

namespace lc::mi {

namespace {

constexpr int64_t kIntMin = std::numeric_limits<int32_t>::min();
constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();

// cJSON keeps every number as a double and saturates its int view.
int32_t saturate(double d) {
  if (std::isnan(d)) return 0;
  if (d >= static_cast<double>(kIntMax)) return static_cast<int32_t>(kIntMax);
  if (d <= static_cast<double>(kIntMin)) return static_cast<int32_t>(kIntMin);
  return static_cast<int32_t>(d);  // truncates towards zero
}

// Whole string: optional sign, then at least one decimal digit. No spaces.
std::optional<int32_t> parse_decimal(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > kIntMax + 1) return std::nullopt;  // out of range: not an int
  }
  if (negative) v = -v;
  if (v < kIntMin || v > kIntMax) return std::nullopt;
  return static_cast<int32_t>(v);
}

MiError missing_param() { return server_error("Failed to handle parameter"); }

}  // namespace

std::optional<int32_t> coerce_int(const Json& v) {
  if (v.is_number()) return saturate(v.get<double>());
  if (v.is_string()) return parse_decimal(v.get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<std::string> coerce_string(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return std::to_string(saturate(v.get<double>()));
  return std::nullopt;
}

Expected<std::vector<std::string>, MiError> array_strings(const Json& array,
                                                         std::string_view param) {
  std::vector<std::string> out;
  for (const auto& item : array) {
    auto s = coerce_string(item);
    if (!s) return unexpected(bad_array_item(param));
    out.push_back(std::move(*s));
  }
  return out;
}

void Params::bind(std::string name, const Json* value) {
  values_.emplace_back(std::move(name), value);
}

const Json* Params::find(std::string_view name) const {
  for (const auto& [n, v] : values_)
    if (n == name) return v;
  return nullptr;
}

bool Params::has(std::string_view name) const { return find(name) != nullptr; }

Expected<int32_t, MiError> Params::get_int(std::string_view name) const {
  const Json* v = find(name);
  if (!v) return unexpected(missing_param());
  auto i = coerce_int(*v);
  if (!i) return unexpected(bad_param_type(name));
  return *i;
}

Expected<std::string, MiError> Params::get_string(std::string_view name) const {
  const Json* v = find(name);
  if (!v) return unexpected(missing_param());
  auto s = coerce_string(*v);
  if (!s) return unexpected(bad_param_type(name));
  return std::move(*s);
}

Expected<const Json*, MiError> Params::get_array(std::string_view name) const {
  const Json* v = find(name);
  if (!v) return unexpected(missing_param());
  if (!v->is_array()) return unexpected(bad_param_type(name));
  return v;
}

}  // namespace lc::mi
