#include "platform/bootstrap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/ids.hpp"
#include "platform/key_issuer.hpp"

namespace sovra::platform {
namespace {

Status write_secret_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error::io("cannot write " + path + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);  // an existing file keeps its mode under O_CREAT
  const std::string line = content + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Error::io("cannot write " + path);
  return {};
}

Result<std::optional<GeneratedKey>> preset(const std::string& text, std::string_view setting) {
  if (text.empty()) return std::optional<GeneratedKey>();
  auto g = adopt_key(text);
  if (!g) {
    return Error::invalid(std::string(setting) +
                              " must look like sk-sovra-<id>-<secret>: an id of 8-64 characters [0-9a-z] and a secret of "
                              "32-128 characters [A-Za-z0-9_-]",
                          std::string(setting));
  }
  return std::optional<GeneratedKey>(std::move(*g));
}

// Installs a preset key if its id is not in the store yet.
Status ensure_preset(store::Store& store, const std::optional<GeneratedKey>& key, const KeySpec& spec) {
  if (!key) return {};
  auto existing = store.get_key(key->id);
  if (existing) return {};
  if (existing.error().code != ErrorCode::kNotFound) return existing.error();
  SOVRA_CHECK(issue_key(store, spec, key));
  return {};
}

}  // namespace

Result<BootstrapResult> bootstrap(store::Store& store, const BootstrapOptions& o) {
  SOVRA_TRY(auto admin_preset, preset(o.admin_key, "auth.admin_key"));
  SOVRA_TRY(auto api_preset, preset(o.api_key, "auth.api_key"));
  const KeySpec admin_spec{.org_id = std::string(kBootstrapOrgId), .kind = store::KeyKind::kAdmin,
                           .name = "initial admin key"};
  const KeySpec api_spec{.org_id = std::string(kBootstrapOrgId), .project_id = std::string(kBootstrapProjectId),
                         .kind = store::KeyKind::kProject, .name = "initial API key"};
  BootstrapResult result;
  SOVRA_TRY(auto orgs, store.list_organizations({.limit = 1}));
  if (!orgs.items.empty()) {
    if (store.get_organization(std::string(kBootstrapOrgId))) {
      SOVRA_CHECK(ensure_preset(store, admin_preset, admin_spec));
      SOVRA_CHECK(ensure_preset(store, api_preset, api_spec));
    }
    return result;
  }
  const auto now = now_seconds();
  auto st = store.create_organization({std::string(kBootstrapOrgId), "Default organization", now});
  if (!st) {
    if (st.error().code == ErrorCode::kConflict) return result;  // another replica bootstrapped first
    return st.error();
  }
  SOVRA_CHECK(store.create_project({std::string(kBootstrapProjectId), std::string(kBootstrapOrgId), "Default project", now, 0}));
  result.created = true;
  SOVRA_TRY(auto admin, issue_key(store, admin_spec, admin_preset));
  SOVRA_TRY(auto api, issue_key(store, api_spec, api_preset));
  result.admin_key = admin.plaintext;
  result.api_key = api.plaintext;
  if (!o.data_dir.empty()) {
    if (!admin.plaintext.empty()) {
      result.admin_key_file = o.data_dir + "/initial-admin-key";
      SOVRA_CHECK(write_secret_file(result.admin_key_file, admin.plaintext));
    }
    if (!api.plaintext.empty()) {
      result.api_key_file = o.data_dir + "/initial-api-key";
      SOVRA_CHECK(write_secret_file(result.api_key_file, api.plaintext));
    }
  }
  return result;
}

}  // namespace sovra::platform
