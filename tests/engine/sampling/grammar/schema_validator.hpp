#pragma once
// A small JSON Schema validator for the subset compile_json_schema supports, written independently of the
// compiler so tests can check that constrained outputs validate. Returns "" when `value` is valid, else the
// first reason it is not.
#include <boost/json/value.hpp>

#include <string>

namespace sovra::sampling::grammar::testing {

std::string validate(const boost::json::value& value, const boost::json::value& schema);

}  // namespace sovra::sampling::grammar::testing
