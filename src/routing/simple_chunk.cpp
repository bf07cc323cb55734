// decode_simple_chat_chunk: the common shape of an OpenAI stream chunk decoded in one pass over its bytes, without a
// JSON tree. Anything it does not handle exactly as decode_chat_chunk_tree would (usage, logprobs, tool calls,
// "message", duplicate keys it reads, numbers it would have to convert, deep nesting, any syntax error) makes it
// give up with nullopt, and the caller decodes the chunk in full. fuzz/upstream_stream_fuzz.cpp checks that every
// chunk it does decode decodes the same in full.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_escape.hpp"
#include "routing/openai_wire.hpp"

namespace sovra::routing {
namespace {

constexpr int kMaxDepth = 32;  // parse_json allows 64; deeper skipped values go to the full decoder

class Scanner {
 public:
  explicit Scanner(std::string_view s) : p_(s.data()), end_(s.data() + s.size()) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  char peek() {
    ws();
    return p_ < end_ ? *p_ : '\0';
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }

  // A JSON string at the cursor, unescaped into `out` (nullptr: validated only). Strict as parse_json: no raw
  // control characters, valid escapes, paired surrogates, valid UTF-8.
  bool string(std::string* out) {
    if (!eat('"')) return false;
    if (out != nullptr) out->clear();
    while (p_ < end_) {
      const char* run = p_;
      p_ += json_plain_prefix(std::string_view(p_, static_cast<std::size_t>(end_ - p_)));
      if (out != nullptr) out->append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (!escape(out)) return false;
        continue;
      }
      if (!utf8(out)) return false;
    }
    return false;
  }

  // An object key: a view into the chunk when it has no escapes (all of OpenAI's do), else unescaped into a buffer.
  bool key(std::string_view& k) {
    const char* start = p_;
    ws();
    const char* open = p_;
    if (!string(nullptr)) return false;
    const std::string_view raw(open + 1, static_cast<std::size_t>(p_ - open - 2));
    if (raw.find('\\') == std::string_view::npos) {
      k = raw;
      return true;
    }
    p_ = start;
    if (!string(&key_)) return false;
    k = key_;
    return true;
  }

  // "null", "true" or "false" at the cursor.
  bool literal() {
    ws();
    if (p_ == end_) return false;
    return *p_ == 'f' ? word("false") : word(*p_ == 't' ? "true" : "null");
  }
  bool null() {
    ws();
    return word("null");
  }

  // A choice index: digits only (no sign, fraction or exponent), at most 1024.
  bool small_index(std::int32_t& v) {
    ws();
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0' && p_ + 1 < end_ && p_[1] >= '0' && p_[1] <= '9') return false;  // leading zero: invalid JSON
    std::int64_t n = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      n = n * 10 + (*p_++ - '0');
      if (n > 1024) return false;
    }
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    v = static_cast<std::int32_t>(n);
    return true;
  }

  // An object at the cursor: `member(slot)` reads the value of each member whose key is names[slot]; other members'
  // values are passed over (`depth`: the object's nesting). A key of `names` met twice makes it give up (a JSON
  // tree keeps one of them).
  template <std::size_t N, class Member>
  bool object(const std::array<std::string_view, N>& names, int depth, Member&& member) {
    static_assert(N <= 32);
    if (!eat('{')) return false;
    if (eat('}')) return true;
    std::uint32_t seen = 0;
    std::string_view k;
    do {
      if (!key(k) || !eat(':')) return false;
      std::size_t slot = 0;
      while (slot < N && names[slot] != k) ++slot;
      if (slot == N) {
        if (!skip(depth)) return false;
        continue;
      }
      if ((seen & (1u << slot)) != 0) return false;
      seen |= 1u << slot;
      if (!member(slot)) return false;
    } while (eat(','));
    return eat('}');
  }

