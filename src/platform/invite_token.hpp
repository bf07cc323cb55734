#pragma once
// The one-time token that accepts an invite: `sovra-invite.<invite id>.<secret>`, 256 random bits of secret, shown
// once when the invite is created. Only SHA-256(salt ‖ secret) is stored (as for API keys, key_secret.hpp).
#include <optional>
#include <string>
#include <string_view>

#include "platform/key_secret.hpp"
#include "store/records.hpp"

namespace sovra::platform {

inline constexpr std::string_view kInviteTokenPrefix = "sovra-invite.";

struct InviteToken {
  std::string plaintext;  // returned once, never stored or logged
  StoredSecret stored;
};
InviteToken make_invite_token(std::string_view invite_id);

struct InviteTokenParts {
  std::string_view invite_id;
  std::string_view secret;
};
// nullopt unless the text has the token format (says nothing about whether the invite exists).
std::optional<InviteTokenParts> parse_invite_token(std::string_view text);

// Whether `secret` is the invite's token, in constant time. An invite without a stored token matches nothing;
// `invite` null compares against a dummy so that unknown and wrong tokens take the same time.
bool invite_token_matches(const store::Invite* invite, std::string_view secret);

}  // namespace sovra::platform
