#pragma once
// JSON Schema → Grammar, for OpenAI's response_format: `json_schema` (strict or not) and `json_object`.
//
// Contract:
// - compile_json_schema returns a grammar whose every complete sentence parses as JSON (parse_json) and,
//   in strict mode, validates against the schema. It follows what OpenAI's strict mode accepts:
//   type (one name or a list, e.g. ["string","null"]); object: properties (generated in declared order),
//   required, additionalProperties; array: items, minItems, maxItems; string: enum, const, format (date, time,
//   date-time, uuid, email, ipv4), minLength, maxLength, pattern (an ECMA-262 subset, see regex.hpp); number/integer:
//   minimum, maximum, exclusiveMinimum, exclusiveMaximum where they can be enforced (see below); boolean; null; enum
//   and const of any JSON value; anyOf; $ref to "#" or "#/…" JSON pointers into the document ($defs, definitions),
//   recursion included. Annotations (description, title, default, examples, $schema, $id, $comment, deprecated,
//   readOnly, writeOnly) are ignored.
// - Strict mode refuses, with kInvalidArgument naming the keyword and the schema path ("#/properties/zip"),
//   what it cannot guarantee: any other keyword (oneOf, allOf, not, if/then/else, prefixItems,
//   uniqueItems, minProperties, patternProperties, multipleOf, …), an object whose additionalProperties is not
//   false or whose properties are not all required (OpenAI's rules), an array without items, numeric bounds
//   outside the enforceable cases, unknown formats, pattern constructs regex.hpp does not support, pattern
//   together with format/minLength/maxLength. Non-strict mode ignores what it cannot enforce (output is
//   still JSON matching the rest of the schema; optional properties may be omitted, extra ones are never
//   generated).
// - A schema with no type and no type-specific keyword ({} or true) admits any JSON value (nesting bounded, see
//   json_terminals.hpp). anyOf next to type/properties/items/enum/const is refused in strict mode (the siblings
//   are ignored otherwise). Non-strict mode also reads oneOf as anyOf (exclusivity not enforced) and a
//   one-element allOf as its element. enum/const values are generated as Boost.JSON serializes them (compact;
//   a double 1.5 as "1.5E0").
// - Numeric bounds are enforced exactly for integers when maximum - minimum <= 1000, for numbers with integer
//   bounds 0 <= minimum and maximum - minimum <= 1000, and for a lone minimum <= 0 (non-negative output).
// - Whitespace: none, except one optional space after ':' and ','; see json_terminals.hpp.
// - Recursion: recursive $ref is fine as long as some alternative finishes (else "derives no finite
//   string"); the grammar cannot bound the nesting depth of recursive schemas, so a model could nest deeper
//   than JSON parsers allow (64 levels for parse_json) only by recursing that deep.
// - Never throws; any JSON value as schema is safe (bad input is an error, never a crash).
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "engine/sampling/grammar/grammar.hpp"

namespace sovra::sampling::grammar {

struct JsonSchemaOptions {
  bool strict = true;
  // Literal UTF-8 text the output starts and ends with around the JSON value (a tool call's markers, e.g.
  // "<tool_call>\n" … "\n</tool_call>"); empty: the output is the JSON value alone.
  std::string prefix;
  std::string suffix;
  // Values the output holds, at least one: more than one repeats the value with `separator` between
  // consecutive ones, inside one prefix … suffix frame (parallel tool calls: "prefix v sep v sep v suffix").
  // kUnbounded (grammar_builder.hpp) for no limit.
  std::uint32_t max_values = 1;
  std::string separator;
};

Result<std::shared_ptr<const Grammar>> compile_json_schema(const boost::json::value& schema,
                                                           const JsonSchemaOptions& options = {});

// response_format json_object: any JSON object (nesting bounded, see json_terminals.hpp).
Result<std::shared_ptr<const Grammar>> json_object_grammar();

}  // namespace sovra::sampling::grammar
