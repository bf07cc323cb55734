#include "chat/parse/event_sink.hpp"
#include "chat/parse/json_space.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <utility>

#include "common/json.hpp"

namespace sovra::chat {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// splitmix64: ids must be unique per request and reproducible in tests, not secret.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string make_call_id(std::uint64_t seed, std::size_t index, bool short_id) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = short_id ? "" : "call_";
  std::uint64_t state = mix(seed ^ mix(index + 1));
  for (int i = 0; i < (short_id ? 9 : 24); ++i) {
    state = mix(state);
    id += kAlphabet[state % kAlphabet.size()];
  }
  return id;
}

}  // namespace

std::string TrimmedText::take(std::string_view text) {
  if (!trim_) return std::string(text);
  if (!started_) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    if (text.empty()) return {};
    started_ = true;
  }
  std::size_t end = text.size();
  while (end > 0 && is_space(text[end - 1])) --end;
  if (end == 0) {
    held_.append(text);
    return {};
  }
  std::string out = std::move(held_);
  held_.clear();
  out.append(text.substr(0, end));
  held_.assign(text.substr(end));
  return out;
}

EventSink::EventSink(EventSinkOptions options)
    : options_(std::move(options)), content_trim_(options_.trim), reasoning_trim_(options_.trim) {}

void EventSink::emit(ParseEventKind kind, std::string text, std::size_t index) {
  if (out_ == nullptr) return;
  ParseEvent e;
  e.kind = kind;
  e.text = std::move(text);
  e.index = index;
  out_->push_back(std::move(e));
}

void EventSink::content(std::string_view text) {
  std::string released = content_trim_.take(text);
  if (released.empty()) return;
  result_.content += released;
  emit(ParseEventKind::kContent, std::move(released));
}

void EventSink::reasoning(std::string_view text) {
  std::string released = reasoning_trim_.take(text);
  if (released.empty()) return;
  result_.reasoning_content += released;
  emit(ParseEventKind::kReasoning, std::move(released));
}

bool EventSink::tool_allowed(std::string_view name) const {
  if (name.empty()) return false;
  if (options_.tool_names.empty()) return true;
  return std::find(options_.tool_names.begin(), options_.tool_names.end(), name) != options_.tool_names.end();
}

std::size_t EventSink::start_tool_call(std::string name, std::string id) {
  const std::size_t index = calls_.size();
  OpenCall c;
  c.call.index = index;
  c.call.id = id.empty() ? make_call_id(options_.id_seed, index, options_.short_ids) : std::move(id);
  c.call.name = std::move(name);
  c.open = true;
  if (out_ != nullptr) {
    ParseEvent e;
    e.kind = ParseEventKind::kToolCallStart;
    e.index = index;
    e.id = c.call.id;
    e.name = c.call.name;
    out_->push_back(std::move(e));
  }
  calls_.push_back(std::move(c));
  return index;
}

void EventSink::tool_arguments(std::size_t index, std::string_view text) {
  if (text.empty() || index >= calls_.size() || !calls_[index].open) return;
  calls_[index].call.arguments.append(text);
  emit(ParseEventKind::kToolCallArguments, std::string(text), index);
}

std::string_view EventSink::arguments_so_far(std::size_t index) const {
  return index < calls_.size() ? std::string_view(calls_[index].call.arguments) : std::string_view();
}

bool EventSink::end_tool_call(std::size_t index, std::string_view raw) {
  if (index >= calls_.size() || !calls_[index].open) return false;
  auto& call = calls_[index].call;
  if (trim(call.arguments).empty()) tool_arguments(index, "{}");
  if (trim(call.arguments).size() != call.arguments.size()) {
    // Formats stream exact JSON values; whitespace at the ends means a format passed a sloppy range.
    discard_tool_call(index, raw, "tool call arguments have surrounding whitespace");
    return false;
  }
  auto parsed = parse_json(call.arguments);
  if (!parsed) {
    discard_tool_call(
        index, raw,
        "tool call " + std::to_string(index) + ": arguments are not valid JSON (" + parsed.error().message + ")");
    return false;
  }
  if (!parsed->is_object()) {
    discard_tool_call(index, raw, "tool call " + std::to_string(index) + ": arguments are not a JSON object");
    return false;
  }
  calls_[index].open = false;
  result_.tool_calls.push_back(call);
  emit(ParseEventKind::kToolCallEnd, {}, index);
  return true;
}

void EventSink::discard_tool_call(std::size_t index, std::string_view raw, std::string reason) {
  if (index < calls_.size() && calls_[index].open) {
    calls_[index].open = false;
    emit(ParseEventKind::kToolCallDiscarded, {}, index);
  }
  malformed(raw, std::move(reason));
}

void EventSink::malformed(std::string_view raw, std::string reason) {
  result_.issues.push_back(std::move(reason));
  content(raw);
}

ParseResult EventSink::finish() {
  for (auto& c : calls_) {
    // A format that forgot to close a call must not leave it dangling in the stream.
    if (c.open)
      discard_tool_call(c.call.index, {}, "tool call " + std::to_string(c.call.index) + " was never completed");
  }
  return std::move(result_);
}

}  // namespace sovra::chat
