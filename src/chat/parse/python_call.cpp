#include "chat/parse/python_call.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>

#include "common/json.hpp"

namespace sovra::chat {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return i_ == s_.size();
  }
  std::optional<std::string> identifier() {
    skip_space();
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
    if (i_ == start || std::isdigit(static_cast<unsigned char>(s_[start]))) {
      i_ = start;
      return std::nullopt;
    }
    return std::string(s_.substr(start, i_ - start));
  }
  std::optional<boost::json::value> literal() {
    skip_space();
    if (i_ >= s_.size()) return std::nullopt;
    const char q = s_[i_];
    if (q == '"' || q == '\'') return string_literal(q);
    if (auto id = identifier()) {
      if (*id == "True") return boost::json::value(true);
      if (*id == "False") return boost::json::value(false);
      if (*id == "None") return boost::json::value(nullptr);
      return std::nullopt;
    }
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '-' ||
                              s_[i_] == '+' || s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
    }
    if (i_ == start) return std::nullopt;
    auto number = parse_json(s_.substr(start, i_ - start));
    if (!number || !number->is_number()) return std::nullopt;
    return std::move(*number);
  }

 private:
  std::optional<boost::json::value> string_literal(char quote) {
    std::string out;
    for (++i_; i_ < s_.size(); ++i_) {
      char c = s_[i_];
      if (c == quote) {
        ++i_;
        return boost::json::value(boost::json::string(out));
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        c = s_[++i_];
        switch (c) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          default:
            out += c;  // \\, \", \' and anything else: the character itself
        }
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<PythonCall> parse_python_call(std::string_view text) {
  Reader r(text);
  auto name = r.identifier();
  if (!name || !r.eat('.')) return std::nullopt;
  auto method = r.identifier();
  if (!method || *method != "call" || !r.eat('(')) return std::nullopt;
  boost::json::object args;
  if (!r.eat(')')) {
    for (;;) {
      auto key = r.identifier();
      if (!key || !r.eat('=')) return std::nullopt;
      auto value = r.literal();
      if (!value) return std::nullopt;
      args[*key] = std::move(*value);
      if (r.eat(')')) break;
      if (!r.eat(',')) return std::nullopt;
    }
  }
  if (!r.at_end()) return std::nullopt;
  return PythonCall{std::move(*name), boost::json::serialize(args)};
}

}  // namespace sovra::chat
