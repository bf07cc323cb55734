#pragma once
// Plain records the Store keeps: organisations, projects, API keys (project and admin), service accounts,
// users and invites. Times are Unix seconds; 0 means "never" / "not set".
#include <cstdint>
#include <string>
#include <vector>

namespace sovra::store {

using Timestamp = std::int64_t;

struct Organization {
  std::string id;  // org_…
  std::string name;
  Timestamp created_at = 0;
  bool operator==(const Organization&) const = default;
};

struct Project {
  std::string id;  // proj_…
  std::string org_id;
  std::string name;
  Timestamp created_at = 0;
  Timestamp archived_at = 0;
  bool operator==(const Project&) const = default;
};

enum class KeyKind { kProject, kAdmin };

// An API key as stored: never the secret, only a salted SHA-256 of it (hex), and for a rotated key the previous
// salted hash with the time until which it is still accepted.
struct ApiKeyRecord {
  std::string id;  // the <key id> of sk-sovra-<key id>-<secret>
  std::string org_id;
  std::string project_id;  // empty for admin keys
  KeyKind kind = KeyKind::kProject;
  std::string name;
  std::string owner_type;  // "user" | "service_account" | ""
  std::string owner_id;
  std::string redacted;  // "sk-sovra-<id>-…abcd" for listings
  std::string salt;
  std::string hash;
  std::string prev_salt;
  std::string prev_hash;
  Timestamp prev_valid_until = 0;
  Timestamp created_at = 0;
  Timestamp last_used_at = 0;
  Timestamp expires_at = 0;
  Timestamp revoked_at = 0;
  std::vector<std::string> allowed_models;     // empty: all
  std::vector<std::string> allowed_endpoints;  // route patterns, e.g. "/v1/chat/completions"; empty: all
  std::string role;  // admin keys: owner | admin | member | billing | auditor (platform/role.hpp); project keys: ""
  bool operator==(const ApiKeyRecord&) const = default;
};

struct ServiceAccount {
  std::string id;  // svc_acct_…
  std::string org_id;
  std::string project_id;
  std::string name;
  std::string role;  // "owner" | "member"
  Timestamp created_at = 0;
  bool operator==(const ServiceAccount&) const = default;
};

struct User {
  std::string id;  // user_…
  std::string org_id;
  std::string email;
  std::string name;
  std::string role;  // owner | admin | member | billing | auditor
  Timestamp added_at = 0;
  bool operator==(const User&) const = default;
};

struct Invite {
  std::string id;  // invite-…
  std::string org_id;
  std::string email;
  std::string role;
  std::string status;  // pending | accepted | expired
  Timestamp invited_at = 0;
  Timestamp expires_at = 0;
  Timestamp accepted_at = 0;
  std::string token_salt;  // the one-time acceptance token, stored like a key secret (platform/key_secret.hpp)
  std::string token_hash;
  bool operator==(const Invite&) const = default;
};

// A rate-limit rule (src/gateway/rate_limit). Its scope is the organisation (project_id and key_id empty), a project
// (key_id empty) or one project API key; `model` is a model id or "*" for all models together. A value of 0 means
// no limit on that measure. The id is "rl-<model>", unique within its scope.
struct RateLimitRecord {
  std::string id;
  std::string org_id;
  std::string project_id;
  std::string key_id;
  std::string model = "*";
  std::int64_t requests_per_minute = 0;
  std::int64_t requests_per_day = 0;
  std::int64_t tokens_per_minute = 0;  // prompt + completion tokens
  std::int64_t tokens_per_day = 0;
  std::int64_t concurrent_requests = 0;
  Timestamp updated_at = 0;
  bool operator==(const RateLimitRecord&) const = default;
};

// Cursor pagination as OpenAI does it: items after the object id `after`, at most `limit` of them.
struct PageRequest {
  std::string after;
  std::int64_t limit = 20;
};

template <typename T>
struct Page {
  std::vector<T> items;
  bool has_more = false;
};

}  // namespace sovra::store
