#pragma once
// SchemaCompiler: the working state of one compile_json_schema call (json_schema.hpp has the contract).
// Internal to the grammar folder: json_schema.cpp holds the dispatch (keywords, $ref, anyOf, enum, const,
// type), schema_types.cpp the rules per JSON type.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "engine/sampling/grammar/grammar_builder.hpp"
#include "engine/sampling/grammar/json_schema.hpp"
#include "engine/sampling/grammar/json_terminals.hpp"

namespace sovra::sampling::grammar {

inline constexpr int kMaxSchemaDepth = 64;
inline constexpr std::size_t kMaxSchemaRules = 100000;
inline constexpr std::int64_t kMaxEnumeratedRange = 1000;

class SchemaCompiler {
 public:
  SchemaCompiler(const boost::json::value& root, const JsonSchemaOptions& options)
      : root_(root), options_(options), terms_(builder_) {}

  Result<RuleId> compile(const boost::json::value& schema, const std::string& path, int depth);
  // Builds the grammar of `root`, framed by options.prefix / options.suffix when they are set.
  Result<Grammar> finish(RuleId root) &&;

  // "json_schema: <what> at <path>" as an invalid-argument error for the response_format parameter.
  static Error error(const std::string& path, const std::string& what);
  // A keyword (or keyword value) strict mode cannot guarantee.
  static Error unsupported(const std::string& path, std::string_view keyword, const std::string& why);

 private:
  Status check_keywords(const boost::json::object& o, const std::string& path) const;
  Result<RuleId> compile_ref(const boost::json::value& ref, const std::string& path, int depth);
  Result<RuleId> compile_any_of(const boost::json::value& list, const std::string& path, int depth);
  Result<RuleId> compile_literals(const std::vector<const boost::json::value*>& values, const std::string& path);
  Result<RuleId> compile_type(const boost::json::object& o, std::string_view type, const std::string& path, int depth);

  // schema_types.cpp
  Result<RuleId> compile_object(const boost::json::object& o, const std::string& path, int depth);
  Result<RuleId> compile_array(const boost::json::object& o, const std::string& path, int depth);
  Result<RuleId> compile_string(const boost::json::object& o, const std::string& path);
  Result<RuleId> compile_number(const boost::json::object& o, const std::string& path, bool integer);
  // minItems/maxItems or minLength/maxLength as [min, max] (max kUnbounded when absent or, outside strict
  // mode, too large to unroll).
  Result<std::pair<std::uint32_t, std::uint32_t>> count_bounds(const boost::json::object& o, const std::string& path,
                                                               std::string_view min_key, std::string_view max_key);

  const boost::json::value& root_;
  JsonSchemaOptions options_;
  GrammarBuilder builder_;
  JsonTerminals terms_;
  std::map<std::string, RuleId> refs_;  // by JSON pointer
};

// A name for the rule of the schema at `path` (its last segment, as a GBNF-friendly word).
std::string rule_name(const std::string& path);

}  // namespace sovra::sampling::grammar
