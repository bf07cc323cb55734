#include "platform/invite_accept.hpp"

#include "platform/ids.hpp"
#include "platform/invite_token.hpp"
#include "platform/role.hpp"

namespace sovra::platform {
namespace {

Error no_such_invite() { return Error::not_found("No pending invite matches this token."); }

}  // namespace

Result<AcceptedInvite> accept_invite(store::Store& store, std::string_view token, std::string name,
                                     store::Timestamp now) {
  const auto parts = parse_invite_token(token);
  if (!parts) return Error::invalid("'token' is not an invite token (sovra-invite.<id>.<secret>).", "token");
  auto found = store.find_invite(std::string(parts->invite_id));
  if (!found && found.error().code != ErrorCode::kNotFound) return found.error();
  if (!invite_token_matches(found ? &*found : nullptr, parts->secret)) return no_such_invite();
  auto& inv = *found;
  if (inv.status == "accepted") {
    return Error{ErrorCode::kConflict, "This invite was already accepted; its token works only once.", "token", 409};
  }
  if (inv.status != "pending") return no_such_invite();
  if (inv.expires_at <= now) {
    return Error{ErrorCode::kInvalidArgument, "This invite has expired; ask for a new one.", "token", 410};
  }
  const auto role = parse_role(inv.role);
  if (!role) return Error::internal("The invite has an unknown role '" + inv.role + "'.");
  if (name.empty()) name = inv.email;
  store::User user{new_id("user"), inv.org_id, inv.email, std::move(name), inv.role, now};
  const KeySpec spec{.org_id = inv.org_id,
                     .kind = store::KeyKind::kAdmin,
                     .name = "admin key of " + inv.email,
                     .owner_type = "user",
                     .owner_id = user.id,
                     .role = *role};
  auto g = generate_key();
  auto record = key_record(spec, g);
  record.created_at = now;
  SOVRA_CHECK(store.accept_invite(inv.id, now, user, record));
  return AcceptedInvite{std::move(inv), std::move(user), IssuedKey{std::move(record), std::move(g.plaintext)}};
}

}  // namespace sovra::platform
