// gpt-oss (OpenAI harmony). The prompt ends with "<|start|>assistant"; the model then writes messages
//   <|channel|>analysis<|message|>…<|end|>                         → reasoning
//   <|start|>assistant<|channel|>final<|message|>…<|return|>        → content
//   <|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{…}<|call|>  → tool call f
// The recipient (to=…) may also stand in the role part: "<|start|>assistant to=functions.f<|channel|>commentary
// json<|message|>". Commentary without a recipient is a preamble for the user: content. <|return|> and <|call|>
// are stop tokens an engine may or may not pass on; either is handled.
#include <optional>
#include <string>

#include "chat/parse/format_parser.hpp"
#include "chat/parse/json_space.hpp"
#include "chat/parse/marker_scan.hpp"

namespace sovra::chat {
namespace {

constexpr std::string_view kStartToken = "<|start|>";
constexpr std::string_view kChannel = "<|channel|>";
constexpr std::string_view kMessage = "<|message|>";
constexpr std::string_view kEnd = "<|end|>";
constexpr std::string_view kCall = "<|call|>";
constexpr std::string_view kReturn = "<|return|>";
constexpr std::string_view kEndTokens[] = {kEnd, kCall, kReturn};
constexpr std::size_t kMaxHeader = 512;  // bytes; a longer "header" is text, not markup

struct Header {
  std::string channel;
  std::string recipient;
};

// "<|start|>assistant to=functions.f<|channel|>commentary <|constrain|>json" → channel, recipient.
Header read_header(std::string_view h) {
  Header out;
  const auto word_at = [&](std::size_t p) {
    std::size_t e = p;
    while (e < h.size() && !is_space(h[e]) && h[e] != '<') ++e;
    return std::string(h.substr(p, e - p));
  };
  if (auto p = h.find(kChannel); p != std::string_view::npos) {
    std::size_t q = p + kChannel.size();
    while (q < h.size() && is_space(h[q])) ++q;
    out.channel = word_at(q);
  }
  if (auto p = h.find("to="); p != std::string_view::npos) out.recipient = word_at(p + 3);
  return out;
}

class HarmonyFormat final : public FormatParser {
 public:
  void feed(std::string_view text, EventSink& sink) override {
    buf_.append(text);
    step(sink, false);
  }

  void finish(EventSink& sink) override {
    step(sink, true);
    if (state_ == State::kHeader) {
      sink.malformed(buf_, "harmony message header without <|message|>");
    } else if (state_ == State::kBody) {
      end_message(sink);
    } else {
      sink.content(buf_);
    }
    buf_.clear();
  }

 private:
  enum class State { kLoose, kHeader, kBody };
  enum class Target { kContent, kReasoning, kTool };

  void begin_message(EventSink& sink, std::string_view header) {
    const Header h = read_header(header);
    raw_ = std::string(header) + std::string(kMessage);
    call_.reset();
    args_trim_ = TrimmedText(true);
    if (!h.recipient.empty() && h.recipient != "assistant" && h.recipient != "user") {
      target_ = Target::kTool;
      name_ = h.recipient.starts_with("functions.") ? h.recipient.substr(10) : h.recipient;
      if (sink.tool_allowed(name_)) call_ = sink.start_tool_call(name_);
    } else {
      target_ = h.channel == "analysis" ? Target::kReasoning : Target::kContent;
    }
  }

  void body_text(EventSink& sink, std::string_view text) {
    switch (target_) {
      case Target::kContent:
        sink.content(text);
        break;
      case Target::kReasoning:
        sink.reasoning(text);
        break;
      case Target::kTool:
        raw_.append(text);
        if (call_) sink.tool_arguments(*call_, args_trim_.take(text));
        break;
    }
  }

  void end_message(EventSink& sink) {
    if (target_ == Target::kTool) {
      if (call_) {
        sink.end_tool_call(*call_, raw_);
      } else {
        sink.malformed(raw_, "tool call names a tool that was not offered");
      }
    }
    raw_.clear();
    call_.reset();
  }

  void step(EventSink& sink, bool final) {
    for (;;) {
      switch (state_) {
        case State::kLoose: {
          // Between messages: text outside any message is content; stray end tokens are dropped.
          const MarkerScan scan = scan_markers(buf_, {kStartToken, kChannel, kEnd, kCall, kReturn}, final);
          sink.content(std::string_view(buf_).substr(0, scan.safe));
          if (!scan.found()) {
            buf_.erase(0, scan.safe);
            return;
          }
          buf_.erase(0, scan.pos);
          if (scan.marker >= 2) {
            buf_.erase(0, kEndTokens[scan.marker - 2].size());
          } else {
            state_ = State::kHeader;
          }
          break;
        }
        case State::kHeader: {
          // A header is markup only if <|message|> starts within kMaxHeader bytes; the decision depends on those
          // bytes alone, so it is the same however the text was split.
          const MarkerScan scan = scan_markers(buf_, {kMessage}, final);
          if (scan.found() && scan.pos <= kMaxHeader) {
            begin_message(sink, std::string_view(buf_).substr(0, scan.pos));
            buf_.erase(0, scan.pos + kMessage.size());
            state_ = State::kBody;
            break;
          }
          if (!scan.found() && buf_.size() < kMaxHeader + kMessage.size()) return;
          std::size_t cut = kMaxHeader;
          while (cut > 0 && (static_cast<unsigned char>(buf_[cut]) & 0xC0) == 0x80) --cut;  // whole characters
          sink.malformed(std::string_view(buf_).substr(0, cut), "harmony message header is too long");
          buf_.erase(0, cut);
          state_ = State::kLoose;
          break;
        }
        case State::kBody: {
          const MarkerScan scan = scan_markers(buf_, {kEnd, kCall, kReturn, kStartToken, kChannel}, final);
          body_text(sink, std::string_view(buf_).substr(0, scan.safe));
          if (!scan.found()) {
            buf_.erase(0, scan.safe);
            return;
          }
          end_message(sink);
          // An end token is consumed; a new header (the model skipped the end token) is read as one.
          buf_.erase(0, scan.pos + (scan.marker <= 2 ? kEndTokens[scan.marker].size() : 0));
          state_ = scan.marker <= 2 ? State::kLoose : State::kHeader;
          break;
        }
      }
    }
  }

  State state_ = State::kLoose;
  Target target_ = Target::kContent;
  std::string buf_;
  std::string raw_;
  std::string name_;
  std::optional<std::size_t> call_;
  TrimmedText args_trim_{true};
};

}  // namespace

std::unique_ptr<FormatParser> make_harmony_format() { return std::make_unique<HarmonyFormat>(); }

}  // namespace sovra::chat
