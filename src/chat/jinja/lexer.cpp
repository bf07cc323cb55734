#include "chat/jinja/lexer.hpp"

#include <cctype>
#include <cstdint>

#include "chat/jinja/error.hpp"

namespace sovra::chat::jinja {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string normalise_newlines(std::string_view src) {
  std::string out;
  out.reserve(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    if (src[i] == '\r') {
      out += '\n';
      if (i + 1 < src.size() && src[i + 1] == '\n') ++i;
    } else {
      out += src[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
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
}

class Lexer {
 public:
  explicit Lexer(std::string src) : src_(std::move(src)) {}

  std::vector<Token> run() {
    std::size_t pos = 0;
    bool strip_next = false;  // a `-` closed the previous tag: strip leading whitespace of the next text
    bool trim_next = false;   // trim_blocks: drop one newline at the start of the next text
    while (pos <= src_.size()) {
      const std::size_t open = find_open(pos);
      std::string text = src_.substr(pos, open - pos);
      bool line_starting = pos == 0;
      if (strip_next) {
        std::size_t k = 0;
        while (k < text.size() && is_space(text[k])) ++k;
        line_starting = k > 0 && text[k - 1] == '\n';
        text.erase(0, k);
      } else if (trim_next && !text.empty() && text[0] == '\n') {
        text.erase(0, 1);
        line_starting = true;
      }
      strip_next = trim_next = false;
      if (open >= src_.size()) {
        emit_text(std::move(text), pos);
        break;
      }
      const char kind = src_[open + 1];
      const char modifier = open + 2 < src_.size() ? src_[open + 2] : '\0';
      if (modifier == '-') {
        std::size_t end = text.size();
        while (end > 0 && is_space(text[end - 1])) --end;
        text.resize(end);
      } else if (kind != '{' && modifier != '+') {
        lstrip(text, line_starting);
      }
      emit_text(std::move(text), pos);
      line_ = line_at(open);
      std::size_t body = open + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
      if (kind == '#') {
        const std::size_t close = src_.find("#}", body);
        if (close == std::string::npos) throw JinjaError(ErrorKind::kSyntax, "unterminated comment", line_);
        strip_next = close > body && src_[close - 1] == '-';
        trim_next = !strip_next;
        pos = close + 2;
        continue;
      }
      if (kind == '%' && try_raw(body, pos, strip_next, trim_next)) continue;
      tokens_.push_back({kind == '{' ? TokenType::kVarBegin : TokenType::kBlockBegin, {}, line_});
      pos = lex_tag(body, kind == '{' ? '}' : '%', strip_next);
      trim_next = kind == '%' && !strip_next;
    }
    tokens_.push_back({TokenType::kEof, {}, line_});
    return std::move(tokens_);
  }

 private:
  std::size_t find_open(std::size_t from) const {
    std::size_t p = from;
    while (true) {
      p = src_.find('{', p);
      if (p == std::string::npos || p + 1 >= src_.size()) return src_.size();
      const char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      ++p;
    }
  }

  int line_at(std::size_t offset) {
    while (counted_ < offset && counted_ < src_.size()) {
      if (src_[counted_] == '\n') ++counted_line_;
      ++counted_;
    }
    return counted_line_;
  }

  // lstrip_blocks: drop whitespace between the line start and the tag when nothing else precedes it there.
  static void lstrip(std::string& text, bool line_starting) {
    const std::size_t nl = text.rfind('\n');
    const std::size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting) return;
    for (std::size_t k = l_pos; k < text.size(); ++k) {
      if (!is_space(text[k])) return;
    }
    text.resize(l_pos);
  }

  void emit_text(std::string text, std::size_t /*at*/) {
    if (!text.empty()) tokens_.push_back({TokenType::kText, std::move(text), line_});
  }

  bool try_raw(std::size_t body, std::size_t& pos, bool& strip_next, bool& trim_next) {
    std::size_t p = body;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0 || (p + 3 < src_.size() && is_name_char(src_[p + 3]))) return false;
    p += 3;
    while (p < src_.size() && is_space(src_[p])) ++p;
    const bool strip_body = p < src_.size() && src_[p] == '-';
    if (strip_body) ++p;
    if (src_.compare(p, 2, "%}") != 0) return false;
    p += 2;
    const std::size_t end = src_.find("endraw", p);
    if (end == std::string::npos) throw JinjaError(ErrorKind::kSyntax, "missing endraw", line_);
    std::size_t open = src_.rfind("{%", end);
    const std::size_t close = src_.find("%}", end);
    if (open == std::string::npos || open < p || close == std::string::npos) {
      throw JinjaError(ErrorKind::kSyntax, "malformed endraw", line_);
    }
    std::string text = src_.substr(p, open - p);
    if (strip_body) {  // `{% raw -%}`; trim_blocks does not apply after raw
      std::size_t k = 0;
      while (k < text.size() && is_space(text[k])) ++k;
      text.erase(0, k);
    }
    if (src_[open + 2] == '-') {  // `{%- endraw %}`
      std::size_t e = text.size();
      while (e > 0 && is_space(text[e - 1])) --e;
      text.resize(e);
    }
    emit_text(std::move(text), p);
    strip_next = src_[close - 1] == '-';
    trim_next = !strip_next;
    pos = close + 2;
    return true;
  }

  // Lexes the inside of a tag; returns the offset after its closing delimiter.
  std::size_t lex_tag(std::size_t p, char close_char, bool& strip_next) {
    int depth = 0;
    while (true) {
      while (p < src_.size() && is_space(src_[p])) {
        if (src_[p] == '\n') ++line_;
        ++p;
      }
      if (p >= src_.size()) throw JinjaError(ErrorKind::kSyntax, "unexpected end of template inside a tag", line_);
      if (depth == 0) {
        if (src_[p] == '-' && p + 2 < src_.size() && src_[p + 1] == close_char && src_[p + 2] == '}') {
          strip_next = true;
          push_end(close_char);
          return p + 3;
        }
        if (src_[p] == close_char && p + 1 < src_.size() && src_[p + 1] == '}') {
          strip_next = false;
          push_end(close_char);
          return p + 2;
        }
      }
      const char c = src_[p];
      if (is_name_start(c)) {
        std::size_t e = p;
        while (e < src_.size() && is_name_char(src_[e])) ++e;
        tokens_.push_back({TokenType::kName, src_.substr(p, e - p), line_});
        p = e;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        p = lex_number(p);
      } else if (c == '\'' || c == '"') {
        p = lex_string(p);
      } else {
        static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                           ">",  "=",  "(",  ")",  "[",  "]",  "{", "}", ",", ".", ":", "|"};
        bool matched = false;
        for (const char* op : kOps) {
          const std::size_t n = std::char_traits<char>::length(op);
          if (src_.compare(p, n, op) == 0) {
            if (op[0] == '(' || op[0] == '[' || op[0] == '{') ++depth;
            if ((op[0] == ')' || op[0] == ']' || op[0] == '}') && depth > 0) --depth;
            tokens_.push_back({TokenType::kOp, op, line_});
            p += n;
            matched = true;
            break;
          }
        }
        if (!matched) {
          throw JinjaError(ErrorKind::kSyntax, std::string("unexpected char '") + c + "' in tag", line_);
        }
      }
    }
  }

