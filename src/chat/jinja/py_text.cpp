#include "chat/jinja/py_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/jinja/error.hpp"

namespace sovra::chat::jinja {
namespace {

constexpr int kMaxDumpDepth = 256;

std::size_t utf8_seq_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

// Decodes the code point at s[i]; sets len. Invalid sequences decode as the single byte.
std::uint32_t decode_at(std::string_view s, std::size_t i, std::size_t& len) {
  const auto c = static_cast<unsigned char>(s[i]);
  len = utf8_seq_len(c);
  if (len == 1 || i + len > s.size()) {
    len = 1;
    return c;
  }
  std::uint32_t cp = c & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      len = 1;
      return c;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  return cp;
}

void append_hex4(std::string& out, unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", v);
  out += buf;
}

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || (ensure_ascii && c == 0x7F)) {
      append_hex4(out, c);
      ++i;
      continue;
    }
    if (c < 0x80 || !ensure_ascii) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = decode_at(s, i, len);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_hex4(out, 0xD800 + (cp >> 10));
      append_hex4(out, 0xDC00 + (cp & 0x3FF));
    } else {
      append_hex4(out, cp);
    }
  }
  out += '"';
}

// json.dumps turns non-string keys into strings.
std::string json_key(const Value& k) {
  switch (k.kind()) {
    case Kind::kString: return k.as_string();
    case Kind::kBool: return k.as_bool() ? "true" : "false";
    case Kind::kNone: return "null";
    case Kind::kInt: return std::to_string(k.as_int());
    case Kind::kFloat: return float_repr(k.as_float());
    default: throw_type("keys must be str, int, float, bool or None, not " + k.type_name());
  }
}

void dump(std::string& out, const Value& v, const JsonDumpOptions& o, int depth) {
  if (depth > kMaxDumpDepth) throw JinjaError(ErrorKind::kLimit, "tojson: value nested too deeply");
  auto newline = [&](int level) {
    out += '\n';
    for (int k = 0; k < level; ++k) out += o.indent;
  };
  switch (v.kind()) {
    case Kind::kNone: out += "null"; return;
    case Kind::kBool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::kInt: out += std::to_string(v.as_int()); return;
    case Kind::kFloat: {
      const double d = v.as_float();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else out += float_repr(d);
      return;
    }
    case Kind::kString: append_json_string(out, v.as_string(), o.ensure_ascii); return;
    case Kind::kList: {
      if (v.as_list().generator) throw_type("Object of type generator is not JSON serializable");
      const auto& items = v.as_list().items;
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += o.item_separator;
        if (o.has_indent) newline(depth + 1);
        dump(out, items[i], o, depth + 1);
      }
      if (o.has_indent) newline(depth);
      out += ']';
      return;
    }
    case Kind::kDict: {
      if (v.as_dict().is_namespace) throw_type("Object of type Namespace is not JSON serializable");
      std::vector<const std::pair<Value, Value>*> items;
      for (const auto& kv : v.as_dict().items) items.push_back(&kv);
      if (items.empty()) {
        out += "{}";
        return;
      }
      if (o.sort_keys) {
        std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return json_key(a->first) < json_key(b->first); });
      }
      out += '{';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += o.item_separator;
        if (o.has_indent) newline(depth + 1);
        append_json_string(out, json_key(items[i]->first), o.ensure_ascii);
        out += o.key_separator;
        dump(out, items[i]->second, o, depth + 1);
      }
      if (o.has_indent) newline(depth);
      out += '}';
      return;
    }
    case Kind::kUndefined: throw_type("Object of type Undefined is not JSON serializable");
    case Kind::kCallable: throw_type("Object of type function is not JSON serializable");
  }
}

void append_repr_depth(std::string& out, const Value& v, int depth);

void append_str_depth(std::string& out, const Value& v, int depth) {
  switch (v.kind()) {
    case Kind::kUndefined: return;
    case Kind::kString: out += v.as_string(); return;
    default: append_repr_depth(out, v, depth);
  }
}

void append_repr_depth(std::string& out, const Value& v, int depth) {
  if (depth > kMaxDumpDepth) throw JinjaError(ErrorKind::kLimit, "value nested too deeply to print");
  switch (v.kind()) {
    case Kind::kUndefined: return;
    case Kind::kNone: out += "None"; return;
    case Kind::kBool: out += v.as_bool() ? "True" : "False"; return;
    case Kind::kInt: out += std::to_string(v.as_int()); return;
    case Kind::kFloat: out += float_repr(v.as_float()); return;
    case Kind::kString: out += repr_string(v.as_string()); return;
    case Kind::kList: {
      if (v.as_list().generator) {
        out += "<generator object>";
        return;
      }
      const bool tuple = v.as_list().tuple;
      out += tuple ? '(' : '[';
      bool first = true;
      for (const auto& e : v.as_list().items) {
        if (!first) out += ", ";
        first = false;
        append_repr_depth(out, e, depth + 1);
      }
      if (tuple && v.as_list().items.size() == 1) out += ',';
      out += tuple ? ')' : ']';
      return;
    }
    case Kind::kDict: {
      if (v.as_dict().is_namespace) {
        out += "<Namespace>";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.as_dict().items) {
        if (!first) out += ", ";
        first = false;
        append_repr_depth(out, k, depth + 1);
        out += ": ";
        append_repr_depth(out, e, depth + 1);
      }
      out += '}';
      return;
    }
    case Kind::kCallable: out += "<function " + v.as_callable().name + ">"; return;
  }
}

}  // namespace

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const auto e = sci.find('e');
  std::string mant = sci.substr(0, e);
  const int exp = std::stoi(sci.substr(e + 1));
  std::string sign;
  if (!mant.empty() && mant[0] == '-') {
    sign = "-";
    mant.erase(0, 1);
  }
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  if (exp < -4 || exp >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + eb;
  }
  std::string out = sign;
  if (exp < 0) {
    out += "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  } else {
    const auto int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return out;
}

std::string repr_string(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

void append_str(std::string& out, const Value& v) { append_str_depth(out, v, 0); }

std::string to_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string out;
  append_str(out, v);
  return out;
}

void append_repr(std::string& out, const Value& v) { append_repr_depth(out, v, 0); }

std::string json_dumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  dump(out, v, options, 0);
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    std::size_t len = 0;
    decode_at(s, i, len);
    i += len;
  }
  return n;
}

std::vector<std::size_t> utf8_offsets(std::string_view s) {
  std::vector<std::size_t> offs;
  offs.reserve(s.size() + 1);
  for (std::size_t i = 0; i < s.size();) {
    offs.push_back(i);
    std::size_t len = 0;
    decode_at(s, i, len);
    i += len;
  }
  offs.push_back(s.size());
  return offs;
}

}  // namespace sovra::chat::jinja
