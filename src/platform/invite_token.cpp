#include "platform/invite_token.hpp"

#include "platform/ids.hpp"

namespace sovra::platform {

InviteToken make_invite_token(std::string_view invite_id) {
  auto secret = random_hex(32);
  InviteToken t;
  t.stored = hash_secret(secret);
  t.plaintext = std::string(kInviteTokenPrefix) + std::string(invite_id) + "." + secret;
  return t;
}

std::optional<InviteTokenParts> parse_invite_token(std::string_view text) {
  if (!text.starts_with(kInviteTokenPrefix)) return std::nullopt;
  text.remove_prefix(kInviteTokenPrefix.size());
  const auto dot = text.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 80) return std::nullopt;
  InviteTokenParts p{text.substr(0, dot), text.substr(dot + 1)};
  if (p.secret.size() < 32 || p.secret.size() > 128) return std::nullopt;
  for (char c : p.invite_id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return std::nullopt;
  for (char c : p.secret)
    if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'))) return std::nullopt;
  return p;
}

bool invite_token_matches(const store::Invite* invite, std::string_view secret) {
  Salt salt{};
  Digest want{};
  const bool usable = invite != nullptr && from_hex(invite->token_salt, salt.data(), salt.size()) &&
                      from_hex(invite->token_hash, want.data(), want.size());
  const bool equal = digest_equal(digest(salt, secret), want);  // computed in every case: same timing
  return usable && equal;
}

}  // namespace sovra::platform
