#include "row_codec.h"

#include <cstdint>
#include <limits>

namespace lc::store::detail {

namespace {

constexpr size_t kColumns = 10;

std::string row_suffix(const std::vector<Value>& values) {
  if (values.empty() || values[0].kind != Value::Kind::kInteger) return "";
  return " (row id " + std::to_string(values[0].integer) + ")";
}

// A nullable string column: a string, or NULL.
Expected<std::optional<std::string>, std::string> decode_nullable(const Value& v,
                                                                  const std::string& column) {
  if (v.kind == Value::Kind::kNull) return std::optional<std::string>();
  if (v.kind != Value::Kind::kText) return unexpected("column " + column + " has a bad type");
  return std::optional<std::string>(v.text);
}

Expected<std::string, std::string> decode_text(const Value& v, const std::string& column) {
  if (v.kind == Value::Kind::kNull) return unexpected("column " + column + " is null");
  if (v.kind != Value::Kind::kText) return unexpected("column " + column + " has a bad type");
  return v.text;
}

bool fits_int32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
}

// A nullable column's new value: "" means NULL (RowFields' contract).
Param nullable_param(const std::string& s) {
  if (s.empty()) return std::monostate{};
  return s;
}

}  // namespace

Expected<int64_t, std::string> decode_int(const Value& v, const std::string& column) {
  if (v.kind == Value::Kind::kNull) return unexpected("column " + column + " is null");
  if (v.kind != Value::Kind::kInteger) return unexpected("column " + column + " has a bad type");
  return v.integer;
}

namespace {

// The value as text, for showing a bad one.
std::string raw_text(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      return "NULL";
    case Value::Kind::kInteger:
      return std::to_string(v.integer);
    case Value::Kind::kText:
      return v.text;
    case Value::Kind::kOther:
      break;
  }
  return v.text.empty() ? "(not an integer or a string)" : v.text;
}

// Each column of a row with where its value goes, in OpenSIPS's order.
struct Field {
  size_t index;
  const std::string* name;
  int64_t* integer = nullptr;                 // an integer column
  std::string* text = nullptr;                // url
  std::optional<std::string>* nullable = nullptr;  // sip_addr, flags, description
};

std::vector<Field> fields_of(Row& row, const TableNames& n) {
  return {{0, &n.id, &row.id},
          {1, &n.cluster_id, &row.cluster_id},
          {2, &n.node_id, &row.node_id},
          {3, &n.url, nullptr, &row.url},
          {4, &n.state, &row.state},
          {5, &n.no_ping_retries, &row.no_ping_retries},
          {6, &n.priority, &row.priority},
          {7, &n.sip_addr, nullptr, nullptr, &row.sip_addr},
          {8, &n.flags, nullptr, nullptr, &row.flags},
          {9, &n.description, nullptr, nullptr, &row.description}};
}

// Stores one value into its field; the §4.1 problem when it does not fit.
std::optional<std::string> store_value(const Field& f, const Value& v) {
  if (f.integer) {
    auto i = decode_int(v, *f.name);
    if (!i) return i.error();
    *f.integer = *i;
  } else if (f.text) {
    auto t = decode_text(v, *f.name);
    if (!t) return t.error();
    *f.text = std::move(*t);
  } else {
    auto t = decode_nullable(v, *f.name);
    if (!t) return t.error();
    *f.nullable = std::move(*t);
  }
  return std::nullopt;
}

}  // namespace

Expected<Row, std::string> decode_row(const std::vector<Value>& values, const TableNames& n) {
  if (values.size() != kColumns)
    return unexpected("expected " + std::to_string(kColumns) + " columns, got " +
                      std::to_string(values.size()));
  Row row;
  for (const auto& f : fields_of(row, n))
    if (auto problem = store_value(f, values[f.index]))
      return unexpected(*problem + row_suffix(values));
  return row;
}

ListedRow decode_listed(const std::vector<Value>& values, const TableNames& n) {
  ListedRow out;
  for (const auto& f : fields_of(out.row, n)) {
    if (f.index >= values.size()) break;
    if (auto problem = store_value(f, values[f.index]))
      out.bad.push_back(BadValue{*f.name, *problem, raw_text(values[f.index])});
  }
  return out;
}

std::optional<std::string> fields_problem(const RowFields& f, const TableNames& n) {
  const std::pair<const std::optional<int64_t>*, const std::string*> ints[] = {
      {&f.cluster_id, &n.cluster_id},
      {&f.node_id, &n.node_id},
      {&f.state, &n.state},
      {&f.no_ping_retries, &n.no_ping_retries},
      {&f.priority, &n.priority}};
  for (const auto& [value, column] : ints)
    if (*value && !fits_int32(**value))
      return *column + " " + std::to_string(**value) +
             " does not fit the 32-bit INTEGER column (-2147483648..2147483647)";
  return std::nullopt;
}

std::vector<Assignment> assignments(const RowFields& f, const TableNames& n) {
  std::vector<Assignment> out;
  out.reserve(9);  // no reallocation: GCC 12 misreads moved variants
  auto add = [&out](const std::string& column, Param value) {
    Assignment& a = out.emplace_back();
    a.column = &column;
    a.value = std::move(value);
  };
  if (f.cluster_id) add(n.cluster_id, *f.cluster_id);
  if (f.node_id) add(n.node_id, *f.node_id);
  if (f.url) add(n.url, *f.url);
  if (f.state) add(n.state, *f.state);
  if (f.no_ping_retries) add(n.no_ping_retries, *f.no_ping_retries);
  if (f.priority) add(n.priority, *f.priority);
  if (f.sip_addr) add(n.sip_addr, nullable_param(*f.sip_addr));
  if (f.flags) add(n.flags, nullable_param(*f.flags));
  if (f.description) add(n.description, nullable_param(*f.description));
  return out;
}

}  // namespace lc::store::detail