  // Any JSON value, validated and passed over. Numbers with an exponent or more than 18 characters are left to the
  // full decoder (parse_json refuses those that overflow a double).
  bool skip(int depth) {
    if (depth > kMaxDepth) return false;
    switch (peek()) {
      case '"':
        return string(nullptr);
      case '{': {
        ++p_;
        if (eat('}')) return true;
        do {
          if (!string(nullptr) || !eat(':') || !skip(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      }
      case '[': {
        ++p_;
        if (eat(']')) return true;
        do {
          if (!skip(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      }
      case 'n':
      case 't':
      case 'f':
        return literal();
      default:
        return number();
    }
  }

 private:
  template <std::size_t N>
  bool word(const char (&w)[N]) {
    constexpr std::size_t n = N - 1;
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, w, n) != 0) return false;
    p_ += n;
    return true;
  }

  bool number() {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) return false;
    return p_ - start <= 18;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(std::uint32_t& u) {
    if (end_ - p_ < 4) return false;
    u = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(p_[i]);
      if (h < 0) return false;
      u = (u << 4) | static_cast<std::uint32_t>(h);
    }
    p_ += 4;
    return true;
  }

  static void put_utf8(std::string* out, std::uint32_t cp) {
    if (out == nullptr) return;
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // At a backslash.
  bool escape(std::string* out) {
    ++p_;
    if (p_ == end_) return false;
    const char e = *p_++;
    char plain = 0;
    switch (e) {
      case '"':
        plain = '"';
        break;
      case '\\':
        plain = '\\';
        break;
      case '/':
        plain = '/';
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u': {
        std::uint32_t u = 0;
        if (!hex4(u)) return false;
        if (u >= 0xDC00 && u <= 0xDFFF) return false;  // a low surrogate first
        if (u >= 0xD800 && u <= 0xDBFF) {
          std::uint32_t lo = 0;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
          p_ += 2;
          if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
          u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        put_utf8(out, u);
        return true;
      }
      default:
        return false;
    }
    if (out != nullptr) *out += plain;
    return true;
  }

  // At a byte >= 0x80: one well-formed UTF-8 sequence (no overlong forms, surrogates or code points past U+10FFFF).
  bool utf8(std::string* out) {
    const auto b0 = static_cast<unsigned char>(p_[0]);
    int n = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 2, min = 0x80, cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3, min = 0x800, cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return false;
    }
    if (end_ - p_ < n) return false;
    for (int i = 1; i < n; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (out != nullptr) out->append(p_, static_cast<std::size_t>(n));
    p_ += n;
    return true;
  }

  const char* p_;
  const char* end_;
  std::string key_;
};

// One delta object's fields.
bool scan_delta(Scanner& s, api::ChatDelta& d) {
  static constexpr std::array<std::string_view, 4> kNames{"content", "reasoning_content", "reasoning", "tool_calls"};
  std::optional<std::string> reasoning;
  const bool ok = s.object(kNames, 3, [&](std::size_t slot) {
    if (slot == 3) return s.null() || (s.eat('[') && s.eat(']'));  // only none: tool calls go to the full decoder
    if (s.peek() != '"') return s.skip(3);                         // not a string: ignored, as the full decoder does
    std::string value;
    if (!s.string(&value)) return false;
    (slot == 0 ? d.content : slot == 1 ? d.reasoning_content : reasoning) = std::move(value);
    return true;
  });
  if (!ok) return false;
  if (!d.reasoning_content && reasoning) d.reasoning_content = std::move(reasoning);
  return true;
}

std::optional<api::FinishReason> finish_reason_of(std::string_view s) {
  if (s == "length") return api::FinishReason::kLength;
  if (s == "tool_calls" || s == "function_call") return api::FinishReason::kToolCalls;
  if (s == "content_filter") return api::FinishReason::kContentFilter;
  return api::FinishReason::kStop;
}

bool scan_choice(Scanner& s, api::ChatDelta& d) {
  static constexpr std::array<std::string_view, 5> kNames{"index", "delta", "finish_reason", "logprobs", "message"};
  return s.object(kNames, 2, [&](std::size_t slot) {
    switch (slot) {
      case 0:
        return s.small_index(d.index);
      case 1:
        return s.peek() == '{' ? scan_delta(s, d) : s.skip(2);
      case 2: {
        if (s.null()) return true;
        std::string reason;
        if (s.peek() != '"' || !s.string(&reason)) return false;
        d.finish_reason = finish_reason_of(reason);
        return true;
      }
      case 3:
        return s.null();  // logprobs: only none
      default:
        return false;  // "message": a whole answer in one chunk, for the full decoder
    }
  });
}

bool same_usage(const std::optional<api::Usage>& a, const std::optional<api::Usage>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->prompt_tokens == b->prompt_tokens && a->completion_tokens == b->completion_tokens &&
                a->cached_prompt_tokens == b->cached_prompt_tokens && a->reasoning_tokens == b->reasoning_tokens);
}

bool same_logprobs(const std::optional<std::vector<api::TokenLogprob>>& a,
                   const std::optional<std::vector<api::TokenLogprob>>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  if (a->size() != b->size()) return false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& x = (*a)[i];
    const auto& y = (*b)[i];
    if (x.token != y.token || x.logprob != y.logprob || x.top.size() != y.top.size()) return false;
    for (std::size_t j = 0; j < x.top.size(); ++j) {
      if (x.top[j].token != y.top[j].token || x.top[j].logprob != y.top[j].logprob) return false;
    }
  }
  return true;
}

}  // namespace

bool same_chat_chunk(const ChatChunk& a, const ChatChunk& b) {
  if (!same_usage(a.usage, b.usage) || a.deltas.size() != b.deltas.size()) return false;
  for (std::size_t i = 0; i < a.deltas.size(); ++i) {
    const auto& x = a.deltas[i];
    const auto& y = b.deltas[i];
    if (x.index != y.index || x.role != y.role || x.content != y.content ||
        x.reasoning_content != y.reasoning_content || x.finish_reason != y.finish_reason ||
        x.stop_sequence != y.stop_sequence || !same_logprobs(x.logprobs, y.logprobs) ||
        x.tool_calls.size() != y.tool_calls.size()) {
      return false;
    }
    for (std::size_t j = 0; j < x.tool_calls.size(); ++j) {
      const auto& t = x.tool_calls[j];
      const auto& u = y.tool_calls[j];
      if (t.index != u.index || t.id != u.id || t.name != u.name || t.arguments != u.arguments) return false;
    }
  }
  return true;
}

std::optional<ChatChunk> decode_simple_chat_chunk(std::string_view text) {
  static constexpr std::array<std::string_view, 3> kNames{"choices", "usage", "error"};
  Scanner s(text);
  ChatChunk out;
  const bool ok = s.object(kNames, 1, [&](std::size_t slot) {
    if (slot != 0) return s.null();         // usage and error: only none here
    if (s.peek() != '[') return s.skip(1);  // not an array: no choices, as in the full decoder
    (void)s.eat('[');
    if (s.eat(']')) return true;
    do {
      if (s.peek() != '{') {
        if (!s.skip(2)) return false;  // not an object: passed over, as in the full decoder
        continue;
      }
      api::ChatDelta d;
      if (!scan_choice(s, d)) return false;
      out.deltas.push_back(std::move(d));
    } while (s.eat(','));
    return s.eat(']');
  });
  if (!ok || !s.at_end()) return std::nullopt;
  return out;
}

}  // namespace sovra::routing
