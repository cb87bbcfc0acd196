// Rows to and from database values: the §4.1 type/NULL check on the way in,
// RowFields to column assignments on the way out. Private to the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connection.h"
#include "libcluster/expected.h"
#include "libcluster/store/store.h"

namespace lc::store::detail {

// The ten values of quoted_column_list() order as a Row. Ints must be
// integers, url a non-NULL string, sip_addr/flags/description strings or
// NULL; otherwise "column <name> has a bad type" / "column <name> is null"
// with the configured name, plus "(row id N)" when the id is readable.
Expected<Row, std::string> decode_row(const std::vector<Value>& values, const TableNames& names);

// The same ten values decoded leniently, for nodectl's list/update/remove:
// every value that decode_row would refuse is reported in `bad` (with its
// raw text) instead of failing the row.
ListedRow decode_listed(const std::vector<Value>& values, const TableNames& names);

// One integer that must be a non-NULL integer (query A's cluster_id).
Expected<int64_t, std::string> decode_int(const Value& value, const std::string& column);

// The integer fields that do not fit the 32-bit INTEGER columns of
// schema.md §1 (PostgreSQL would refuse them, OpenSIPS would truncate them).
std::optional<std::string> fields_problem(const RowFields& fields, const TableNames& names);

// The set fields of `fields` as (column, value) pairs, in column order; an
// empty nullable string becomes NULL.
struct Assignment {
  const std::string* column = nullptr;
  Param value;
};
std::vector<Assignment> assignments(const RowFields& fields, const TableNames& names);

}  // namespace lc::store::detail
