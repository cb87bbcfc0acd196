#include "node/config_toml.h"

#include <cstdint>
#include <map>
#include <optional>

namespace lc::node::detail {

namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Appends code point `cp` as UTF-8; false if it is not a Unicode scalar.
bool append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return true;
}

// A cursor over the whole text: arrays may span lines, so the reader is not
// line-based. Each read_* returns false after recording the first error.
class TomlReader {
 public:
  explicit TomlReader(std::string_view text) : text_(text) {}

  Expected<std::vector<TomlEntry>, std::string> read_all() {
    std::vector<TomlEntry> entries;
    std::map<std::string, int, std::less<>> first_line;
    while (skip_to_next_statement()) {
      TomlEntry e;
      if (!read_entry(e)) return unexpected(error_);
      auto [it, inserted] = first_line.emplace(e.key, e.line);
      if (!inserted)
        return unexpected("line " + std::to_string(e.line) + ": key \"" + e.key +
                          "\" is already set on line " + std::to_string(it->second));
      entries.push_back(std::move(e));
    }
    if (!error_.empty()) return unexpected(error_);
    return entries;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  // Errors inside a value also name the key.
  bool fail(const std::string& problem) {
    if (error_.empty())
      error_ = "line " + std::to_string(line_) + ": " + (key_.empty() ? "" : key_ + ": ") + problem;
    return false;
  }

  void skip_blanks() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }
  void skip_comment() {
    if (peek() != '#') return;
    while (!at_end() && peek() != '\n') ++pos_;
  }
  bool skip_newline() {
    if (peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    if (peek() != '\n') return false;
    ++pos_;
    ++line_;
    return true;
  }
  // Blank lines and comments, as allowed between array elements.
  void skip_space_and_comments() {
    for (;;) {
      skip_blanks();
      skip_comment();
      if (!skip_newline()) return;
    }
  }
  // Moves to the start of the next key; false at the end of the text.
  bool skip_to_next_statement() {
    skip_space_and_comments();
    return !at_end() && error_.empty();
  }
  // After a value only a comment may follow on the same line.
  bool expect_line_end() {
    skip_blanks();
    skip_comment();
    if (at_end() || skip_newline()) return true;
    return fail("unexpected text after the value (one key = value per line)");
  }

  bool read_entry(TomlEntry& e) {
    e.line = line_;
    key_.clear();
    if (peek() == '[') return fail("tables ([section]) are not supported: every key is top-level");
    if (!read_key(e.key)) return false;
    key_ = e.key;
    skip_blanks();
    if (peek() != '=') return fail("expected '=' after the key");
    ++pos_;
    skip_blanks();
    if (peek() == '[') {
      e.array = true;
      if (!read_array(e.values)) return false;
    } else {
      std::string v;
      if (!read_scalar(v)) return false;
      e.values.push_back(std::move(v));
    }
    return expect_line_end();
  }

  bool read_key(std::string& key) {
    std::size_t start = pos_;
    while (is_bare_key_char(peek())) ++pos_;
    key = std::string(text_.substr(start, pos_ - start));
    if (key.empty()) return fail("expected a key (letters, digits, '_' or '-')");
    if (peek() == '.') return fail("dotted keys are not supported: every key is top-level");
    return true;
  }

  bool read_array(std::vector<std::string>& values) {
    ++pos_;  // '['
    for (;;) {
      skip_space_and_comments();
      if (at_end()) return fail("unterminated array (missing ']')");
      if (peek() == ']') break;
      std::string v;
      if (peek() == '[') return fail("nested arrays are not supported");
      if (!read_scalar(v)) return false;
      values.push_back(std::move(v));
      skip_space_and_comments();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ']') return fail("expected ',' or ']' in the array");
      break;
    }
    ++pos_;  // ']'
    return true;
  }

  bool read_scalar(std::string& out) {
    if (text_.substr(pos_).starts_with("\"\"\"") || text_.substr(pos_).starts_with("'''"))
      return fail("multi-line strings are not supported");
    if (peek() == '"') return read_basic_string(out);
    if (peek() == '\'') return read_literal_string(out);
    return read_bare(out);
  }

  bool read_literal_string(std::string& out) {
    ++pos_;
    while (!at_end() && peek() != '\'' && peek() != '\n') out += text_[pos_++];
    if (peek() != '\'') return fail("unterminated string");
    ++pos_;
    return true;
  }

  bool read_basic_string(std::string& out) {
    ++pos_;
    while (!at_end() && peek() != '"' && peek() != '\n') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (!read_escape(out)) return false;
      } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
        return fail("control character in a string (escape it)");
      } else {
        out += c;
      }
    }
    if (peek() != '"') return fail("unterminated string");
    ++pos_;
    return true;
  }

  bool read_escape(std::string& out) {
    char c = peek();
    ++pos_;
    switch (c) {
      case 'b': out += '\b'; return true;
      case 't': out += '\t'; return true;
      case 'n': out += '\n'; return true;
      case 'f': out += '\f'; return true;
      case 'r': out += '\r'; return true;
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case 'u': return read_unicode_escape(out, 4);
      case 'U': return read_unicode_escape(out, 8);
      default: return fail(std::string("unknown escape \\") + c);
    }
  }

  bool read_unicode_escape(std::string& out, int digits) {
    uint32_t cp = 0;
    for (int i = 0; i < digits; ++i) {
      char c = peek();
      int v = is_digit(c)              ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (v < 0) return fail("bad unicode escape");
      cp = cp * 16 + static_cast<uint32_t>(v);
      ++pos_;
    }
    return append_utf8(out, cp) || fail("bad unicode escape");
  }

  // Integers (decimal, '_' between digits allowed) and booleans.
  bool read_bare(std::string& out) {
    std::size_t start = pos_;
    while (!at_end() &&
           (is_bare_key_char(peek()) || peek() == '+' || peek() == '.' || peek() == ':'))
      ++pos_;
    std::string_view tok = text_.substr(start, pos_ - start);
    if (tok == "true" || tok == "false") {
      out = std::string(tok);
      return true;
    }
    if (!read_integer(tok, out))
      return fail(tok.empty() ? "expected a value"
                              : "bad value " + std::string(tok) +
                                    " (strings need quotes; numbers are decimal integers)");
    return true;
  }

  static bool read_integer(std::string_view tok, std::string& out) {
    std::size_t i = 0;
    if (!tok.empty() && (tok[0] == '+' || tok[0] == '-')) out += tok[i++];
    bool prev_digit = false;
    for (; i < tok.size(); ++i) {
      if (is_digit(tok[i])) {
        out += tok[i];
        prev_digit = true;
      } else if (tok[i] == '_' && prev_digit && i + 1 < tok.size() && is_digit(tok[i + 1])) {
        prev_digit = false;
      } else {
        return false;
      }
    }
    return prev_digit;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::string key_;  // of the entry being read
  std::string error_;
};

}  // namespace

Expected<std::vector<TomlEntry>, std::string> parse_toml(std::string_view text) {
  return TomlReader(text).read_all();
}

std::string toml_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace lc::node::detail
