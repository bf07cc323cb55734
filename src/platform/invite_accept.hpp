#pragma once
// Accepting an invite with its one-time token: the invited person becomes a user of the organisation with the
// invited role and gets an admin key acting with that role. Blocking (store): call from the store executor.
//
// Outcomes: a malformed token → invalid (400); no invite with that token (unknown, deleted or wrong secret, all
// alike) → not-found (404); an invite already accepted → conflict (409); an expired one → 410. Nothing changes
// in any of these cases.
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "platform/key_issuer.hpp"
#include "store/store.hpp"

namespace sovra::platform {

struct AcceptedInvite {
  store::Invite invite;  // as it was before acceptance
  store::User user;
  IssuedKey admin_key;  // plaintext returned once
};

Result<AcceptedInvite> accept_invite(store::Store& store, std::string_view token, std::string name,
                                     store::Timestamp now);

}  // namespace sovra::platform
