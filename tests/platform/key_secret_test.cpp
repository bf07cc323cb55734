#include "platform/key_secret.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sovra::platform {
namespace {

TEST(KeySecret, GeneratedKeysParseAndVerify) {
  const auto g = generate_key();
  ASSERT_TRUE(g.plaintext.starts_with("sk-sovra-" + g.id + "-"));
  auto parts = parse_key(g.plaintext);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->id, g.id);
  EXPECT_EQ(parts->secret.size(), 64u);
  Salt salt{};
  Digest hash{};
  ASSERT_TRUE(from_hex(g.stored.salt, salt.data(), salt.size()));
  ASSERT_TRUE(from_hex(g.stored.hash, hash.data(), hash.size()));
  EXPECT_TRUE(digest_equal(digest(salt, parts->secret), hash));
  EXPECT_FALSE(digest_equal(digest(salt, std::string(64, '0')), hash));
  EXPECT_EQ(g.stored.hash.find(parts->secret), std::string::npos);
  EXPECT_TRUE(g.redacted.ends_with(g.plaintext.substr(g.plaintext.size() - 4)));
  EXPECT_EQ(g.redacted.find(parts->secret), std::string::npos);
}

TEST(KeySecret, SaltsDifferSoEqualSecretsHashDifferently) {
  const auto a = hash_secret("same-secret-same-secret-same-secret");
  const auto b = hash_secret("same-secret-same-secret-same-secret");
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(a.hash, b.hash);
}

TEST(KeySecret, MalformedKeysAreRejected) {
  const std::string secret(40, 'a');
  EXPECT_TRUE(parse_key("sk-sovra-abcdefgh-" + secret));
  const std::vector<std::string> bads = {std::string(), std::string("sk-"), "sk-sovra-", "sk-sovra-abcdefgh", "sk-sovra-abcdefgh-",
                                "sk-sovra-abc-" + secret, "sk-sovra-ABCDEFGH-" + secret, "sk-sovra-abcdefgh-short",
                                "sk-proj-abcdefgh-" + secret, "sk-sovra-abcdefgh-" + secret + "!",
                                "sk-sovra-abcdefgh-" + std::string(200, 'a'), "Bearer sk-sovra-abcdefgh-" + secret};
  for (const auto& bad : bads) {
    EXPECT_FALSE(parse_key(bad)) << bad;
  }
}

TEST(KeySecret, DigestIsSha256OfSaltThenSecret) {
  Salt salt{};
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::uint8_t>(i);
  Digest want{};
  // python3: hashlib.sha256(bytes(range(16)) + b"sovra-known-answer").hexdigest()
  ASSERT_TRUE(from_hex("02352e1ca4cedbd3c7a2902c11ebab1514ce280048da426bc3bcfdc163ef9595", want.data(), want.size()));
  EXPECT_TRUE(digest_equal(digest(salt, "sovra-known-answer"), want));
}

TEST(KeySecret, AdoptedKeysKeepTheOperatorsText) {
  const std::string text = "sk-sovra-preset01-" + std::string(48, 'x');
  auto g = adopt_key(text);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->id, "preset01");
  EXPECT_EQ(g->plaintext, text);
  EXPECT_FALSE(adopt_key("not-a-key"));
}

}  // namespace
}  // namespace sovra::platform
