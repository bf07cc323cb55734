#include "platform/audit/checkpoint.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "common/json.hpp"

namespace sovra::platform::audit {

std::string checkpoint_message(const Checkpoint& c) {
  return "sovra-audit-checkpoint-v1\n" + std::to_string(c.seq) + "\n" + c.hash + "\n" + std::to_string(c.at_ms) + "\n";
}

std::string checkpoint_json(const Checkpoint& c) {
  boost::json::object o;
  o["seq"] = c.seq;
  o["hash"] = c.hash;
  o["at_ms"] = c.at_ms;
  o["key_id"] = c.key_id;
  o["signature"] = c.signature;
  return boost::json::serialize(o);
}

Result<Checkpoint> parse_checkpoint_json(std::string_view line) {
  SOVRA_TRY(auto v, parse_json(line));
  if (!v.is_object()) return Error::corrupt("a checkpoint line must be a JSON object");
  const auto& o = v.as_object();
  Checkpoint c;
  const auto* seq = o.if_contains("seq");
  const auto* hash = o.if_contains("hash");
  const auto* at = o.if_contains("at_ms");
  const auto* key = o.if_contains("key_id");
  const auto* sig = o.if_contains("signature");
  if (seq == nullptr || !seq->is_int64() || hash == nullptr || !hash->is_string() || at == nullptr ||
      !at->is_int64() || key == nullptr || !key->is_string() || sig == nullptr || !sig->is_string()) {
    return Error::corrupt("a checkpoint line needs seq, hash, at_ms, key_id and signature");
  }
  c.seq = seq->as_int64();
  c.hash = std::string(hash->as_string());
  c.at_ms = at->as_int64();
  c.key_id = std::string(key->as_string());
  c.signature = std::string(sig->as_string());
  return c;
}

}  // namespace sovra::platform::audit
