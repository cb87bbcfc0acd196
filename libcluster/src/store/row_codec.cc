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

Expected<Row, std::string> decode_row(const std::vector<Value>& values, const TableNames& n) {
  if (values.size() != kColumns)
    return unexpected("expected " + std::to_string(kColumns) + " columns, got " +
                      std::to_string(values.size()));
  Row row;
  // Columns in OpenSIPS's order, each checked as OpenSIPS does (§4.1).
  struct IntColumn {
    size_t index;
    int64_t* field;
    const std::string* name;
  };
  const IntColumn ints[] = {{0, &row.id, &n.id},
                            {1, &row.cluster_id, &n.cluster_id},
                            {2, &row.node_id, &n.node_id},
                            {4, &row.state, &n.state},
                            {5, &row.no_ping_retries, &n.no_ping_retries},
                            {6, &row.priority, &n.priority}};
  for (const auto& c : ints) {
    auto v = decode_int(values[c.index], *c.name);
    if (!v) return unexpected(v.error() + row_suffix(values));
    *c.field = *v;
  }
  auto url = decode_text(values[3], n.url);
  if (!url) return unexpected(url.error() + row_suffix(values));
  row.url = std::move(*url);
  struct StringColumn {
    size_t index;
    std::optional<std::string>* field;
    const std::string* name;
  };
  const StringColumn strings[] = {{7, &row.sip_addr, &n.sip_addr},
                                  {8, &row.flags, &n.flags},
                                  {9, &row.description, &n.description}};
  for (const auto& c : strings) {
    auto v = decode_nullable(values[c.index], *c.name);
    if (!v) return unexpected(v.error() + row_suffix(values));
    *c.field = std::move(*v);
  }
  return row;
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
