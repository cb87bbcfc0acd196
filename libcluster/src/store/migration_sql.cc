// Migration templates as text: which files, split into statements, with
// their placeholders filled in. No database access here.
#include <algorithm>
#include <cctype>

#include "migrations.h"
#include "sql_names.h"

namespace lc::store::detail {

namespace {

int64_t leading_number(std::string_view name) {
  int64_t n = 0;
  size_t i = 0;
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i)
    n = n * 10 + (name[i] - '0');
  return i > 0 && i < name.size() && name[i] == '_' ? n : 0;
}

// At sql[pos] == '$': the length of a dollar-quote tag ($$ or $name$), or 0.
size_t dollar_tag_length(std::string_view sql, size_t pos) {
  size_t i = pos + 1;
  while (i < sql.size() && (std::isalpha(static_cast<unsigned char>(sql[i])) || sql[i] == '_'))
    ++i;
  return i < sql.size() && sql[i] == '$' ? i - pos + 1 : 0;
}

// The index just past the quoted text that starts at sql[pos].
size_t skip_quoted(std::string_view sql, size_t pos) {
  const char quote = sql[pos];
  // A doubled quote ('it''s') reads as two adjacent quoted texts: same result.
  auto end = sql.find(quote, pos + 1);
  return end == std::string_view::npos ? sql.size() : end + 1;
}

size_t skip_dollar_quoted(std::string_view sql, size_t pos, size_t tag_length) {
  std::string_view tag = sql.substr(pos, tag_length);
  auto end = sql.find(tag, pos + tag_length);
  return end == std::string_view::npos ? sql.size() : end + tag_length;
}

std::string trimmed(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

std::vector<Migration> migrations_for(std::string_view backend) {
  std::vector<Migration> out;
  for (const auto& f : embedded_migration_files())
    if (f.backend == backend) out.push_back({leading_number(f.name), f.name, f.sql});
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.number < b.number; });
  return out;
}

std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  auto finish = [&] {
    if (auto s = trimmed(current); !s.empty()) out.push_back(std::move(s));
    current.clear();
  };
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '-' && sql.substr(i, 2) == "--") {
      i = std::min(sql.find('\n', i), sql.size());
    } else if (c == '/' && sql.substr(i, 2) == "/*") {
      auto end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
      current += ' ';
    } else if (c == '\'' || c == '"') {
      size_t end = skip_quoted(sql, i);
      current += sql.substr(i, end - i);
      i = end;
    } else if (size_t tag = c == '$' ? dollar_tag_length(sql, i) : 0; tag > 0) {
      size_t end = skip_dollar_quoted(sql, i, tag);
      current += sql.substr(i, end - i);
      i = end;
    } else if (c == ';') {
      finish();
      ++i;
    } else {
      current += c;
      ++i;
    }
  }
  finish();
  return out;
}

Placeholders placeholders_for(const TableNames& n) {
  Placeholders p;
  for (const auto& [setting, value] : named_settings(n)) {
    // The templates say {{table}} for db_table and {{<column>_col}} for the rest.
    const std::string key = setting == "db_table" ? "table" : std::string(setting);
    p.sql.emplace(key, quote_ident(*value));
    p.values.emplace(key + "_value", *value);
  }
  const std::string index = unique_index_name(n.table);
  p.sql.emplace("unique_index", quote_ident(index));
  p.values.emplace("unique_index_value", index);
  return p;
}

Expected<Rendered, std::string> render(std::string_view statement, const Placeholders& p,
                                       const Connection& conn) {
  Rendered out;
  std::map<std::string, int, std::less<>> param_of;  // value placeholder -> marker number
  size_t pos = 0;
  for (auto open = statement.find("{{"); open != std::string_view::npos;
       open = statement.find("{{", pos)) {
    auto close = statement.find("}}", open + 2);
    if (close == std::string_view::npos)
      return unexpected("unterminated placeholder at \"" +
                        std::string(statement.substr(open, 20)) + "\"");
    out.sql += statement.substr(pos, open - pos);
    std::string_view name = statement.substr(open + 2, close - open - 2);
    pos = close + 2;
    if (auto s = p.sql.find(name); s != p.sql.end()) {
      out.sql += s->second;
    } else if (auto v = p.values.find(name); v != p.values.end()) {
      auto [it, fresh] = param_of.try_emplace(v->first, static_cast<int>(out.params.size()) + 1);
      if (fresh) out.params.emplace_back(v->second);
      out.sql += conn.param(it->second);
    } else {
      return unexpected("unknown placeholder {{" + std::string(name) + "}}");
    }
  }
  out.sql += statement.substr(pos);
  return out;
}

}  // namespace lc::store::detail