  void push_end(char close_char) {
    tokens_.push_back({close_char == '}' ? TokenType::kVarEnd : TokenType::kBlockEnd, {}, line_});
  }

  std::size_t lex_number(std::size_t p) {
    std::size_t e = p;
    std::string digits;
    while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) {
      if (src_[e] != '_') digits += src_[e];
      ++e;
    }
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      digits += '.';
      ++e;
      while (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) digits += src_[e++];
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      std::size_t k = e + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && std::isdigit(static_cast<unsigned char>(src_[k]))) {
        is_float = true;
        digits += src_.substr(e, k - e);
        e = k;
        while (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) digits += src_[e++];
      }
    }
    tokens_.push_back({is_float ? TokenType::kFloat : TokenType::kInt, digits, line_});
    return e;
  }

  std::size_t lex_string(std::size_t p) {
    const char quote = src_[p];
    std::string value;
    std::size_t i = p + 1;
    const int start_line = line_;
    while (true) {
      if (i >= src_.size()) throw JinjaError(ErrorKind::kSyntax, "unterminated string", start_line);
      const char c = src_[i];
      if (c == quote) break;
      if (c == '\n') ++line_;
      if (c != '\\' || i + 1 >= src_.size()) {
        value += c;
        ++i;
        continue;
      }
      const char n = src_[i + 1];
      i += 2;
      switch (n) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case 'a': value += '\a'; break;
        case '0': value += '\0'; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case '\n': ++line_; break;
        case 'x':
        case 'u':
        case 'U': {
          const std::size_t len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          std::size_t k = 0;
          for (; k < len && i + k < src_.size() && std::isxdigit(static_cast<unsigned char>(src_[i + k])); ++k) {
            const char h = src_[i + k];
            cp = cp * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          }
          if (k != len || cp > 0x10FFFF) throw JinjaError(ErrorKind::kSyntax, "bad escape in string", line_);
          append_utf8(value, cp);
          i += len;
          break;
        }
        default:
          value += '\\';
          value += n;
      }
    }
    tokens_.push_back({TokenType::kString, std::move(value), start_line});
    return i + 1;
  }

  std::string src_;
  std::vector<Token> tokens_;
  int line_ = 1;
  std::size_t counted_ = 0;
  int counted_line_ = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(normalise_newlines(source)).run(); }

}  // namespace sovra::chat::jinja
